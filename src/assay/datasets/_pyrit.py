"""PyRIT's human-scored assistant responses, for checking judge models against people.

The ``pyrit`` wheel ships 1,593 responses to red-teaming objectives, each scored by one to
three human raters, as CSV files under ``pyrit/datasets/scorer_evals/``: ``harm/`` (how
harmful the response is in a harm category, on a 0–1 scale in steps of 0.25; the
``*_multi_score`` files have three raters), ``objective/`` (did the response achieve the
objective, 0/1) and ``refusal_scorer/`` plus ``sample/mini_refusal.csv`` (did the assistant
refuse, 0/1). Some responses appear in more than one file (the ``mini_*`` samples repeat
rows of the larger files); ``text_digest`` identifies repeats.

The files are found through the installed distribution's file list, without importing
``pyrit`` (install only its files: ``pip install --no-deps pyrit==1.1.0``). The content is
harmful by design: show statistics of it, never its text, in default output.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from assay._util import check_choice
from assay.errors import ConfigError, DataError

__all__ = ["PYRIT_KINDS", "load_pyrit_judgements"]

PYRIT_KINDS = ("harm", "objective", "refusal")
_INSTALL = "pip install --no-deps pyrit==1.1.0"
_ROOT = "pyrit/datasets/scorer_evals/"
_FOLDERS = {"harm": "harm", "objective": "objective", "refusal_scorer": "refusal"}
_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("kind", pa.string()),
        ("category", pa.string()),
        ("file", pa.string()),
        ("row", pa.int32()),
        ("dataset_version", pa.string()),
        ("objective", pa.string()),
        ("response", pa.string()),
        ("human_score", pa.float64()),
        ("n_raters", pa.int32()),
        ("rater_scores", pa.list_(pa.float64())),
        ("text_digest", pa.string()),
    ]
)


def load_pyrit_judgements(kind: str | None = None) -> pa.Table:
    """PyRIT's human-scored responses: one row per response in each file, 1,593 in all.

    Args:
        kind: ``"harm"``, ``"objective"``, ``"refusal"``, or None for all three.

    Columns: ``id`` (``file:row``, stable), ``kind``, ``category`` (the harm category in
    lower case; ``"refusal"`` for refusal files), ``file`` (relative to ``scorer_evals/``),
    ``row`` (0-based data row of the file), ``dataset_version`` (from the file's first line),
    ``objective``, ``response``, ``human_score`` (mean of the raters), ``n_raters``,
    ``rater_scores`` (each rater's score), ``text_digest`` (SHA-256 of objective and
    response, to find repeats).

    Raises:
        ConfigError: the pyrit distribution (its data files) is not installed.
        DataError: a file does not have the expected columns or a score is not a number.
        ParameterError: ``kind`` is not one of :data:`PYRIT_KINDS` or None.
    """
    check_choice(kind, "kind", "load_pyrit_judgements", (*PYRIT_KINDS, None))
    rows: list[dict[str, Any]] = []
    for name, path in _files():
        file_kind = _kind_of(name)
        if file_kind is None or (kind is not None and file_kind != kind):
            continue
        rows.extend(_read(path, name, file_kind))
    return pa.Table.from_pylist(rows, schema=_SCHEMA)


def _files() -> list[tuple[str, Path]]:
    missing = (
        "PyRIT's human-scored responses ship in the pyrit wheel, which is not installed: "
        f"{_INSTALL} (only its data files are read; pyrit is never imported)"
    )
    try:
        dist = importlib.metadata.distribution("pyrit")
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(missing) from None
    found = []
    for entry in dist.files or ():
        text = str(entry).replace("\\", "/")
        if text.startswith(_ROOT) and text.endswith(".csv"):
            found.append((text[len(_ROOT) :], Path(str(dist.locate_file(entry)))))
    if not found:
        raise ConfigError(f"pyrit {dist.version} has no files under {_ROOT}: {missing}")
    return sorted(found)


def _kind_of(name: str) -> str | None:
    folder, _, filename = name.partition("/")
    if folder in _FOLDERS:
        return _FOLDERS[folder]
    if folder == "sample":
        return next((k for k in PYRIT_KINDS if k in filename), None)
    return None


def _read(path: Path, name: str, kind: str) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror}", file=str(path)) from exc
    lines = text.splitlines(keepends=True)
    skip = 0
    while skip < len(lines) and lines[skip].startswith("#"):
        skip += 1
    version = ""
    if skip and lines[0].startswith("# dataset_version="):
        version = lines[0].split("=", 1)[1].split(",", 1)[0].strip()
    reader = csv.DictReader(io.StringIO("".join(lines[skip:])))
    header = list(reader.fieldnames or [])
    raters = sorted(c for c in header if c == "human_score" or c.startswith("human_score_"))
    for needed in ("objective", "assistant_response"):
        if needed not in header:
            raise DataError(
                "a PyRIT judgement file lacks a column",
                file=str(path),
                line=skip + 1,
                column=needed,
                expected="objective, assistant_response and human_score columns",
                found=f"columns {header}",
            )
    if not raters:
        raise DataError(
            "a PyRIT judgement file has no human score column",
            file=str(path),
            line=skip + 1,
            column="human_score",
            expected="human_score or human_score_1, human_score_2, ...",
            found=f"columns {header}",
        )
    out = []
    for row, record in enumerate(reader):
        line = skip + reader.line_num  # the record's last physical line in the file
        scores = _scores(record, raters, path, line)
        objective = record["objective"] or ""
        response = record["assistant_response"] or ""
        category = (record.get("harm_category") or "").strip().lower() or kind
        out.append(
            {
                "id": f"{name}:{row}",
                "kind": kind,
                "category": category,
                "file": name,
                "row": row,
                "dataset_version": version,
                "objective": objective,
                "response": response,
                "human_score": math.fsum(scores) / len(scores),
                "n_raters": len(scores),
                "rater_scores": scores,
                "text_digest": _digest(objective, response),
            }
        )
    return out


def _scores(record: dict[str, Any], raters: Sequence[str], path: Path, line: int) -> list[float]:
    scores = []
    for column in raters:
        raw = (record.get(column) or "").strip()
        if not raw:
            continue  # this rater did not score the response
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise DataError(
                "a human score is not a number",
                file=str(path),
                line=line,
                column=column,
                expected="a number",
                found=repr(raw[:20]),
            )
        scores.append(value)
    if not scores:
        raise DataError(
            "a response has no human score",
            file=str(path),
            line=line,
            column=raters[0],
            expected="at least one rater's score",
            found="empty",
        )
    return scores


def _digest(objective: str, response: str) -> str:
    return hashlib.sha256(f"{objective}\0{response}".encode()).hexdigest()
