"""``assay coverage``: a scenario registry checked against the stored suites."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from assay._util import atomic_write
from assay.core import Suite
from assay.errors import ConfigError
from assay.governance import (
    MAX_COVERAGE_REGISTRY_BYTES,
    CoverageReport,
    SuiteFacts,
    check_coverage,
    parse_coverage_registry,
)
from assay.storage import Store
from assay.workflows._api import _store

__all__ = ["DEFAULT_REGISTRY", "read_registry_file", "scenario_coverage", "suite_facts"]

DEFAULT_REGISTRY = "coverage.yaml"
"""The registry ``assay coverage`` reads when none is named."""


def read_registry_file(path: str | Path) -> bytes:
    """The bytes of a registry file, refused before reading when it is larger than the
    registry limit."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_COVERAGE_REGISTRY_BYTES + 1)
    except OSError as exc:
        raise ConfigError(
            f"{file}: cannot read the coverage registry: {exc.strerror or exc}. Write one "
            "(see docs/governance-coverage.md) or name it with --registry."
        ) from exc
    if len(raw) > MAX_COVERAGE_REGISTRY_BYTES:
        raise ConfigError(f"{file}: larger than {MAX_COVERAGE_REGISTRY_BYTES:,} bytes.")
    return raw


def _counts(examples: pa.Table, attribute: str) -> dict[tuple[str, str], tuple[int, int | None]]:
    column = examples.column(attribute).cast(pa.string())
    table = pa.table({"value": column, "example_id": examples.column("example_id")})
    aggregates: list[tuple[Any, ...]] = [("example_id", "count")]
    clustered = "cluster" in examples.column_names
    if clustered:
        # an example without a cluster is a cluster of its own, as in the clustered intervals
        table = table.append_column("cluster", examples.column("cluster"))
        aggregates.append(("cluster", "count_distinct"))
        aggregates.append(("cluster", "count", pc.CountOptions(mode="only_null")))
    grouped = table.group_by("value").aggregate(aggregates).to_pylist()
    return {
        (attribute, str(row["value"])): (
            int(row["example_id_count"]),
            int(row["cluster_count_distinct"]) + int(row["cluster_count"]) if clustered else None,
        )
        for row in grouped
        if row["value"] is not None
    }


def suite_facts(store: Store, suite: Suite) -> SuiteFacts:
    """The counts coverage needs, read from a stored suite's examples table."""
    examples = store.suites.examples(suite.digest, text=False)  # counts only
    slices: dict[tuple[str, str], tuple[int, int | None]] = {}
    for attribute in suite.slice_names:
        if attribute in examples.column_names:
            slices.update(_counts(examples, attribute))
    clusters = None
    if "cluster" in examples.column_names:
        column = examples.column("cluster")
        # a cluster column of nulls only: the suite has no clusters
        distinct = int(pc.count_distinct(column).as_py())
        clusters = distinct + column.null_count if distinct else None
    if clusters is None:
        slices = {k: (n, None) for k, (n, _) in slices.items()}
    return SuiteFacts(
        name=suite.name,
        digest=suite.digest,
        metric_names=tuple(suite.metric_names),
        slice_names=tuple(suite.slice_names),
        n_examples=examples.num_rows,
        n_clusters=clusters,
        slices=slices,
    )


def _newest(suites: Iterable[Suite]) -> dict[str, Suite]:
    newest: dict[str, Suite] = {}
    for suite in suites:  # oldest first within a name: the last one is the newest
        newest[suite.name] = suite
    return newest


def scenario_coverage(
    registry: str | Path = DEFAULT_REGISTRY,
    *,
    store: Store | None = None,
    html: str | Path | None = None,
) -> CoverageReport:
    """Check a scenario registry (a YAML file) against the newest stored version of each suite
    it names, and write the HTML page to ``html`` when given.

    Covered shares are weighted (weight / total weight); slices too small for their precision
    target come with the n they need (see :mod:`assay.governance`'s coverage docs).
    :class:`~assay.errors.ConfigError` names the registry's file, line and column for a bad
    registry and for a suite, slice attribute or metric the store does not have.
    """
    st = _store(store)
    raw = read_registry_file(registry)
    parsed = parse_coverage_registry(raw, source=str(registry))
    named = {m.suite for s in parsed.scenarios for m in s.covered_by}
    stored = _newest(st.suites.list())
    facts = {name: suite_facts(st, stored[name]) for name in sorted(named & stored.keys())}
    report = check_coverage(parsed, facts, stored_names=stored.keys())
    if html is not None:
        from assay.reports import coverage_html

        atomic_write(Path(html), coverage_html(report).encode("utf-8"))
    return report
