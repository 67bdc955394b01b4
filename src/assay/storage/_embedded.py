"""The embedded SQLite file: when it may be created, and whether it may be written.

A store is created on its first use: opening one where nothing exists yet creates the folder
and the database, so ``assay`` works the moment it is installed. But a database file that
vanished must not be replaced by an empty one while its records are still on disk: the next
command would report an empty store and new runs would be recorded apart from the old ones.
So opening refuses when the database is missing but the store's folders hold record or suite
files; ``assay db upgrade`` (:func:`~assay.storage.upgrade_database`) creates it explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

from assay.errors import StorageError
from assay.storage._engine import StoreLocation
from assay.storage._files import split_protocol

__all__ = ["is_read_only", "prepare_database_file"]

# Folders whose files only a store's own writes put there.
_STORED = ("records", "suites")


def _holds_files(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(not e.name.startswith(".") and e.is_file() for e in entries)
    except OSError:
        return False


def _local_roots(location: StoreLocation, database: Path) -> list[Path]:
    roots = [database.parent]
    protocol, path = split_protocol(location.files)
    if protocol in (None, "file", "local"):
        roots.append(Path(path).expanduser().absolute())
    return roots


def prepare_database_file(location: StoreLocation, *, create: bool) -> None:
    """Make ready to open the SQLite file ``location`` names, or refuse to.

    A missing file is created (with its folder) when ``create`` is true or when no record or
    suite file is stored beside it; otherwise it was deleted or moved, and this raises
    :class:`StorageError`.
    """
    database = location.database_file
    if database is None or database.exists():
        return
    if not create:
        stored = [
            root / name
            for root in _local_roots(location, database)
            for name in _STORED
            if _holds_files(root / name)
        ]
        if stored:
            raise StorageError(
                f"The store's database {database} is missing, but {stored[0]} holds stored "
                "files: the database was deleted or moved, and an empty one would hide them. "
                "Restore the file, or run `assay db upgrade` to start an empty database there."
            )
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"Cannot create the store folder for {database}: {exc}") from exc


def is_read_only(location: StoreLocation) -> bool:
    """Whether the SQLite file exists and this process may not write it or its folder.

    SQLite writes beside the database (its write-ahead log), so a read-only folder makes a
    read-only store even when the file itself is writable.
    """
    database = location.database_file
    if database is None or not database.exists():
        return False
    return not (os.access(database, os.W_OK) and os.access(database.parent, os.W_OK))
