"""Listing runs: the ids a query matches, and each run's :class:`~assay.core.RunInfo` parsed
from its stored JSON once per repository (stored runs never change; tags set later are
merged in from ``run_tags``)."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import TypeAdapter

from assay._util import quiet_collector
from assay.core import RunInfo
from assay.storage._query import RunQuery
from assay.storage._run_notes import current_tags, with_current_tags
from assay.storage._run_query import check_names, select_runs
from assay.storage._schema import runs

__all__ = ["CACHED_INFOS", "infos_of", "read_ids"]

CACHED_INFOS = 50_000
"""The most parsed runs a repository keeps (and the longest listing it keeps)."""
_RUN_INFOS = TypeAdapter(list[RunInfo])
_IDS_PER_QUERY = 500  # well under SQLite's bound-parameter limit


def read_ids(
    conn: sa.Connection, query: RunQuery, parsed: dict[str, RunInfo]
) -> tuple[list[str], list[str], dict[str, dict[str, str]]]:
    """The ids of the runs ``query`` matches in order, the ``info`` text of those not
    ``parsed`` yet, and the tags now of those tagged after they were stored."""
    if parsed:
        # runs parsed before need only their ids; the text is read for the others
        found = conn.execute(select_runs(query, with_info=False)).all()
        ids = [run_id for run_id, _ in found]
        changed = [run_id for run_id, retagged in found if retagged]
        new = _info_texts(conn, [run_id for run_id in ids if run_id not in parsed])
    else:
        rows = conn.execute(select_runs(query)).all()
        ids = [run_id for run_id, _, _ in rows]
        changed = [run_id for run_id, _, retagged in rows if retagged]
        new = [text for _, text, _ in rows]
    check_names(conn, query, matched=bool(ids))
    return ids, new, current_tags(conn, changed) if changed else {}


def infos_of(
    infos: dict[str, RunInfo], ids: list[str], new: list[str], tags: dict[str, dict[str, str]]
) -> list[RunInfo]:
    """The runs ``ids``, those in ``new`` parsed into ``infos`` first (which is bounded)."""
    if new:
        if len(infos) + len(new) > CACHED_INFOS:
            kept = {run_id: infos[run_id] for run_id in ids if run_id in infos}
            infos.clear()
            infos.update(kept)  # this listing's runs stay, the others go
        # One JSON array validated at once is faster than a call per run. Its objects all
        # live on (kept in infos): without young collections meanwhile, the collector walks
        # them once afterwards, not some thirty times nor the older generations with them.
        with quiet_collector():
            parsed = _RUN_INFOS.validate_json("[" + ",".join(new) + "]")
        for info in parsed:
            infos[info.run_id] = info
    return [
        with_current_tags(infos[run_id], tags[run_id]) if run_id in tags else infos[run_id]
        for run_id in ids
    ]


def _info_texts(conn: sa.Connection, run_ids: list[str]) -> list[str]:
    """The ``info`` JSON of these runs (in no particular order)."""
    texts: list[str] = []
    for start in range(0, len(run_ids), _IDS_PER_QUERY):
        chunk = run_ids[start : start + _IDS_PER_QUERY]
        found = conn.execute(sa.select(runs.c.info).where(runs.c.run_id.in_(chunk)))
        texts.extend(found.scalars())
    return texts
