"""SciPy's special functions without the cost of importing ``scipy.special``.

A comparison needs a handful of special functions (``ndtri``, ``stdtrit``, ``betaincinv``...),
all ufuncs of the compiled module ``scipy.special._ufuncs``. Importing the package around
them costs 0.2-0.4 s on a 2-core machine (SciPy 1.17): its array-API layer clones NumPy's
namespace, which loads ``numpy.f2py``, ``numpy.testing`` and ``numpy.ma``. The compiled
module alone loads in about 15 ms.

:data:`special` hands out the functions named in :data:`UFUNCS` from that module, loaded on
its own when the package is not imported yet, and every other name from the package itself.
The objects are the package's own (``scipy.special.ndtri is special.ndtri``), so every
number is the same as through ``scipy.special``; a test checks this for each name.

Loading the module alone means importing it under a stand-in for its package, for the moment
of the import, holding the interpreter's import lock so that no other thread starts an import
meanwhile. Another thread can still find the stand-in in :data:`sys.modules` (importing a
module that is there takes no lock: ``from scipy.special import erf``, ``import_module``):
any name the stand-in lacks then comes from the real package, imported once the stand-in is
gone. NumPy and SciPy's top package are imported first, outside the lock, so the lock is
never held while waiting on a module another thread is importing. Any failure (another SciPy
layout, a function that moved) falls back to the package import. When ``scipy.special`` is
imported later, its compiled helper modules (``_ufuncs_cxx``, ``_special_ufuncs``,
``_gufuncs``, ``_ellip_harm_2``) are already loaded and are not set again as attributes of
the package; importing them by name still finds them.
"""

from __future__ import annotations

import _imp
import _thread
import importlib
import sys
import types
from pathlib import Path
from typing import Any

__all__ = ["UFUNCS", "special"]

UFUNCS = frozenset(
    {
        "bdtr",
        "bdtrc",
        "betaincinv",
        "chdtrc",
        "log_ndtr",
        "ndtr",
        "ndtri",
        "stdtr",
        "stdtrit",
        "_nct_sf",  # what scipy.stats.nct.sf evaluates; not a public name of the package
    }
)
"""The functions taken from ``scipy.special._ufuncs`` (each one is ``scipy.special``'s own
object); any other name imports the package."""

_PACKAGE = "scipy.special"
_UFUNC_MODULE = "scipy.special._ufuncs"


_loader: int | None = None
"""The thread importing under the stand-in, while it does."""


class _StandIn(types.ModuleType):
    """``scipy.special`` while ``_ufuncs`` is imported under it. To the importing thread, a plain
    module; to another thread that found it in :data:`sys.modules`, the real package for every
    name it lacks (waiting for the import lock, so that the stand-in is gone)."""

    def __getattr__(self, name: str) -> Any:
        if _loader == _thread.get_ident():
            raise AttributeError(name)
        while True:
            _imp.acquire_lock()
            _imp.release_lock()
            real = importlib.import_module(_PACKAGE)
            if not isinstance(real, _StandIn):
                return getattr(real, name)


def _ufunc_module() -> types.ModuleType | None:
    """``scipy.special._ufuncs``, imported without its package when that is not imported
    yet; ``None`` when it cannot be (the caller then imports the package)."""
    loaded = sys.modules.get(_UFUNC_MODULE)
    if loaded is not None:
        return loaded
    import numpy  # noqa: F401  (whole packages first, outside the import lock)
    import scipy

    global _loader
    _imp.acquire_lock()
    try:
        if _PACKAGE in sys.modules:  # imported (or being imported) meanwhile
            return sys.modules.get(_UFUNC_MODULE)
        stand_in = _StandIn(_PACKAGE)
        stand_in.__path__ = [str(Path(scipy.__file__).parent / "special")]
        stand_in.__package__ = _PACKAGE
        _loader = _thread.get_ident()
        sys.modules[_PACKAGE] = stand_in
        try:
            return importlib.import_module(_UFUNC_MODULE)
        except Exception:
            return None
        finally:
            if sys.modules.get(_PACKAGE) is stand_in:
                del sys.modules[_PACKAGE]
            _loader = None
    finally:
        _imp.release_lock()


class _SpecialFunctions:
    """``scipy.special`` as far as assay uses it; a name is looked up once, then kept."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # probes (copy, pickle, inspect) import nothing
            raise AttributeError(name)
        value: Any = None
        if name in UFUNCS:
            module = _ufunc_module()
            value = getattr(module, name, None) if module is not None else None
        if value is None:
            value = getattr(importlib.import_module(_PACKAGE), name)
        self.__dict__[name] = value
        return value

    def __repr__(self) -> str:
        return "<scipy.special's functions, loaded on first use>"


special: Any = _SpecialFunctions()
"""``special.ndtri`` and the rest of :data:`UFUNCS` without importing ``scipy.special``; any
other attribute from the package."""
