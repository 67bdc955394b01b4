"""SciPy's ``stats``, ``optimize`` and ``special`` namespaces, imported on first use.

Importing ``scipy.stats`` costs one to two seconds; a command that never needs a distribution
(listing runs, sending requests) should not pay it. ``stats.norm`` here is ``scipy.stats.norm``.
``special`` gives SciPy's special functions without importing ``scipy.special`` where it can
(:mod:`assay.stats._special`).
"""

from __future__ import annotations

from typing import Any

from assay._util import lazy_module
from assay.stats._special import special

__all__ = ["optimize", "special", "stats"]

stats: Any = lazy_module("scipy.stats")
optimize: Any = lazy_module("scipy.optimize")
