"""Recording a run: per-example records validated against their suite and stored as one run,
atomically (:func:`log_run`, and :func:`ingest` from a file)."""

from __future__ import annotations

import contextlib
import uuid
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay._util import renamed_parameters
from assay.core import ModelRef, Run, digest
from assay.errors import CoverageWarning, DataError
from assay.storage import SqlRunRepository, Store, TagChange, check_tags
from assay.workflows._api import LoggedRun, _model_ref, _resolve_suite, _store
from assay.workflows._capture import capture_manifest

if TYPE_CHECKING:
    import pyarrow as pa

    from assay.data import FileFormat, Location, SuiteData

__all__ = ["ingest", "log_run"]


def _warn_coverage(covered: int, total: int, provenance: Mapping[str, Any]) -> None:
    # an early-stopped run covers part of its suite by design, and records why
    if covered >= total or "early_stop" in provenance:
        return
    warnings.warn(
        CoverageWarning(
            f"records cover {covered} of the suite's {total} examples "
            f"({100 * covered / total:.1f}%); a gate's coverage rule will judge this"
        ),
        stacklevel=3,
    )


def _to_table(records: Any) -> pa.Table:
    import pyarrow as pa

    if isinstance(records, pa.Table):
        return records
    if hasattr(records, "to_arrow"):  # polars
        return records.to_arrow()
    if hasattr(records, "to_pandas") or hasattr(records, "iloc"):  # pandas
        return pa.Table.from_pandas(records, preserve_index=False)
    if isinstance(records, Sequence) and not isinstance(records, str | bytes):
        rows = [dict(r) for r in records]
        # every key of every row is a column (from_pylist would keep the first row's only)
        keys = dict.fromkeys(k for row in rows for k in row)
        return pa.table({k: [row.get(k) for row in rows] for k in keys})
    raise DataError(
        "records must be an Arrow table, a pandas or polars data frame, or a list of mappings",
        found=type(records).__name__,
    )


def _count_examples(table: pa.Table) -> int:
    """Distinct example ids of validated records: sorted by ``(example_id, sample_index)`` and
    without duplicates, so one record per example when every sample index is 0, else one per
    change of id between neighbours (no hashing of every id)."""
    import pyarrow.compute as pc

    n = table.num_rows
    if n < 2 or pc.max(table.column("sample_index")).as_py() == 0:
        return int(n)
    ids = table.column("example_id")
    changes = pc.sum(pc.not_equal(ids.slice(1), ids.slice(0, n - 1))).as_py()
    return 1 + int(changes or 0)


@renamed_parameters({"where": "location"})
def log_run(
    records: Any,
    *,
    suite: SuiteData | str | Path,
    model: str | ModelRef,
    store: Store | None = None,
    params: Mapping[str, str | int | float | bool | None] | None = None,
    tags: Mapping[str, str] | None = None,
    seeds: Mapping[str, int] | None = None,
    provenance: Mapping[str, Any] | None = None,
    dataset_digests: Mapping[str, str] | None = None,
    rename: Mapping[str, str] | None = None,
    source: str = "python",
    location: Location | None = None,
) -> LoggedRun:
    """Validate per-example records against ``suite`` and store them as one run, atomically.

    ``records`` is an Arrow table, a pandas or polars frame, or a list of mappings with an
    ``example_id`` column, one column per metric of the suite, and optionally ``sample_index``,
    ``output``, ``latency_ms``, ``tokens_in``, ``tokens_out``, ``cost`` and ``error``. Nothing is
    stored unless every record is valid. ``model`` is ``NAME@VERSION`` (or a ``ModelRef``).

    A metric whose column is missing is scored from ``output`` with the scorer the suite
    declares for it (``LoggedRun.scored`` says which); a score outside its declared scorer's
    range (a 7 from ``exact_match``) is refused. Records covering only part of the suite
    issue a :class:`~assay.errors.CoverageWarning`. An identical run already stored is
    returned as it is, with ``tags`` set on it (``LoggedRun.tags_added``).
    """
    from assay.data import Location, records_digest, scorable_metrics, validate_records

    st = _store(store)
    data, given = _resolve_suite(suite, st)
    ref = _model_ref(model)
    tags = check_tags(tags or {}, "ingest" if source.startswith("ingest:") else "log_run")
    given_table = _to_table(records)
    names = [(rename or {}).get(c, c) for c in given_table.column_names]
    scored = scorable_metrics(names, data.suite)
    provenance = dict(provenance or {})
    if scored:  # the run says its scores were computed here, and by which scorer
        provenance.setdefault("scored_at_ingest", dict(scored))
    table = validate_records(
        given_table,
        data,
        location=location or Location("<records>", "parquet"),
        rename=rename,
    )
    runs = st.runs if isinstance(st.runs, SqlRunRepository) else None
    # the record file is encoded on a thread of its own (runs.stage; pyarrow releases the GIL),
    # the longest step, while the suite is stored, the records summarised and the manifest
    # captured (git, packages); put writes the file (what is left of it as it is encoded), or
    # drops it for a stored twin. The records' digest (SHA-256, which releases the GIL too) is
    # computed on another thread once the summaries are done, beside the manifest: summaries
    # and digest together take less time than the encoding, and running all three at once on a
    # two-core machine would make the encoding share its core and finish later
    with runs.stage(table) if runs is not None else contextlib.nullcontext(table) as records:
        if given:  # only now: a refused ingest registers no suite
            st.suites.put(data.suite, data.examples)
        # the statistics engine is imported here, while the file is encoded, not before
        from assay.data import summarise_records

        summaries = summarise_records(table, data.suite)
        pool = ThreadPoolExecutor(max_workers=1)
        hashing = pool.submit(records_digest, table.drop_columns(["latency_ms"]))
        pool.shutdown(wait=False)
        n_examples = _count_examples(table)
        _warn_coverage(n_examples, data.suite.n_examples, provenance)
        manifest = capture_manifest(
            suite_digest=data.digest,
            model=ref,
            seeds=dict(seeds or {}),
            provenance=provenance,
            dataset_digests=dict(dataset_digests or {}),
            config={"params": dict(params or {})},
            source=source,
        )
        n_errors = table.num_rows - table.column("error").null_count
        content = digest(
            {
                "suite": data.digest,
                "model": ref.model_dump(mode="json"),
                "params": dict(params or {}),
                "records": hashing.result(),
            }
        )
        run = Run(
            run_id=uuid.uuid4().hex,
            suite_name=data.suite.name,
            suite_digest=data.digest,
            model=ref,
            manifest=manifest,
            params=dict(params or {}),
            tags=dict(tags or {}),
            status="complete",
            created_at=datetime.now(UTC),
            content_digest=content,
            n_records=table.num_rows,
            n_examples=n_examples,
            n_errors=n_errors,
            metrics=summaries,
        )
        stored, created = runs.put(run, records) if runs is not None else st.runs.put(run, table)
    changes: list[TagChange] = []
    if not created and any(stored.tags.get(k) != v for k, v in run.tags.items()):
        stored, changes = st.runs.tag(stored.run_id, run.tags)
    return LoggedRun(run=stored, created=created, scored=scored, tags_added=tuple(changes))


def ingest(
    path: str | Path,
    *,
    suite: SuiteData | str | Path,
    model: str | ModelRef,
    store: Store | None = None,
    fmt: str | None = None,
    rename: Mapping[str, str] | None = None,
    params: Mapping[str, str | int | float | bool | None] | None = None,
    tags: Mapping[str, str] | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> LoggedRun:
    """Record a run from a JSONL, CSV or Parquet file of per-example results."""
    from assay.data import Location, detect_format

    p = Path(path)
    kind = detect_format(p, fmt)
    table = _read_while_importing(p, kind)
    return log_run(
        table,
        suite=suite,
        model=model,
        store=store,
        params=params,
        tags=tags,
        provenance=provenance,
        rename=rename,
        source=f"ingest:{p.name}",
        location=Location(str(p), kind),
    )


def _read_while_importing(path: Path, kind: FileFormat) -> pa.Table:
    """The records file; a Parquet file is read on a thread of its own (pyarrow releases the
    GIL while it reads) while this thread imports what checking the records needs: their
    validation and pyarrow's compute functions, some 40 ms that would otherwise come after the
    read. (Reading JSONL or CSV runs Python too, which the imports would hold up.)"""
    from assay.data import read_table

    if kind != "parquet":
        return read_table(path, kind)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assay-read")
    try:
        reading = pool.submit(read_table, path, kind)
        from assay.data import validate_records  # noqa: F401  (imported for what follows)

        return reading.result()
    finally:
        pool.shutdown(wait=False)
