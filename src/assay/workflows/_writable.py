"""Checking that an output file can be written before anything is recorded."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from assay.errors import StorageError

__all__ = ["check_writable"]


def check_writable(path: str | os.PathLike[str]) -> Path:
    """``path`` as a :class:`~pathlib.Path`, after making sure a file can be written there:
    its folder is made if missing and a probe file is created beside it and removed.
    :class:`~assay.errors.StorageError` naming the path when it cannot be."""
    final = Path(path)
    if final.is_dir():
        raise StorageError(f"{final}: is a folder; give a file name to write to")
    probe = final.with_name(f".{final.name}.{uuid.uuid4().hex[:12]}.probe")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        probe.touch(exist_ok=False)
    except OSError as exc:
        raise StorageError(f"{final}: cannot be written ({exc.strerror or exc})") from None
    probe.unlink(missing_ok=True)
    return final
