"""Removing orphaned objects: files no database row refers to, left by writers that died.

A record or examples file is written before the transaction that names it commits, so a writer
killed in between leaves a file nothing refers to; a writer killed while writing leaves a
temporary object; one killed while storing an artifact leaves its metadata without content.
None of them is visible to a reader, and :func:`sweep_orphans` removes those older than a grace
period. A complete artifact is never removed: artifacts are content-addressed and refer to one
another (named logs are kept as artifacts), so an artifact no row names may still be in use.

The store's rows are read after its objects are listed, and again just before anything is
removed, so a file whose transaction committed meanwhile is seen as referenced.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import sqlalchemy as sa

from assay.errors import ConfigError, ParameterError
from assay.storage._engine import check_writable, read_connection
from assay.storage._files import ORPHAN_GRACE_SECONDS, FileRoot
from assay.storage._local_files import is_temporary
from assay.storage._objects import StoredObject
from assay.storage._schema import runs, suites
from assay.storage._store import Store

__all__ = ["Orphan", "Sweep", "sweep_orphans"]

_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Orphan:
    """One object no row of the store refers to."""

    location: str
    """Where it is: a path, or a URL such as ``s3://bucket/prefix/records/x.parquet``."""
    size: int
    """Its size in bytes."""
    age_seconds: float
    """How long ago it was last written."""
    reason: str
    """Why it is an orphan, e.g. ``record file no run refers to``."""


@dataclass(frozen=True)
class Sweep:
    """What :func:`sweep_orphans` found, and what it removed."""

    root: str
    """The store's file root (``ASSAY_ARTIFACTS`` or the folder beside its database)."""
    grace_seconds: float
    """Orphans younger than this were kept: their writer may still be about to commit."""
    dry_run: bool
    """Whether nothing was removed (the orphans are what would have been)."""
    orphans: tuple[Orphan, ...]
    """The orphans older than the grace period: removed, unless ``dry_run``."""
    young: int
    """Orphans kept because they are younger than the grace period (or of unknown age)."""
    referenced: int
    """Objects kept because a row refers to them, and complete artifacts."""

    @property
    def removed_bytes(self) -> int:
        """The bytes the orphans hold (freed, unless ``dry_run``)."""
        return sum(o.size for o in self.orphans)


def _referenced(store: Store) -> tuple[set[str], set[str]]:
    """The record files and examples files that rows of the store name now."""
    assert store.engine is not None
    with read_connection(store.engine) as conn:
        records = set(conn.execute(sa.select(runs.c.records_path)).scalars())
        examples = set(conn.execute(sa.select(suites.c.examples_path)).scalars())
    return records, examples


def _why(folder: str, item: StoredObject, names: set[str], listed: set[str]) -> str | None:
    """Why ``item`` (in ``folder``) is an orphan, or ``None`` when it must be kept."""
    base = item.relative.rsplit("/", 1)[-1]
    if is_temporary(base):
        return "temporary object of an interrupted write"
    if folder == "artifacts":
        stem = base.removesuffix(".json")
        metadata = base.endswith(".json") and len(stem) == 64 and set(stem) <= _HEX
        if metadata and item.relative.removesuffix(".json") not in listed:
            return "artifact metadata whose content was never written"
        return None
    if "/" in item.relative or not base.endswith(".parquet") or item.relative in names:
        return None  # not a file assay writes there, or one a row refers to
    return "record file no run refers to" if folder == "records" else "examples no suite uses"


def sweep_orphans(
    store: Store, *, grace_seconds: float = ORPHAN_GRACE_SECONDS, dry_run: bool = False
) -> Sweep:
    """Find the objects of ``store`` that no row refers to and remove those older than
    ``grace_seconds`` (six hours by default), unless ``dry_run``; returns what was found.

    Only the store's own folders (``records/``, ``suites/``, ``artifacts/``) are looked at, and
    only names assay writes there; a referenced object and a complete artifact are never
    removed. The grace period protects writers that are still running: an object is written
    before the row naming it commits.
    """
    if not isinstance(store, Store):
        raise ParameterError("store", "sweep_orphans", "a Store (open_store)", store)
    if isinstance(grace_seconds, bool) or not isinstance(grace_seconds, int | float):
        raise ParameterError("grace_seconds", "sweep_orphans", "a number ≥ 0", grace_seconds)
    if not math.isfinite(grace_seconds) or grace_seconds < 0:
        raise ParameterError("grace_seconds", "sweep_orphans", "a number ≥ 0", grace_seconds)
    if not isinstance(dry_run, bool):
        raise ParameterError("dry_run", "sweep_orphans", "a bool", dry_run)
    roots = _roots(store)
    if not dry_run:
        assert store.engine is not None
        check_writable(store.engine)
    listed = {folder: root.objects() for folder, root in roots.items()}
    now = time.time()
    found = _classify(roots, listed, _referenced(store), now, grace_seconds)
    orphans, young, kept = found
    if not dry_run and orphans:
        records, examples = _referenced(store)  # a commit since the listing keeps its file
        for folder, relative, _ in orphans:
            if relative not in (records if folder == "records" else examples):
                roots[folder].remove(relative)
    parent = roots["records"].url.rstrip("/").rsplit("/", 1)[0]
    return Sweep(parent, float(grace_seconds), dry_run, tuple(o for *_, o in orphans), young, kept)


def _roots(store: Store) -> dict[str, FileRoot]:
    records = getattr(store.runs, "files", None)
    examples = getattr(store.suites, "files", None)
    artifacts = getattr(store.artifacts, "root", None)
    if store.engine is None or not all(
        isinstance(r, FileRoot) for r in (records, examples, artifacts)
    ):
        raise ConfigError(
            f"{store!r} is reached through an assay server: run `assay db gc` on the server, "
            "where its database and object store are."
        )
    assert isinstance(records, FileRoot) and isinstance(examples, FileRoot)
    assert isinstance(artifacts, FileRoot)
    return {"records": records, "suites": examples, "artifacts": artifacts}


def _classify(
    roots: dict[str, FileRoot],
    listed: dict[str, list[StoredObject]],
    referenced: tuple[set[str], set[str]],
    now: float,
    grace_seconds: float,
) -> tuple[list[tuple[str, str, Orphan]], int, int]:
    orphans: list[tuple[str, str, Orphan]] = []
    young = kept = 0
    for folder, items in listed.items():
        names = referenced[0] if folder == "records" else referenced[1]
        present = {item.relative for item in items}
        for item in items:
            reason = _why(folder, item, names, present)
            if reason is None:
                kept += 1
            elif item.modified is None or now - item.modified < grace_seconds:
                young += 1
            else:
                where = roots[folder].location(item.relative)
                orphan = Orphan(where, item.size, now - item.modified, reason)
                orphans.append((folder, item.relative, orphan))
    return orphans, young, kept
