"""Building suites from Python objects, tables and YAML files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pydantic import ValidationError

from assay._util import check_instance, lazy_module
from assay._util.arrow import arrow_scalar, string_array
from assay.core import Catalog, Example, MetricSpec, SliceSpec, Suite, Task, canonical_json
from assay.data._files import read_table
from assay.data._quote import brief
from assay.data._schema import (
    SuiteData,
    examples_digest,
    examples_schema,
    examples_table,
    kernels_pay,
)
from assay.errors import ConfigError, DataError

if TYPE_CHECKING:
    import pyarrow.compute as pc
else:  # built on first use: its import makes a wrapper per kernel (30 ms, 5,000 objects)
    pc = lazy_module("pyarrow.compute")

try:  # the encoder canonical_json uses for a string (ensure_ascii=False)
    from json.encoder import c_encode_basestring as _json_string  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - CPython builds have it
    from json.encoder import py_encode_basestring as _json_string

__all__ = ["load_suite", "make_suite"]


def _as_metric(m: MetricSpec | str | Mapping[str, Any]) -> MetricSpec:
    if isinstance(m, MetricSpec):
        return m
    if isinstance(m, str):
        return MetricSpec(name=m)
    return MetricSpec.model_validate(dict(m))


def _as_slice(s: SliceSpec | str | Mapping[str, Any]) -> SliceSpec:
    if isinstance(s, SliceSpec):
        return s
    if isinstance(s, str):
        return SliceSpec(name=s)
    return SliceSpec.model_validate(dict(s))


def _table_from(examples: Any, slices: Sequence[str], source: str) -> pa.Table:
    if isinstance(examples, pa.Table):
        table = examples
    elif (
        hasattr(examples, "to_arrow")
        or hasattr(examples, "__dataframe__")
        or hasattr(examples, "to_pandas")
    ):
        table = _frame_to_arrow(examples)
    else:
        items = list(examples)
        for i, item in enumerate(items):
            if not isinstance(item, Example | Mapping):
                raise ConfigError(
                    f"{source}: examples[{i}] is a mapping of its fields. Got {brief(item)}."
                )
        try:
            return examples_table(items, slices)
        except ValidationError as exc:
            raise ConfigError(f"{source}: invalid example: {_first_error(exc)}") from exc
    return _normalise_examples(table, slices, source)


def _frame_to_arrow(frame: Any) -> pa.Table:
    if hasattr(frame, "to_arrow"):  # polars
        return frame.to_arrow()
    return pa.Table.from_pandas(frame, preserve_index=False)


def _normalise_examples(table: pa.Table, slices: Sequence[str], source: str) -> pa.Table:
    if "example_id" not in table.column_names:
        raise DataError(
            "the examples have no 'example_id' column",
            file=source,
            column="example_id",
            expected="a column of unique example ids",
            found=f"columns {table.column_names}",
        )
    missing = [s for s in slices if s not in table.column_names]
    if missing:
        raise DataError(
            "a declared slice has no column",
            file=source,
            column=missing[0],
            expected=f"columns for every slice {list(slices)}",
            found=f"columns {table.column_names}",
        )
    cols = {}
    n = table.num_rows
    for field in examples_schema(slices):
        if field.name in table.column_names:
            col = table.column(field.name)
            nested = pa.types.is_nested(col.type)
            if nested and field.name not in ("input", "reference"):
                raise DataError(
                    "ids, clusters and slice values are text",
                    file=source,
                    column=field.name,
                    expected="text or numbers",
                    found=f"values of type {col.type}",
                )
            if field.name in ("input", "reference"):
                col = string_array(_json_texts(col))
            elif col.type != pa.string():
                col = col.cast(pa.string())
        else:
            col = pa.nulls(n, pa.string())
        if field.type != pa.string():
            col = pc.dictionary_encode(col)
        cols[field.name] = col
    schema = examples_schema(slices)
    out = pa.Table.from_arrays([cols[f.name] for f in schema], schema=schema)
    if out.column("example_id").null_count:
        row = int(pc.index(pc.is_null(out.column("example_id")), True).as_py())
        raise DataError("an example has no id", file=source, row=row, column="example_id")
    return out


def _to_json(value: Any) -> str | None:
    return None if value is None else canonical_json(value)


def _json_texts(col: pa.ChunkedArray) -> list[str | None]:
    """``[_to_json(v) for v in col.to_pylist()]``, written directly for text and for a struct
    of text fields without nulls of its own (a question, a prompt's parts): their canonical
    JSON is each string's JSON in the order of the sorted field names, which is all the
    general walk does for them, at a third of its cost."""
    kind = col.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return [None if v is None else _json_string(v) for v in col.to_pylist()]
    names = [kind.field(i).name for i in range(kind.num_fields)] if pa.types.is_struct(kind) else []
    flat = all(pa.types.is_string(kind.field(i).type) for i in range(len(names)))
    if not names or not flat or col.null_count or len(set(names)) < len(names):
        return [_to_json(v) for v in col.to_pylist()]
    order = sorted(range(len(names)), key=names.__getitem__)
    parts = []
    for i in order:
        values = pa.chunked_array([c.field(i) for c in col.chunks], kind.field(i).type)
        key = _json_string(names[i]) + ":"
        parts.append([key + ("null" if v is None else _json_string(v)) for v in values.to_pylist()])
    return ["{" + ",".join(row) + "}" for row in zip(*parts, strict=True)]


def _unique_in_python(ids: pa.ChunkedArray) -> bool:
    """Whether no id repeats, told without the kernels; ``False`` (ask them) for bytes that are
    not UTF-8, which Arrow does not check in a table built from buffers and compares as bytes."""
    try:
        values = ids.to_pylist()
    except UnicodeDecodeError:
        return False
    return len(set(values)) == len(values)


def _check_unique(table: pa.Table, source: str) -> None:
    ids = table.column("example_id")
    if not kernels_pay(table.num_rows) and _unique_in_python(ids):
        return
    counts = pc.value_counts(ids)
    dup = pc.filter(counts, pc.greater(counts.field("counts"), arrow_scalar(1, pa.int64())))
    if len(dup):
        first = dup[0]["values"].as_py()
        rows = pc.indices_nonzero(pc.equal(ids, first)).to_pylist()
        raise DataError(
            f"example id {brief(first)} appears {len(rows)} times (rows {rows[:5]})",
            file=source,
            row=rows[1],
            column="example_id",
            expected="unique example ids",
            found=f"{len(dup)} repeated id(s)",
        )


def make_suite(
    name: str,
    examples: Iterable[Example | Mapping[str, Any]] | pa.Table | Any,
    *,
    metrics: Sequence[MetricSpec | str | Mapping[str, Any]],
    slices: Sequence[SliceSpec | str | Mapping[str, Any]] = (),
    version: str = "",
    description: str = "",
    catalog: Catalog | Mapping[str, Any] | None = None,
    task: Task | Mapping[str, Any] | None = None,
    source: str = "<python>",
) -> SuiteData:
    """Build a suite from examples (Example objects, mappings, an Arrow table or a data frame).

    A table or frame has an ``example_id`` column, optionally ``cluster``, ``input`` and
    ``reference``, and one column per slice.
    """
    check_instance(name, "name", "make_suite", str, "a str")
    check_instance(source, "source", "make_suite", str, "a str")
    try:
        metric_specs = tuple(_as_metric(m) for m in metrics)
        slice_specs = tuple(_as_slice(s) for s in slices)
        cat = (
            catalog if isinstance(catalog, Catalog) else Catalog.model_validate(dict(catalog or {}))
        )
        tsk = task if isinstance(task, Task) or task is None else Task.model_validate(dict(task))
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_first_error(exc)}") from exc
    table = _table_from(examples, [s.name for s in slice_specs], source)
    if table.num_rows == 0:
        raise DataError("a suite needs at least one example", file=source, found="0 examples")
    _check_unique(table, source)
    try:
        suite = Suite(
            name=name,
            version=version,
            description=description,
            catalog=cat,
            metrics=metric_specs,
            slices=slice_specs,
            task=tsk,
            examples_digest=examples_digest(table),
            n_examples=table.num_rows,
        )
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_first_error(exc)}") from exc
    return SuiteData(suite=suite, examples=table)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" if loc else str(err["msg"])


_SUITE_FIELDS = {
    "name",
    "version",
    "description",
    "catalog",
    "metrics",
    "slices",
    "task",
    "examples",
}


def _text(value: Any) -> str:
    # a version written 1.2 is read by YAML as a number; it is meant as text
    return "" if value is None else str(value)


def _check_fields(spec: Mapping[str, Any], path: Path) -> None:
    """The shape of each field, before anything iterates over it."""
    shapes: list[tuple[str, tuple[type, ...], str]] = [
        ("name", (str,), "text"),
        ("version", (str, int, float, type(None)), "text"),
        ("description", (str, type(None)), "text"),
        ("metrics", (list,), "a list of metric names or mappings"),
        ("slices", (list, type(None)), "a list of slice names or mappings"),
        ("catalog", (dict, type(None)), "a mapping"),
        ("task", (dict, type(None)), "a mapping"),
    ]
    for key, types, expected in shapes:
        value = spec.get(key)
        if key in spec and (not isinstance(value, types) or isinstance(value, bool)):
            raise ConfigError(f"{path}: the suite's {key!r} is {expected}. Got {brief(value)}.")
    for key in ("metrics", "slices"):
        for i, item in enumerate(spec.get(key) or ()):
            if not isinstance(item, str | dict):
                raise ConfigError(
                    f"{path}: {key}[{i}] is a name or a mapping of its fields. Got {brief(item)}."
                )


def load_suite(path: str | Path) -> SuiteData:
    """Load a suite from YAML. ``examples`` is a list, or a JSONL/CSV/Parquet path beside the file."""
    check_instance(path, "path", "load_suite", (str, os.PathLike), "a str or a Path")
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the suite file: {exc.strerror}", file=str(path)) from exc
    from assay._util import load_yaml  # PyYAML: only for a suite read from YAML

    spec = load_yaml(raw, source=str(path), error=DataError)
    if not isinstance(spec, dict):
        raise DataError("a suite file is a YAML mapping", file=str(path), found=type(spec).__name__)
    unknown = set(spec) - _SUITE_FIELDS
    if unknown:
        raise ConfigError(f"{path}: unknown suite field(s) {brief(sorted(unknown))}")
    for key in ("name", "metrics", "examples"):
        if key not in spec:
            raise ConfigError(f"{path}: the suite has no {key!r} field")
    _check_fields(spec, path)
    examples = spec["examples"]
    if isinstance(examples, str):
        examples = read_table(path.parent / examples)
    elif not isinstance(examples, list):
        raise ConfigError(f"{path}: 'examples' is a list of examples or the path of a file")
    return make_suite(
        spec["name"],
        examples,
        metrics=spec["metrics"],
        slices=spec.get("slices") or (),
        version=_text(spec.get("version", "")),
        description=_text(spec.get("description", "")),
        catalog=spec.get("catalog"),
        task=spec.get("task"),
        source=str(path),
    )
