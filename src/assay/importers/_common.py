"""What an imported evaluation-harness log becomes, and the pieces both readers share.

A log from lm-evaluation-harness or Inspect AI becomes a :class:`HarnessImport`: a suite
(examples with their inputs, references and slice attributes; the metrics the tool scored), a
table of per-example records, the model reference and the facts that go into the run's
manifest. The readers parse the files directly; neither tool needs to be installed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from assay._util import check_instance
from assay.core import RESERVED_COLUMNS, MetricSpec, ModelRef
from assay.data import SuiteData, make_suite
from assay.errors import ConfigError, DataError

__all__ = ["HarnessImport"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MODEL_NAME = re.compile(r"[^A-Za-z0-9._\-/:]+")


@dataclass(frozen=True)
class HarnessImport:
    """An evaluation-harness log read into assay's terms, ready to be stored as a run."""

    harness: str
    """The tool that wrote the log: ``"lm-evaluation-harness"`` or ``"inspect_ai"``."""
    source: str
    """The file that was read."""
    suite: SuiteData
    """Examples (ids, inputs, references, slice attributes) and the metrics the tool scored."""
    records: pa.Table
    """One row per example and sample: ``example_id``, ``sample_index``, ``output``,
    ``error``, ``tokens_in``, ``tokens_out``, ``latency_ms`` and one column per metric."""
    model: ModelRef
    """The model the tool evaluated, with its generation settings as parameters."""
    provenance: dict[str, Any] = field(default_factory=dict)
    """Facts for the run's manifest: harness name and version, git revision, task versions,
    configuration, dates, the source file's SHA-256, what the tool reported."""
    reported: dict[str, float] = field(default_factory=dict)
    """The tool's own aggregate value of each imported metric, by assay metric name."""
    tags: dict[str, str] = field(default_factory=dict)
    """Labels for the run (``harness``, ``task``)."""


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_json_object(path: Path, key: str, what: str, doc: Any = None) -> dict[str, Any]:
    """A JSON file (or its already parsed ``doc``) that must be an object whose ``key`` is an object.

    Raises DataError naming the file (and line, for invalid JSON) otherwise; ``what`` names the
    kind of file in the message ("an Inspect AI log").
    """
    if doc is None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"not valid JSON: {exc.msg}", file=str(path), line=exc.lineno) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get(key), dict):
        raise DataError(
            f"not {what}",
            file=str(path),
            expected=f"a JSON object with a {key!r} mapping",
            found=type(doc).__name__ if not isinstance(doc, dict) else f"keys {sorted(doc)[:8]}",
        )
    return doc


def check_arguments(path: Any, slices: Any, function: str, cluster: Any = None) -> None:
    """The arguments every reader takes, checked in the name of the reader the user called."""
    check_instance(path, "path", function, (str, os.PathLike), "a str or a Path")
    if slices is not None:
        expected = "a list of field names or None"
        check_instance(slices, "slices", function, (list, tuple), expected)
        for name in slices:
            check_instance(name, "slices", function, str, expected)
    if cluster is not None:
        check_instance(cluster, "cluster", function, str, "a field name (str) or None")


def choose_cluster(
    attributes: Mapping[str, Mapping[str, Any]], name: str | None, source: str
) -> dict[str, str | None]:
    """The cluster of each example (``{example_id: value}``) from the field ``name``.

    Examples without the field are clusters of their own (``None``); a field no example has is
    a ConfigError, and a value that is not a scalar a DataError naming the example.
    """
    if name is None:
        return {}
    if not any(name in fields for fields in attributes.values()):
        present = sorted({f for fields in attributes.values() for f in fields})
        raise ConfigError(
            f"{source}: no example has a field {name!r} to cluster by; fields: {present[:20]}"
        )
    out = {ex: slice_value(fields.get(name)) for ex, fields in attributes.items()}
    bad = next(
        (ex for ex, f in attributes.items() if f.get(name) is not None and out[ex] is None), None
    )
    if bad is not None:
        raise DataError(
            f"cluster field {name!r} is not a scalar",
            file=source,
            column=name,
            expected="a string, integer or boolean of at most 200 characters",
            found=f"example {bad!r}: {str(attributes[bad][name])[:60]!r}",
        )
    return out


def check_file(path: str | Path) -> Path:
    """``path`` as a Path, or a DataError when it is not a readable file."""
    p = Path(path)
    if not p.is_file():
        raise DataError("no such file", file=str(p), expected="a readable log file")
    return p


def metric_name(*parts: str) -> str:
    """A column-safe metric name from a tool's names: ``("exact_match", "strict-match")`` ->
    ``exact_match__strict_match``; other characters become ``_``."""
    cleaned = [re.sub(r"[^A-Za-z0-9_]+", "_", p).strip("_") or "m" for p in parts]
    name = "__".join(cleaned)
    if not _IDENT.match(name):
        name = f"m_{name}"
    if name in RESERVED_COLUMNS:
        name = f"{name}_score"
    return name


def model_name(text: str) -> str:
    """A name :class:`ModelRef` accepts, from a tool's model string."""
    cleaned = _MODEL_NAME.sub("-", text).strip("-./:")
    return cleaned or "unknown-model"


def as_float(value: Any) -> float | None:
    """A per-sample metric value as a float; ``None`` when it is not a single number."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        try:
            f = float(value)
        except OverflowError:  # an integer beyond a float's range
            return None
        return f if math.isfinite(f) else None
    return None


def slice_value(value: Any) -> str | None:
    """A slice attribute from a scalar (``None`` for lists, mappings and long text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str) and len(str(value)) <= 200:
        return str(value)
    return None


def _default_slice(name: str, attributes: Mapping[str, Mapping[str, Any]], taken: set[str]) -> bool:
    """Whether a field makes a slice by default: a column name, scalar values, and not an id
    (a different value on every one of ten or more examples)."""
    if not _IDENT.match(name) or name in RESERVED_COLUMNS or name in taken:
        return False
    values = [slice_value(f[name]) for f in attributes.values() if f.get(name) is not None]
    if any(v is None for v in values):
        return False
    return not (len(values) >= 10 and len(set(values)) == len(values))


def choose_slices(
    attributes: Mapping[str, Mapping[str, Any]],
    requested: Sequence[str] | None,
    default: Iterable[str] | None,
    taken: Iterable[str],
    source: str,
    cluster: str | None = None,
) -> dict[str, dict[str, str | None]]:
    """Pick slice attributes: ``{slice: {example_id: value}}``.

    ``attributes`` maps each example id to its candidate fields. ``requested`` names the
    fields to use (a field no example has is an error); otherwise ``default`` lists the
    fields to use when present, or every scalar field when ``default`` is None. By default,
    fields that are not column names, clash with ``taken`` names, hold lists, mappings or
    long text, look like ids, or are the ``cluster`` field are left out: a cluster field has
    a value per group of related items, so as a slice it would add one small slice per group
    to every comparison's multiplicity family.
    """
    taken = set(taken)
    present: dict[str, None] = {}
    for fields in attributes.values():
        present.update(dict.fromkeys(fields))
    if requested is not None:
        for name in requested:
            if name not in present:
                raise ConfigError(
                    f"{source}: no example has a field {name!r} to slice by; "
                    f"fields: {sorted(present)[:20]}"
                )
            if not _IDENT.match(name) or name in RESERVED_COLUMNS or name in taken:
                raise ConfigError(
                    f"{source}: {name!r} cannot be a slice: it is not a column name, is a "
                    f"reserved record column, or is already a metric"
                )
        names = list(requested)
    else:
        wanted = present if default is None else [d for d in default if d in present]
        names = [n for n in wanted if n != cluster and _default_slice(n, attributes, taken)]
    out: dict[str, dict[str, str | None]] = {}
    for name in names:
        values = {ex: slice_value(f.get(name)) for ex, f in attributes.items()}
        bad = [ex for ex, f in attributes.items() if f.get(name) is not None and values[ex] is None]
        if bad:
            raise DataError(
                f"slice field {name!r} is not a scalar",
                file=source,
                column=name,
                expected="a string, integer or boolean of at most 200 characters",
                found=f"example {bad[0]!r}: {str(attributes[bad[0]][name])[:60]!r}",
            )
        out[name] = values
    return out


def build_suite(
    name: str,
    examples: Sequence[Mapping[str, Any]],
    slices: Mapping[str, Mapping[str, str | None]],
    metrics: Sequence[MetricSpec],
    *,
    version: str,
    description: str,
    source: str,
    clusters: Mapping[str, str | None] | None = None,
) -> SuiteData:
    """The suite of an import: ``examples`` are mappings with example_id, input, reference;
    ``clusters`` maps example ids to their cluster."""
    rows = [
        {
            "example_id": ex["example_id"],
            "cluster": (clusters or {}).get(ex["example_id"]),
            "input": ex.get("input"),
            "reference": ex.get("reference"),
            "slices": {
                s: v
                for s, by_id in slices.items()
                if (v := by_id.get(ex["example_id"])) is not None
            },
        }
        for ex in examples
    ]
    return make_suite(
        name,
        rows,
        metrics=metrics,
        slices=list(slices),
        version=version,
        description=description,
        catalog={"source": f"imported from {source}"},
        source=source,
    )


def build_records(rows: Sequence[Mapping[str, Any]], metrics: Sequence[str]) -> pa.Table:
    """The record table of an import from row mappings with a ``scores`` mapping each."""
    cols: dict[str, pa.Array] = {
        "example_id": pa.array([r["example_id"] for r in rows], pa.string()),
        "sample_index": pa.array([r.get("sample_index", 0) for r in rows], pa.int32()),
        "output": pa.array([r.get("output") for r in rows], pa.string()),
    }
    for m in metrics:
        # an errored record carries no score, as in a run assay executes itself
        cols[m] = pa.array(
            [None if r.get("error") else r["scores"].get(m) for r in rows], pa.float64()
        )
    cols["latency_ms"] = pa.array([r.get("latency_ms") for r in rows], pa.float64())
    cols["tokens_in"] = pa.array([r.get("tokens_in") for r in rows], pa.int64())
    cols["tokens_out"] = pa.array([r.get("tokens_out") for r in rows], pa.int64())
    cols["error"] = pa.array([r.get("error") for r in rows], pa.string())
    return pa.table(cols)
