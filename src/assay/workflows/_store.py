"""The default store: opened once per process and configuration, closed at exit.

Every workflow function takes ``store=None`` to mean :func:`default_store`. Opening a store
creates an engine (and, for SQLite, checks the schema), so doing it once instead of per call
matters for scripts and notebooks that call the API in a loop.
"""

from __future__ import annotations

import atexit
import os
import threading

from assay.storage import Store, open_store

__all__ = ["default_store"]

# ASSAY_TOKEN: an ``http(s)://`` ASSAY_DB (an assay server) is opened again for another token
_CONFIGURATION = ("ASSAY_DB", "ASSAY_HOME", "ASSAY_ARTIFACTS", "ASSAY_TOKEN")

_lock = threading.Lock()
# The configuration a store was opened for, the store, and its database file's identity then.
_current: tuple[tuple[str | None, ...], Store, tuple[int, int] | None] | None = None


def _file_identity(store: Store) -> tuple[int, int] | None:
    if store.database_file is None:
        return None
    try:
        status = store.database_file.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _configuration() -> tuple[str | None, ...]:
    values = tuple(os.environ.get(k) for k in _CONFIGURATION)
    db, home = values[0], values[1]
    # the default ``./.assay`` and a relative ASSAY_HOME depend on the working folder; an
    # ASSAY_DB URL does not (and re-opening an in-memory one would lose what it holds)
    if db is None and (home is None or not os.path.isabs(home)):
        return (*values, os.getcwd())
    return values


def default_store() -> Store:
    """The store :func:`assay.open_store` would open now, opened once and reused.

    The configuration is read at every call (``ASSAY_DB``, ``ASSAY_HOME``, ``ASSAY_ARTIFACTS``
    and the working folder, which places the default ``./.assay``): while it stays the same
    the same :class:`~assay.storage.Store` is returned; when it changes, the new store is
    opened and the replaced one closed; so is a SQLite file that was deleted or replaced since
    it was opened (a deleted one with records left beside it then raises
    :class:`~assay.errors.StorageError`). The store is closed when the interpreter exits. Pass
    ``store=`` to any function to use another store instead.
    """
    global _current
    key = _configuration()
    with _lock:
        current = _current
        # A database file deleted or replaced since the open (restored from a backup, say) is
        # opened again: the open store would refuse every write to it.
        if current is not None and current[0] == key and _file_identity(current[1]) == current[2]:
            return current[1]
        store = open_store()
        _current = (key, store, _file_identity(store))
    if current is not None:
        current[1].close()
    return store


def resolve_store(store: Store | None) -> Store:
    """``store``, or the default store when it is ``None``."""
    return store if store is not None else default_store()


@atexit.register
def _close_default_store() -> None:
    global _current
    with _lock:
        current, _current = _current, None
    if current is not None:
        current[1].close()
