"""Writing a stored run's records to a file others read: Parquet, CSV or JSONL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from assay._util import atomic_path, check_instance
from assay.core import Run, RunInfo
from assay.errors import ConfigError
from assay.storage import Store
from assay.workflows._api import LoggedRun, _store, run_ref
from assay.workflows._unsafe import text_asked, withhold_record_text

__all__ = ["ExportedRun", "export_run"]


@dataclass(frozen=True)
class ExportedRun:
    """What :func:`export_run` wrote."""

    run: Run
    """The exported run."""
    path: Path
    """The file written."""
    n_records: int
    """How many records it holds."""
    withheld: bool = False
    """Whether its input, reference, output and error texts were withheld (a red-team suite)."""


_EXPORT_FORMATS = (".parquet", ".csv", ".jsonl", ".ndjson")


def export_run(
    run: str | RunInfo | LoggedRun,
    output: str | Path,
    *,
    store: Store | None = None,
    show_unsafe_text: bool = False,
) -> ExportedRun:
    """Write a stored run's records to ``output``: Parquet, CSV or JSONL by its suffix
    (``.parquet``, ``.csv``, ``.jsonl`` or ``.ndjson``). The file appears whole or not at all.

    ``input``, ``reference`` and ``output`` are written alike: text as it is, structured
    values (mappings, lists, numbers) as JSON text."""
    ref = run_ref(run, function="export_run")
    check_instance(output, "output", "export_run", (str, Path), "a file path (str or Path)")
    path = Path(output)
    st = _store(store)
    found = st.runs.get(ref)
    suffix = path.suffix.lower()
    if suffix not in _EXPORT_FORMATS:
        raise ConfigError(
            f"The output of 'runs export' must end in .parquet, .csv or .jsonl. Got {path.name!r}."
        )
    suite = st.suites.get(found.suite_digest)
    withheld = suite.catalog.unsafe_text and not show_unsafe_text
    records = st.runs.records(found.run_id, text=text_asked(show_unsafe_text, "export_run"))
    table = _plain_text(records, ("input", "reference"))
    table = withhold_record_text(table, suite, show_unsafe_text)
    with atomic_path(path) as temporary:
        _write_table(table, temporary, suffix)
    return ExportedRun(run=found, path=path, n_records=table.num_rows, withheld=withheld)


def _plain_text(table: pa.Table, names: Sequence[str]) -> pa.Table:
    """Columns stored as JSON text written like ``output``: a JSON string becomes its text."""
    for name in names:
        if name not in table.column_names:
            continue
        values = table.column(name).cast(pa.string()).to_pylist()
        plain = [json.loads(v) if v is not None and v.startswith('"') else v for v in values]
        i = table.column_names.index(name)
        table = table.set_column(i, name, pa.array(plain, pa.string()))
    return table


def _write_table(table: pa.Table, path: Path, suffix: str) -> None:
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif suffix == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, path)
    else:
        table.to_pandas().to_json(path, orient="records", lines=True, force_ascii=False)
