"""The newest schema revision this assay knows, read from its migration files.

Telling whether a database is current needs no Alembic (whose import costs more than the rest
of a short command) nor SQLAlchemy: the migration files' ``revision``/``down_revision`` lines
name the one revision no other revises.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from assay.errors import StorageError

__all__ = ["head_revision"]

_VERSIONS = Path(__file__).with_name("migrations") / "versions"
# ``revision = "0002"`` and ``down_revision: str | None = "0001"`` lines of a migration file
_REVISION = re.compile(
    r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:"([^"]*)"|'([^']*)'|None)""", re.M
)


@cache
def head_revision() -> str:
    """The newest migration this version of assay knows (the one no other revises)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in _VERSIONS.glob("*.py"):
        for key, double, single in _REVISION.findall(path.read_text(encoding="utf-8")):
            value = double or single
            if value:
                (revisions if key == "revision" else revised).add(value)
    heads = revisions - revised
    if len(heads) != 1:  # pragma: no cover - the package ships one line of migrations
        raise StorageError(f"assay's migrations have {len(heads)} heads; reinstall assay")
    return heads.pop()
