"""Tags and notes added to a stored run: metadata about the run, never part of it.

A run's records, manifest and content digest never change. Tags live in ``run_tags`` (their
current values, which listings filter on); every tag set after the run was stored, and every
note, is also appended to ``run_notes`` with its time, so what was said about a run, and
when, is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa

from assay.core import RunInfo
from assay.errors import ParameterError
from assay.storage._generation import bump_runs_generation
from assay.storage._rows import utc
from assay.storage._schema import run_notes, run_tags, runs

__all__ = [
    "MAX_NOTE",
    "RunNote",
    "TagChange",
    "add_note",
    "check_tags",
    "current_tags",
    "notes",
    "set_tags",
    "with_current_tags",
]

MAX_NOTE = 10_000
_MAX_KEY = 200
_MAX_VALUE = 500


@dataclass(frozen=True)
class RunNote:
    """A note someone added to a stored run."""

    run_id: str
    """The run."""
    sequence: int
    """Its place among the run's notes and tag changes, from 1."""
    text: str
    """What was said, as given."""
    created_at: datetime
    """When it was added (UTC)."""


@dataclass(frozen=True)
class TagChange:
    """A tag set on a stored run."""

    key: str
    """The tag's key."""
    value: str
    """Its value now."""
    previous: str | None
    """Its value before (``None`` when the run did not have the tag)."""


def check_tags(tags: Mapping[str, str], function: str = "check_tags") -> dict[str, str]:
    """Tags as stored: keys of 1-200 characters without ``=``, values text of at most 500
    characters (the store's column limits, on every backend)."""
    if not isinstance(tags, Mapping):
        raise ParameterError("tags", function, "a mapping of tag keys to values", tags)
    out: dict[str, str] = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not key.strip() or "=" in key or len(key) > _MAX_KEY:
            raise ParameterError(
                "tags", function, f"keyed by text of 1-{_MAX_KEY} characters without '='", _cut(key)
            )
        if not isinstance(value, str) or len(value) > _MAX_VALUE:
            raise ParameterError(
                "tags",
                function,
                f"text values of at most {_MAX_VALUE} characters (tag {_cut(key)!r})",
                _cut(value),
            )
        out[key] = value
    return out


def _cut(value: object) -> object:
    if isinstance(value, str) and len(value) > 60:
        return f"{value[:57]}... ({len(value):,} characters)"
    return value


def _lock(conn: sa.Connection, run_id: str) -> None:
    # one writer at a time per run takes the next sequence number (PostgreSQL locks the run's
    # row; SQLite's write transaction already holds the whole database)
    conn.execute(sa.select(runs.c.run_id).where(runs.c.run_id == run_id).with_for_update())


def _next_sequence(conn: sa.Connection, run_id: str) -> int:
    last = conn.execute(
        sa.select(sa.func.max(run_notes.c.sequence)).where(run_notes.c.run_id == run_id)
    ).scalar()
    return int(last or 0) + 1


def set_tags(conn: sa.Connection, run_id: str, tags: Mapping[str, str]) -> list[TagChange]:
    """Set ``tags`` on a stored run inside the caller's transaction; returns what changed
    (a tag that already has the value is no change)."""
    _lock(conn, run_id)
    before = current_tags(conn, [run_id]).get(run_id, {})
    changes = [TagChange(k, v, before.get(k)) for k, v in tags.items() if before.get(k) != v]
    now = datetime.now(UTC)
    sequence = _next_sequence(conn, run_id)
    if changes:
        bump_runs_generation(conn)
    for i, change in enumerate(changes):
        if change.previous is None:
            conn.execute(
                run_tags.insert().values(run_id=run_id, key=change.key, value=change.value)
            )
        else:
            conn.execute(
                run_tags.update()
                .where((run_tags.c.run_id == run_id) & (run_tags.c.key == change.key))
                .values(value=change.value)
            )
        conn.execute(
            run_notes.insert().values(
                run_id=run_id,
                sequence=sequence + i,
                kind="tag",
                key=change.key,
                text=change.value,
                created_at=now,
            )
        )
    return changes


def add_note(conn: sa.Connection, run_id: str, text: str) -> RunNote:
    """Append a note to a stored run inside the caller's transaction."""
    _lock(conn, run_id)
    note = RunNote(run_id, _next_sequence(conn, run_id), text, datetime.now(UTC))
    conn.execute(
        run_notes.insert().values(
            run_id=run_id,
            sequence=note.sequence,
            kind="note",
            key=None,
            text=text,
            created_at=note.created_at,
        )
    )
    return note


def notes(conn: sa.Connection, run_id: str) -> list[RunNote]:
    """A run's notes, oldest first."""
    rows = conn.execute(
        sa.select(run_notes.c.sequence, run_notes.c.text, run_notes.c.created_at)
        .where((run_notes.c.run_id == run_id) & (run_notes.c.kind == "note"))
        .order_by(run_notes.c.sequence)
    ).all()
    return [RunNote(run_id, r.sequence, r.text, utc(r.created_at)) for r in rows]


def current_tags(conn: sa.Connection, run_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """The tags of each run as they are now."""
    ids = list(run_ids)
    out: dict[str, dict[str, str]] = {}
    for start in range(0, len(ids), 500):  # bound the statement's parameters
        chunk = ids[start : start + 500]
        rows = conn.execute(
            sa.select(run_tags.c.run_id, run_tags.c.key, run_tags.c.value).where(
                run_tags.c.run_id.in_(chunk)
            )
        ).all()
        for row in rows:
            out.setdefault(row.run_id, {})[row.key] = row.value
    return out


Info = TypeVar("Info", bound=RunInfo)


def with_current_tags(info: Info, tags: Mapping[str, str]) -> Info:
    """``info`` with its tags as they are now: stored order, then tags added later."""
    merged = {**info.tags, **tags}
    if merged == info.tags:
        return info
    return info.model_copy(update={"tags": merged})
