"""Local folders: folders created durably, write errors explained, dead writers' files removed."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from assay._util import fsync_folder
from assay.errors import StorageError

__all__ = [
    "TEMPORARY_SUFFIXES",
    "is_temporary",
    "make_folders",
    "remove_temporary_files",
    "write_error",
]

TEMPORARY_SUFFIXES = (".partial", ".tmp")
"""The suffixes of assay's own temporary names: ``atomic_path``'s and ``FileRoot``'s."""


def is_temporary(name: str) -> bool:
    """Whether a file name is one of assay's hidden temporary names."""
    return name.startswith(".") and name.endswith(TEMPORARY_SUFFIXES)


def make_folders(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each synced into the folder that holds it."""
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):
            created.mkdir()
        fsync_folder(created.parent)


def write_error(final: str, exc: BaseException) -> StorageError:
    """The error for a failed local write: read-only when the folder refuses writes."""
    # pyarrow reports a refused open as a plain OSError, so the folder's rights decide too.
    folder = Path(final).parent
    if isinstance(exc, PermissionError) or (folder.is_dir() and not os.access(folder, os.W_OK)):
        return StorageError(f"The store at {final} is read-only: cannot write it ({exc}).")
    return StorageError(f"Cannot write {final}: {exc}")


def remove_temporary_files(root: Path, grace_seconds: float) -> int:
    """Delete assay's temporary files under ``root`` older than ``grace_seconds``."""
    if not root.is_dir() or not os.access(root, os.W_OK):
        return 0
    cutoff = time.time() - grace_seconds
    removed = 0
    for folder, _, names in os.walk(root):
        for name in names:
            if not is_temporary(name):
                continue
            path = Path(folder, name)
            # A file that vanished or cannot be removed belongs to someone else's clean-up.
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
    return removed
