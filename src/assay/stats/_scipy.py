"""SciPy's ``stats``, ``optimize`` and ``special`` namespaces, imported on first use.

Importing ``scipy.stats`` costs one to two seconds; a command that never needs a distribution
(listing runs, sending requests) should not pay it, nor the ~0.15 s of ``scipy.special``.
``stats.norm`` here is ``scipy.stats.norm``.
"""

from __future__ import annotations

from typing import Any

from assay._util import lazy_module

__all__ = ["optimize", "special", "stats"]

stats: Any = lazy_module("scipy.stats")
optimize: Any = lazy_module("scipy.optimize")
special: Any = lazy_module("scipy.special")
