"""SciPy's ``stats``, ``optimize`` and ``special`` namespaces, imported on first use.

Importing ``scipy.stats`` costs one to two seconds; a command that never needs a distribution
(listing runs, sending requests) should not pay it. ``stats.norm`` here is ``scipy.stats.norm``.

``special.ndtri`` here is the very ufunc ``scipy.special.ndtri`` names, taken from the compiled
module that defines it (``scipy.special._ufuncs``) without running ``scipy.special``'s package
initialisation: SciPy 1.17's array-API layer, which that initialisation imports, loads
``numpy.f2py``, ``numpy.ma`` and ``numpy.testing`` on the way, about 0.2 s of a comparison's
start-up spent on nothing a comparison uses. The functions are the same objects, so their
results are identical. A name the compiled module lacks (or a SciPy laid out differently) comes
from ``scipy.special`` itself.
"""

from __future__ import annotations

import _imp
import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any

from assay._util import lazy_module

__all__ = ["optimize", "special", "stats"]

stats: Any = lazy_module("scipy.stats")
optimize: Any = lazy_module("scipy.optimize")

_UFUNCS = "scipy.special._ufuncs"


def _compiled_special_functions() -> ModuleType | None:
    """``scipy.special._ufuncs``, imported without executing ``scipy/special/__init__.py``.

    The package's module is stood in by an empty one while its compiled submodule loads, under
    the interpreter's import lock so that no other thread sees the stand-in; it is then taken
    out again, so that a later ``import scipy.special`` initialises the package as usual (and
    reuses the submodules already loaded). ``None`` where this cannot be done.
    """
    if "scipy.special" in sys.modules or _UFUNCS in sys.modules:
        return importlib.import_module(_UFUNCS)
    try:
        importlib.import_module("scipy")  # the parent, before the lock: it imports numpy
    except ImportError:
        return None
    _imp.acquire_lock()
    try:
        spec = importlib.util.find_spec("scipy.special")
        if spec is None or spec.loader is None:
            return None
        sys.modules["scipy.special"] = importlib.util.module_from_spec(spec)
        try:
            return importlib.import_module(_UFUNCS)
        finally:
            del sys.modules["scipy.special"]
    except ImportError:
        return None
    finally:
        _imp.release_lock()


class _SpecialFunctions:
    """``scipy.special`` as far as assay uses it: its compiled functions on first use."""

    def __init__(self) -> None:
        self._compiled: ModuleType | None = None
        self._tried = False

    def __getattr__(self, attr: str) -> Any:
        if not self._tried:
            self._compiled = _compiled_special_functions()
            self._tried = True
        found = getattr(self._compiled, attr, None) if self._compiled is not None else None
        if found is None:
            found = getattr(importlib.import_module("scipy.special"), attr)
        return found

    def __repr__(self) -> str:
        return "<scipy.special's compiled functions, imported on first use>"


special: Any = _SpecialFunctions()
