"""Telling an lm-evaluation-harness log from an Inspect AI log, by extension and content."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from assay.errors import DataError
from assay.importers._common import HarnessImport, check_arguments, check_file
from assay.importers._inspect import inspect_import, read_inspect_log
from assay.importers._inspect_files import load_json_log
from assay.importers._lmeval import read_lm_eval_samples

__all__ = ["read_harness_log"]


def read_harness_log(
    path: str | Path, *, slices: Sequence[str] | None = None, cluster: str | None = None
) -> HarnessImport:
    """Read an evaluation-harness log, whichever tool wrote it.

    * ``.eval`` (a zip archive): an Inspect AI log.
    * ``.jsonl``: an lm-evaluation-harness samples file (``--log_samples``).
    * ``.json``: an Inspect AI log (an object with ``eval``) or an lm-evaluation-harness
      results file (an object with ``results``), whose samples files are read from beside it.

    ``slices`` and ``cluster`` are passed to the reader (see :func:`read_inspect_log` and
    :func:`read_lm_eval_samples`).
    """
    check_arguments(path, slices, "read_harness_log", cluster)
    p = check_file(path)
    with p.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04" or p.suffix.lower() == ".eval":
        return read_inspect_log(p, slices=slices, cluster=cluster)
    if p.suffix.lower() in (".jsonl", ".ndjson"):
        return read_lm_eval_samples(p, slices=slices, cluster=cluster)
    if p.suffix.lower() != ".json":
        raise DataError(
            "cannot tell which tool wrote this log",
            file=str(p),
            expected="an Inspect AI .eval or .json log, or an lm-evaluation-harness "
            "samples_*.jsonl or results_*.json",
            found=repr(p.suffix or "no suffix"),
        )
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON: {exc.msg}", file=str(p), line=exc.lineno) from exc
    if isinstance(doc, dict) and isinstance(doc.get("eval"), dict):
        return inspect_import(p, load_json_log(p, doc), slices, cluster)
    if isinstance(doc, dict) and isinstance(doc.get("results"), dict):
        return read_lm_eval_samples(p, slices=slices, cluster=cluster)
    raise DataError(
        "not an lm-evaluation-harness or Inspect AI log",
        file=str(p),
        expected="an object with 'eval' (Inspect AI) or 'results' (lm-evaluation-harness)",
        found=type(doc).__name__ if not isinstance(doc, dict) else f"keys {sorted(doc)[:8]}",
    )
