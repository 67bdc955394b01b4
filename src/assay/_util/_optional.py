"""Optional dependencies: imported where needed, failing with the exact install line."""

from __future__ import annotations

import importlib
from types import ModuleType

from assay.errors import MissingDependencyError

__all__ = ["require"]


def require(module: str, extra: str, *, feature: str | None = None) -> ModuleType:
    """Import ``module``, or raise :class:`MissingDependencyError` naming ``assay[extra]``.

    ``feature`` says what needs it ("the Hugging Face adapter"); the message ends with the
    command that installs it: ``pip install 'assay[hf]'``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(module, extra, feature=feature) from exc
