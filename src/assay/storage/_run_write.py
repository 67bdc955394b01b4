"""Writing a run: its records checked, counted, sorted and digested, its rows inserted.

What :meth:`SqlRunRepository.put <assay.storage._runs.SqlRunRepository.put>` does before and
inside its one transaction; a stored run is never changed afterwards."""

from __future__ import annotations

import json
import math
import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa

from assay._util import lazy_module
from assay.core import Run, digest
from assay.errors import DataError, NotFoundError
from assay.storage._generation import bump_runs_generation
from assay.storage._rows import check_length, to_json, utc
from assay.storage._schema import run_metrics, run_params, run_tags, runs, suites

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:  # pyarrow loads when records are written
    pa = lazy_module("pyarrow")
    pc = lazy_module("pyarrow.compute")

__all__ = [
    "check_example_ids",
    "check_lengths",
    "complete_run",
    "content_digest",
    "insert_run",
    "record_facts",
    "record_stem",
    "sorted_records",
]


def _finite(value: float) -> float | None:
    # SQLite turns NaN into NULL and PostgreSQL sorts NaN above everything: store NULL on both.
    return None if math.isnan(value) else value


def check_example_ids(records: pa.Table) -> None:
    if "example_id" not in records.column_names:
        raise DataError(
            "records have no example_id column",
            expected="an example_id column",
            found=f"columns {records.column_names}",
        )


def record_facts(records: pa.Table, stated_examples: int) -> dict[str, int]:
    check_example_ids(records)
    n_examples = stated_examples
    if records.num_rows == 0:
        n_examples = 0
    elif n_examples <= 0:
        n_examples = pc.count_distinct(records["example_id"]).as_py()
    n_errors = 0
    if "error" in records.column_names:
        n_errors = records.num_rows - records["error"].null_count
    return {"n_records": records.num_rows, "n_examples": int(n_examples), "n_errors": n_errors}


def complete_run(run: Run, records: pa.Table, content: str) -> Run:
    """``run`` as it is stored: complete, with ``content`` as its digest and its counts."""
    facts = record_facts(records, run.n_examples)
    return run.model_copy(update={**facts, "status": "complete", "content_digest": content})


def record_stem(run: Run) -> str:
    """The start of the name of a new record file of ``run`` (its digest follows)."""
    return f"{run.run_id}.{uuid.uuid4().hex[:8]}"


def sorted_records(records: pa.Table) -> pa.Table:
    """The records sorted by ``(example_id, sample_index)``, stably; as they are when sorted.

    Stored runs are kept in this order so that two runs pair by merge, and so that the content
    digest does not depend on the order the records came in."""
    keys = [k for k in ("example_id", "sample_index") if k in records.column_names]
    n = records.num_rows
    if n < 2:
        return records
    ids = records.column("example_id")
    head, tail = ids.slice(0, n - 1), ids.slice(1)
    try:
        if pc.all(pc.less(head, tail)).as_py():
            return records
        if len(keys) == 2 and pc.all(pc.less_equal(head, tail)).as_py():
            samples = records.column("sample_index")
            later = pc.greater(samples.slice(1), samples.slice(0, n - 1))
            if pc.all(pc.or_(pc.not_equal(head, tail), later)).as_py():
                return records
    except pa.ArrowNotImplementedError:
        pass  # a type without an order check: sort, which says what it cannot order
    try:
        return records.sort_by([(k, "ascending") for k in keys])
    except pa.ArrowNotImplementedError as exc:
        raise DataError(
            "records cannot be sorted by example id",
            column="example_id",
            expected="text or whole-number example ids",
            found=str(ids.type),
        ) from exc


def content_digest(run: Run, records: pa.Table) -> str:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, records.schema) as writer:
        writer.write_table(records)
    return digest(
        {
            "suite": run.suite_digest,
            "model": run.model.model_dump(mode="json"),
            "params": run.params,
            "records": digest(sink.getvalue().to_pybytes()),
        }
    )


def check_lengths(run: Run) -> None:
    where = "RunRepository.put"
    for parameter, value in (
        ("run.suite_name", run.suite_name),
        ("run.model.name", run.model.name),
        ("run.model.version", run.model.version),
    ):
        check_length(value, 200, parameter, where)
    for key, value in run.tags.items():
        check_length(key, 200, "run.tags (key)", where)
        check_length(value, 500, f"run.tags[{key!r}]", where)
    for key in run.params:
        check_length(key, 200, "run.params (key)", where)
    for name, summary in run.metrics.items():
        check_length(name, 200, "run.metrics (name)", where)
        check_length(summary.method, 200, f"run.metrics[{name!r}].method", where)


def _param_text(value: str | int | float | bool | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def insert_run(conn: sa.Connection, run: Run, relative: str) -> None:
    """Insert a stored run's row and its metric, tag and param rows (the suite must be
    stored); moves the runs' counter on in the same transaction."""
    known = conn.execute(sa.select(suites.c.digest).where(suites.c.digest == run.suite_digest))
    if known.first() is None:
        raise NotFoundError(
            f"Run {run.run_id!r} is on suite {run.suite_digest[:12]}, which is not stored; "
            "store the suite first (store.suites.put)."
        )
    bump_runs_generation(conn)
    conn.execute(
        runs.insert().values(
            run_id=run.run_id,
            content_digest=run.content_digest,
            suite_digest=run.suite_digest,
            suite_name=run.suite_name,
            model_name=run.model.name,
            model_version=run.model.version,
            status=run.status,
            created_at=utc(run.created_at),
            n_records=run.n_records,
            n_examples=run.n_examples,
            n_errors=run.n_errors,
            records_path=relative,
            manifest=to_json(run.manifest),
            info=to_json(run, exclude={"manifest"}),
        )
    )
    metric_rows = [
        {
            "run_id": run.run_id,
            "metric": name,
            "estimate": _finite(m.estimate),
            "low": _finite(m.low),
            "high": _finite(m.high),
            "confidence": m.confidence,
            "method": m.method,
            "n": m.n,
        }
        for name, m in run.metrics.items()
    ]
    tag_rows = [{"run_id": run.run_id, "key": k, "value": v} for k, v in run.tags.items()]
    param_rows = [
        {"run_id": run.run_id, "key": k, "value": _param_text(v)} for k, v in run.params.items()
    ]
    for table, rows in (
        (run_metrics, metric_rows),
        (run_tags, tag_rows),
        (run_params, param_rows),
    ):
        if rows:
            conn.execute(table.insert(), rows)
