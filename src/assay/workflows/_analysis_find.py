"""Finding a run's stored analyses again without recomputing them: the newest one, the newest
one against a given baseline, or one named by its artifact digest (for pages and reports)."""

from __future__ import annotations

from typing import Any

from assay._util import check_instance, check_int
from assay.storage import Store
from assay.workflows._api import get_run
from assay.workflows._slot_log import get_json, slot, slot_count
from assay.workflows._store import resolve_store

__all__ = ["find_analysis", "recent_analyses"]

SCAN = 200
"""Newest entries of a run's analysis log looked at when searching for one."""


def _log(run_id: str) -> str:
    return f"analysis:{run_id}"


def recent_analyses(
    run: str, *, offset: int = 0, limit: int = 10, store: Store | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """How many analyses of ``run`` are stored, and ``limit`` of them (at most 200) from the
    ``offset``-th newest on, newest first (each the stored JSON with its ``artifact`` digest
    and log ``slot``)."""
    where = "recent_analyses"
    check_instance(run, "run", where, str, "a run id, id prefix or model@version")
    check_int(offset, "offset", where, minimum=0)
    check_int(limit, "limit", where, minimum=1)
    limit = min(limit, SCAN)
    st = resolve_store(store)
    log = _log(get_run(run, store=st).run_id)
    count = slot_count(st, log)
    out = []
    newest = count - 1 - offset
    for k in range(newest, max(newest - limit + 1, 0) - 1, -1):
        digest = slot(st, log, k)
        if digest is not None:
            out.append({"artifact": digest, "slot": k, **get_json(st, digest)})
    return count, out


def find_analysis(
    run: str,
    *,
    against: str | None = None,
    artifact: str | None = None,
    store: Store | None = None,
) -> dict[str, Any] | None:
    """The newest stored analysis of ``run`` (among its newest 200): with ``against``, the
    newest paired analysis against that baseline run; with ``artifact``, the entry stored
    under that digest (or digest prefix), however old. None when there is none: nothing is
    computed."""
    where = "find_analysis"
    check_instance(run, "run", where, str, "a run id, id prefix or model@version")
    check_instance(against, "against", where, (str, type(None)), "a run reference or None")
    check_instance(artifact, "artifact", where, (str, type(None)), "a digest or None")
    st = resolve_store(store)
    log = _log(get_run(run, store=st).run_id)
    base = None if against is None else get_run(against, store=st).run_id
    count = slot_count(st, log)
    # a digest is matched without reading the entry, so every entry is looked at for one
    depth = count if artifact is not None else SCAN
    for k in range(count - 1, max(count - depth, 0) - 1, -1):
        digest = slot(st, log, k)
        if digest is None or (artifact is not None and not digest.startswith(artifact)):
            continue
        body = get_json(st, digest)
        if base is not None and body["discovery"]["run_ids"].get("baseline") != base:
            continue
        return {"artifact": digest, "slot": k, **body}
    return None
