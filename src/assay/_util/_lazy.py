"""A module imported on first attribute access, for libraries a command may never need.

Listing runs reads only the database; importing pyarrow (~0.1 s, with numpy) for the record
files it never opens would double its start-up. ``pa = lazy_module("pyarrow")`` behaves as
the module from the first ``pa.Table`` on; type checkers see the real import::

    if TYPE_CHECKING:
        import pyarrow as pa
    else:
        pa = lazy_module("pyarrow")
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

__all__ = ["lazy_exports", "lazy_module"]


class _LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


def lazy_module(name: str) -> Any:
    """A stand-in for ``import name`` that imports the module on first attribute access."""
    return _LazyModule(name)


def lazy_exports(
    package: str, where: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` (PEP 562) for public names imported on
    first use: ``where`` maps each name to the module defining it; a name once imported is
    kept in ``namespace`` (the package's globals), so it is looked up only once. A name that
    maps to the package's own submodule of that name (``"bootstrap": "pkg.bootstrap"``) is
    that submodule, as it is once anything imported it::

        __getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        imported = importlib.import_module(module)
        value = imported if module == f"{package}.{name}" else getattr(imported, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
