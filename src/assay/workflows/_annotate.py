"""Tags and notes on stored runs: what people say about a run after it exists.

A run is immutable: its records, manifest and content digest never change. Tags and notes
are metadata about it, kept beside it with the time they were added.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assay.core import Run, RunInfo
from assay.storage import RunNote, Store, TagChange
from assay.workflows._api import LoggedRun, _store, run_ref

__all__ = ["TaggedRun", "note_run", "tag_run"]


@dataclass(frozen=True)
class TaggedRun:
    """The outcome of :func:`tag_run`."""

    run: Run
    """The run, with its tags as they are now."""
    changes: Sequence[TagChange]
    """The tags that were added or changed (a tag given with its current value is none)."""


def tag_run(
    run: str | RunInfo | LoggedRun, tags: Mapping[str, str], *, store: Store | None = None
) -> TaggedRun:
    """Set ``tags`` on a stored run (id, id prefix, ``MODEL@VERSION`` or a run object).

    A tag the run has is given its new value; every change is kept with its time. The run's
    records and manifest are untouched.
    """
    found, changes = _store(store).runs.tag(run_ref(run, function="tag_run"), tags)
    return TaggedRun(run=found, changes=tuple(changes))


def note_run(run: str | RunInfo | LoggedRun, text: str, *, store: Store | None = None) -> RunNote:
    """Add a note (free text) to a stored run; notes are kept in order, with their time.
    ``store.runs.notes(run)`` lists them."""
    return _store(store).runs.note(run_ref(run, function="note_run"), text)
