"""Private copies of the record files, holding exactly the bytes checked against their digests.

An engine that opens a store's record file by path after it was checked (DuckDB, for
``assay sql``) could read another file than the one checked: the file may be rewritten in
place or replaced in between. :func:`copy_record_files` copies each file into a private
folder of this process (:mod:`assay.storage._copy_folder`), hashing its bytes as they arrive,
and the engine reads the copies.

A copy is used again while the store's file stays the same version (its size, modification
and change times and inode, or in an object store its size, ETag and time of writing, as
:func:`~assay.storage._parquet_io.file_version` tells): a query repeated in one process copies
nothing, and a file changed since is copied and checked again (and refused when altered). Each
file has at most one current copy: copies of one file are made one at a time (two queries at
once share one copy), and a copy that is no longer current (its file changed, or its store
names no version, so that it is copied for every call) is removed as soon as no caller holds
it (:meth:`RecordCopies.release`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay._util import check_instance
from assay.errors import StorageError
from assay.storage._copy_folder import check_room, private_folder
from assay.storage._objects import missing_object, named_digest
from assay.storage._parquet_io import copy_hashed, file_version, verify_found
from assay.storage._record_files import stored_files

if TYPE_CHECKING:
    from types import TracebackType

    from assay.storage._files import FileRoot
    from assay.storage._store import Store

__all__ = ["RecordCopies", "copy_record_files"]

_lock = threading.Lock()
_current: dict[str, tuple[tuple[Any, ...], str]] = {}
"""The store file's location -> its version and the path of its current checked copy."""
_file_locks: dict[str, threading.Lock] = {}
"""The store file's location -> the lock held while its copy is looked up or made."""
_users: Counter[str] = Counter()
"""A copy's path -> how many callers hold it (unreleased :class:`RecordCopies`)."""
_retired: set[str] = set()
"""Copies no longer current, removed when their last holder releases them."""


def _forget_after_fork() -> None:
    """In a forked child: the copies are the parent's (in its folder, removed by it)."""
    global _lock
    _lock = threading.Lock()
    _current.clear()
    _file_locks.clear()
    _users.clear()
    _retired.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


@dataclass(frozen=True)
class RecordCopies:
    """Private copies of the stored runs' record files, each checked as it was copied.

    The copies are held until :meth:`release` (or the end of a ``with`` block); a copy that is
    no longer current is removed when the last holder releases it."""

    locations: dict[str, str]
    """Run id → where the store keeps the file (as :attr:`RecordFiles.paths` names it)."""
    copies: dict[str, str]
    """Run id → the local path of its copy, holding exactly the bytes that were checked."""
    _held: list[str] = field(default_factory=list, compare=False, repr=False)

    def release(self) -> None:
        """Stop holding the copies (again: nothing); one that is no longer current is removed."""
        _release(self._held)
        self._held.clear()

    def __enter__(self) -> RecordCopies:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def copy_record_files(store: Store, *, runs: Iterable[str] | None = None) -> RecordCopies:
    """Copy the record file of every run of ``store`` into a private folder of this process,
    or of ``runs`` alone when given (run ids, unique id prefixes or ``MODEL@VERSION``; a run
    named twice is copied once, an unknown reference raises
    :class:`~assay.errors.NotFoundError` and an ambiguous one
    :class:`~assay.errors.AmbiguousReferenceError` before anything is copied),
    hashing each as its bytes arrive and checking it against the SHA-256 its name records; a
    file whose bytes differ raises :class:`~assay.errors.StorageError` naming the run and the
    file, as does a missing one, and one the temporary folder has no room for (``TMPDIR``
    names another folder).

    An engine that reads the copies reads the bytes that were checked, whatever happens to the
    store's files meanwhile (rewritten in place, replaced, deleted), which reading the store's
    files by path after :func:`record_files` with ``verify`` cannot promise. A copy is used
    again while the store's file is unchanged (module docstring) and stays at least until the
    returned :class:`RecordCopies` is released; the temporary folder needs room for every
    record file copied. Files written before names carried a digest are copied unchecked. A store
    reached through an assay server raises :class:`~assay.errors.StorageError`.
    """
    from assay.storage._store import Store

    check_instance(store, "store", "copy_record_files", Store, "a Store (open_store())")
    repository, rows = stored_files(store, "copy_record_files", runs)
    files = repository.files
    copied = RecordCopies(locations={}, copies={})
    try:
        for row in rows:
            location = files.location(row.records_path)
            copied.locations[row.run_id] = location
            where = f"{location} (the record file of run {row.run_id})"
            path = _checked_copy(files, row.records_path, where)
            copied._held.append(path)
            copied.copies[row.run_id] = path
    except BaseException:
        copied.release()
        raise
    return copied


def _release(paths: list[str]) -> None:
    with _lock:
        for path in paths:
            _users[path] -= 1
            if _users[path] <= 0:
                del _users[path]
                if path in _retired:
                    _retired.discard(path)
                    _remove(path)


def _retire(path: str) -> None:
    """Remove ``path`` (a copy no longer current) now, or when its last holder releases it;
    called holding ``_lock``."""
    if _users[path] > 0:
        _retired.add(path)
    else:
        _users.pop(path, None)
        _remove(path)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _checked_copy(files: FileRoot, relative: str, where: str) -> str:
    """The path of a checked copy of ``relative``, held for the caller: the current one while
    the file's version is the same, else a new one (the former is retired)."""
    with _lock:
        file_lock = _file_locks.setdefault(where, threading.Lock())
    with file_lock:  # one copy of a file at a time: a query at once waits, then shares it
        try:
            version = file_version(files, relative, where)
        except FileNotFoundError as exc:
            raise missing_object(where) from exc
        except OSError as exc:
            raise StorageError(f"Cannot read {where}: {exc}") from exc
        with _lock:
            known = _current.get(where)
            if known is not None and version and known[0] == version:
                _users[known[1]] += 1
                return known[1]
            if known is not None:  # the store's file changed: its copy is out of date
                del _current[where]
                _retire(known[1])
        path = _new_copy(files, relative, where, version)
        with _lock:
            _users[path] += 1
            if version:
                _current[where] = (version, path)
            else:  # the store names no version: copied for every call, removed after it
                _retired.add(path)
        return path


def _new_copy(files: FileRoot, relative: str, where: str, version: tuple[Any, ...]) -> str:
    folder = private_folder()
    check_room(folder, _size(files, relative, version), where)
    copy = Path(folder) / f"{uuid.uuid4().hex}.parquet"
    try:
        spool = open(copy, "xb")  # noqa: SIM115 - closed just below
    except OSError as exc:
        raise StorageError(f"Cannot copy {where} into {folder}: {exc}") from exc
    try:
        with spool:
            found = copy_hashed(files, relative, spool, where)
        expected = named_digest(relative)
        if expected is not None:
            verify_found(found, expected, where)
    except BaseException as exc:
        _remove(str(copy))
        if isinstance(exc, FileNotFoundError):
            raise missing_object(where) from exc
        if isinstance(exc, OSError):
            raise StorageError(f"Cannot copy {where} into {folder}: {exc}") from exc
        raise
    return str(copy)


def _size(files: FileRoot, relative: str, version: tuple[Any, ...]) -> int | None:
    """The file's size in bytes (``None`` when the store does not say)."""
    if version and isinstance(version[0], int):
        return version[0]
    try:
        size = files.filesystem.size(files.path(relative)) if not files.local else None
    except OSError:  # the copy that follows reports an unreadable file
        return None
    return size if isinstance(size, int) else None
