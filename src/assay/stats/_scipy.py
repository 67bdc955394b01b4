"""SciPy's ``stats``, ``optimize`` and ``special`` namespaces, imported on first use.

Importing ``scipy.stats`` costs one to two seconds; a command that never needs a distribution
(listing runs, sending requests) should not pay it, nor the ~0.15 s of ``scipy.special``.
``stats.norm`` here is ``scipy.stats.norm``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["optimize", "special", "stats"]


class _LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


stats: Any = _LazyModule("scipy.stats")
optimize: Any = _LazyModule("scipy.optimize")
special: Any = _LazyModule("scipy.special")
