"""The private folder of this process that holds the checked copies of record files.

It is made by :func:`tempfile.mkdtemp` in the temporary folder (``TMPDIR``), readable by this
user alone, and named ``assay-records-<pid>-<random>``; the process holds a lock on a file in
it for as long as it lives, and removes the folder when it exits. A process that is killed
(``SIGKILL``, a ``SIGTERM`` with no handler, a crash) cannot remove it: the first process of
the same user to make its own folder removes the folders of processes that are gone, that is
folders of that name, owned by this user, whose process no longer runs and whose lock is
free.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import threading
from typing import IO

from assay.errors import StorageError

__all__ = ["check_room", "private_folder"]

_PREFIX = "assay-records-"
_NAME = re.compile(rf"{_PREFIX}(\d+)-[A-Za-z0-9_]+")
_LOCK_FILE = ".lock"

_lock = threading.Lock()
_folder: dict[int, tuple[tempfile.TemporaryDirectory[str], IO[bytes]]] = {}
"""This process's id → its folder (removed at exit) and the held lock file in it."""


def private_folder() -> str:
    """The path of this process's folder of copies, made (and the folders of processes that
    are gone removed) on first use."""
    pid = os.getpid()
    with _lock:
        if pid not in _folder:
            remove_stale_folders(tempfile.gettempdir())
            made = tempfile.TemporaryDirectory(prefix=f"{_PREFIX}{pid}-")
            held = open(os.path.join(made.name, _LOCK_FILE), "wb")  # noqa: SIM115 - kept open
            _hold(held)
            _folder[pid] = (made, held)
        return _folder[pid][0].name


def _forget_after_fork() -> None:
    """In a forked child: the parent's folder is the parent's to remove, not the child's."""
    global _lock
    _lock = threading.Lock()
    for pid in [pid for pid in _folder if pid != os.getpid()]:
        made, held = _folder.pop(pid)
        made._finalizer.detach()  # type: ignore[attr-defined]
        held.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def _hold(handle: IO[bytes]) -> None:
    with contextlib.suppress(ImportError):
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


def remove_stale_folders(parent: str) -> list[str]:
    """Remove the folders of copies that processes of this user left behind in ``parent``
    when they ended without removing them; returns those removed. A folder is removed only
    when its name is ``assay-records-<pid>-…``, it is a folder (not a link) this user owns,
    no process ``<pid>`` runs, and no process holds its lock file."""
    try:
        import fcntl
    except ImportError:  # no POSIX locks (Windows): no way to tell a live folder; leave them
        return []
    removed = []
    with contextlib.suppress(OSError), os.scandir(parent) as entries:
        for entry in entries:
            match = _NAME.fullmatch(entry.name)
            if match is None or int(match.group(1)) == os.getpid():
                continue
            try:
                info = os.lstat(entry.path)
            except OSError:
                continue
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            if _alive(int(match.group(1))) or _locked(entry.path, fcntl):
                continue
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


def _locked(folder: str, fcntl: object) -> bool:
    """Whether a process holds the folder's lock file (one of another PID namespace may)."""
    try:
        fd = os.open(os.path.join(folder, _LOCK_FILE), os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # type: ignore[attr-defined]
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def check_room(folder: str, size: int | None, where: str) -> None:
    """Refuse to copy ``size`` bytes of ``where`` into ``folder`` when it has less room."""
    if size is None:
        return
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if size > free:
        raise StorageError(
            f"Cannot copy {where} ({size:,} bytes) into {folder}: only {free:,} bytes are free "
            "there. A query of records reads a checked copy of every record file of the store; "
            "free space there, or set TMPDIR to a folder with room for the record files."
        )
