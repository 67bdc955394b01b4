"""Private copies of the record files, holding exactly the bytes checked against their digests.

An engine that opens a store's record file by path after it was checked (DuckDB, for
``assay sql``) could read another file than the one checked: the file may be rewritten in
place or replaced in between. :func:`copy_record_files` copies each file once into a private
folder of this process (made by :func:`tempfile.mkdtemp`, readable by this user alone, removed
when the process exits), hashing its bytes as they arrive, and the engine reads the copies.

A copy is used again while the store's file stays the same version (its size, modification
and change times and inode, or in an object store its size, ETag and time of writing, as
:func:`~assay.storage._parquet_io.file_version` tells): a query repeated in one process copies
nothing, and a file changed since is copied and checked again (and refused when altered). A
file whose store names no version is copied for every call.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay._util import check_instance
from assay.errors import StorageError
from assay.storage._objects import missing_object, named_digest
from assay.storage._parquet_io import copy_hashed, file_version, verify_found
from assay.storage._record_files import stored_files

if TYPE_CHECKING:
    from assay.storage._files import FileRoot
    from assay.storage._store import Store

__all__ = ["RecordCopies", "copy_record_files"]

_lock = threading.Lock()
_copies: dict[tuple[str, tuple[Any, ...]], str] = {}
"""(the store file's location, its version) -> the path of its checked copy."""
_folder: list[tempfile.TemporaryDirectory[str]] = []
"""The process's private folder of copies, made on first use (removed at exit)."""


@dataclass(frozen=True)
class RecordCopies:
    """Private copies of every stored run's record file, each checked as it was copied."""

    locations: dict[str, str]
    """Run id → where the store keeps the file (as :attr:`RecordFiles.paths` names it)."""
    copies: dict[str, str]
    """Run id → the local path of its copy, holding exactly the bytes that were checked."""


def copy_record_files(store: Store) -> RecordCopies:
    """Copy the record file of every run of ``store`` into a private folder of this process,
    hashing each as its bytes arrive and checking it against the SHA-256 its name records; a
    file whose bytes differ raises :class:`~assay.errors.StorageError` naming the run and the
    file, as does a missing one.

    An engine that reads the copies reads the bytes that were checked, whatever happens to the
    store's files meanwhile (rewritten in place, replaced, deleted), which reading the store's
    files by path after :func:`record_files` with ``verify`` cannot promise. The copies stay
    until the process exits and are used again while the store's file is unchanged (module
    docstring); the temporary folder needs room for every record file. Files written before
    names carried a digest are copied unchecked. A store reached through an assay server
    raises :class:`~assay.errors.StorageError`.
    """
    from assay.storage._store import Store

    check_instance(store, "store", "copy_record_files", Store, "a Store (open_store())")
    repository, rows = stored_files(store, "copy_record_files")
    files = repository.files
    locations: dict[str, str] = {}
    copies: dict[str, str] = {}
    for row in rows:
        location = files.location(row.records_path)
        locations[row.run_id] = location
        where = f"{location} (the record file of run {row.run_id})"
        copies[row.run_id] = _checked_copy(files, row.records_path, where)
    return RecordCopies(locations=locations, copies=copies)


def _private_folder() -> str:
    with _lock:
        if not _folder:
            _folder.append(tempfile.TemporaryDirectory(prefix="assay-records-"))
        return _folder[0].name


def _checked_copy(files: FileRoot, relative: str, where: str) -> str:
    """The path of a checked copy of ``relative``: the one made before while the file's version
    is the same, else a new one."""
    try:
        version = file_version(files, relative, where)
    except FileNotFoundError as exc:
        raise missing_object(where) from exc
    except OSError as exc:
        raise StorageError(f"Cannot read {where}: {exc}") from exc
    key = (where, version)
    with _lock:
        known = _copies.get(key) if version else None
    if known is not None:
        return known
    folder = _private_folder()
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
        with contextlib.suppress(OSError):
            copy.unlink()
        if isinstance(exc, FileNotFoundError):
            raise missing_object(where) from exc
        if isinstance(exc, OSError):
            raise StorageError(f"Cannot copy {where} into {folder}: {exc}") from exc
        raise
    if version:
        with _lock:
            _copies[key] = str(copy)
    return str(copy)
