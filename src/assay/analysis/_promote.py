"""Discovered slices declared in the next version of their suite.

Each promoted slice becomes a slice attribute of the suite with the values ``in`` and
``out``, computed from the suite's own examples by the slice's predicates (a binned field by
its recorded bounds, ``input_length`` from the input), so every later run on the new version is
compared, and can be gated, on that slice like on any declared one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from assay.analysis._attributes import DERIVED, input_length
from assay.analysis._slices import DiscoveredSlice
from assay.core import SliceSpec
from assay.data import SuiteData, make_suite
from assay.errors import ConfigError, DataError

__all__ = ["next_version", "promote_slices", "slice_name"]

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def slice_name(description: str) -> str:
    """An attribute name for a discovered slice: ``found_`` and its description's words."""
    words = re.sub(r"[^a-z0-9]+", "_", description.lower()).strip("_")
    return ("found_" + words)[:60].rstrip("_")


def next_version(version: str) -> str:
    """``"3"`` after ``"2"``, ``"v1.3"`` after ``"v1.2"``, ``"2"`` after ``""``, else ``+slices``."""
    if not version:
        return "2"
    match = re.fullmatch(r"(.*?)(\d+)", version)
    if match:
        return f"{match.group(1)}{int(match.group(2)) + 1}"
    return f"{version}+slices"


def _membership(examples: pa.Table, found: DiscoveredSlice) -> pa.Array:
    inside = np.ones(examples.num_rows, dtype=bool)
    for predicate in found.predicates:
        name = predicate.attribute
        if name in examples.column_names:
            column = examples.column(name)
        elif name == DERIVED and "input" in examples.column_names:
            column = pa.chunked_array([input_length(examples.column("input"))])
        else:
            raise DataError(
                f"slice {found.description!r} cannot be declared on this suite",
                column=name,
                expected="an attribute the suite's examples carry",
                found=f"columns {examples.column_names[:12]}",
            )
        inside &= predicate.matches(column)
    return pa.array(np.where(inside, "in", "out"), type=pa.string())


def promote_slices(
    suite: SuiteData,
    slices: Sequence[DiscoveredSlice],
    *,
    names: Sequence[str] | None = None,
    version: str | None = None,
) -> SuiteData:
    """The next version of ``suite`` with each of ``slices`` declared as a slice attribute
    (``in`` / ``out``), named by ``names`` or after the slice's description."""
    if not slices:
        raise ConfigError("No slice to promote: the analysis found none.")
    chosen = list(names) if names is not None else [slice_name(s.description) for s in slices]
    if len(chosen) != len(slices):
        raise ConfigError(f"{len(chosen)} name(s) for {len(slices)} slice(s).")
    taken = set(suite.suite.slice_names) | set(suite.suite.metric_names)
    for name in chosen:
        if not _IDENT.match(name) or name in taken or chosen.count(name) > 1:
            raise ConfigError(
                f"Cannot declare a slice named {name!r}: a slice name is letters, digits and "
                "underscores, starting with a letter, and not a name the suite already uses."
            )
    examples = suite.examples
    specs = list(suite.suite.slices)
    for name, found in zip(chosen, slices, strict=True):
        examples = examples.append_column(name, _membership(suite.examples, found))
        specs.append(
            SliceSpec(
                name=name,
                description=(
                    f"in: {found.description} (found by slice discovery: worse than the rest by "
                    f"{found.effect:.3g}, adjusted p {found.adjusted_p_value:.2g})"
                ),
            )
        )
    old = suite.suite
    return make_suite(
        old.name,
        examples,
        metrics=old.metrics,
        slices=specs,
        version=next_version(old.version) if version is None else version,
        description=old.description,
        catalog=old.catalog,
        task=old.task,
        source=f"{old.name} with promoted slices",
    )
