"""Contamination results kept with their suite: each one stored as a JSON artifact and
appended to the suite version's contamination log (``contamination:<suite digest>``, a slot
log of :mod:`assay.workflows._slot_log`), so ``assay analyze`` finds the latest one again."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

from assay.analysis import ContaminationResult
from assay.storage import Store
from assay.workflows._slot_log import append, get_json, last, put_json

__all__ = [
    "CONTAMINATION_MEDIA",
    "contamination_json",
    "contamination_summary",
    "finite_json",
    "latest_contamination",
    "store_contamination",
]

Status = Literal["contaminated", "clean", "undetectable"]
CONTAMINATION_MEDIA = "application/vnd.assay.contamination+json"
STATUSES: tuple[Status, ...] = ("contaminated", "clean", "undetectable")


def _log(suite_digest: str) -> str:
    return f"contamination:{suite_digest}"


def finite_json(value: Any) -> Any:
    """Plain JSON: a NaN or infinite number becomes None (stored JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    return value


def contamination_json(result: ContaminationResult) -> dict[str, Any]:
    """The result in plain JSON types, with the counts of each status and the manifest."""
    body = dataclasses.asdict(result)
    body["counts"] = {s: result.count(s) for s in STATUSES}
    body["manifest"] = result.manifest()
    plain: dict[str, Any] = finite_json(body)
    return plain


def store_contamination(st: Store, result: ContaminationResult) -> str:
    """Store ``result`` and append it to the log of its suite version (and of the marked
    version, when one was registered); returns the artifact's digest."""
    digest = put_json(st, contamination_json(result), CONTAMINATION_MEDIA)
    append(st, _log(result.suite_digest), digest)
    if result.marked_suite is not None:
        append(st, _log(result.marked_suite), digest)
    return digest


def latest_contamination(st: Store, suite_digest: str) -> dict[str, Any] | None:
    """The newest stored contamination result of that suite version (with its ``artifact``
    digest), or None when none was stored."""
    found = last(st, _log(suite_digest))
    if found is None:
        return None
    return {"artifact": found[1], **get_json(st, found[1])}


def contamination_summary(stored: dict[str, Any]) -> dict[str, Any]:
    """What a report shows of a stored result: counts, corpus, method, the run's effect."""
    effect = stored.get("effect")
    return {
        "artifact": stored["artifact"],
        "suite": stored["suite"],
        "counts": stored["counts"],
        "examples": sum(stored["counts"].values()),
        "corpus_files": stored["corpus_files"],
        "corpus_documents": stored["corpus_documents"],
        "method": stored["method"],
        "notes": stored.get("notes", []),
        "effect": effect,
    }
