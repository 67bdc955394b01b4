"""Input files the command line reads: a missing or unreadable one is exit 5, said once.

Every option or argument naming a file a command reads passes through :func:`readable_file`
as its Typer ``callback``, so the check happens before any work and every command words it
the same way: ``cannot read FILE (what it is): no such file``. The exit code is the one the
exit-code table gives a file the command reads (5, as for the store), whichever library
function would have read the file.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

from assay.errors import StorageError

__all__ = ["UnreadableFileError", "check_readable", "readable_file", "suite_file_or_name"]

_REASONS = {
    errno.ENOENT: "no such file",
    errno.EACCES: "permission denied",
    errno.EISDIR: "it is a folder, not a file",
}


class UnreadableFileError(StorageError):
    """A file the command was told to read is missing or cannot be read (exit 5)."""


def check_readable(path: Path, what: str) -> Path:
    """``path`` when it is a file this process can read, else :class:`UnreadableFileError`."""
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        code = exc.errno if exc.errno is not None else 0
        reason = _REASONS.get(code) or os.strerror(code) if code else str(exc)
        raise UnreadableFileError(f"cannot read {path} ({what}): {reason}") from exc
    return path


def readable_file(what: str) -> Callable[[Path | None], Path | None]:
    """A Typer callback that checks a file option or argument (``None`` passes through)."""

    def callback(value: Path | None) -> Path | None:
        return None if value is None else check_readable(Path(value), what)

    return callback


def policy_file_or_name(value: Path | None) -> Path | None:
    """A Typer callback for ``--policy``: a readable YAML file, or a shipped policy's name."""
    from assay.gates import SHIPPED_POLICIES

    if value is None or (str(value) in SHIPPED_POLICIES and not Path(value).exists()):
        return value
    return check_readable(Path(value), "the policy file")


def suite_file_or_name(value: str) -> str:
    """A Typer callback for ``--suite``: a value naming a YAML file must be a readable one."""
    if value.endswith((".yaml", ".yml")):
        check_readable(Path(value), "the suite file")
    return value
