"""One registry for every named extension point: a decorator, an entry-point group, one
duplicate policy.

Built-in metrics, scorers, rule kinds and adapters register exactly as a third-party package
does: with the registry's decorator in a module that is imported, or by naming an object (or
a module that registers on import) in the registry's entry-point group of its package
metadata. The group is read once, on the first lookup, so importing assay stays cheap; when
no installed package names the group in its ``entry_points.txt``, that lookup reads only
those files, not :mod:`importlib.metadata`'s parse of every package.

The duplicate policy is the same everywhere: registering a taken name with a *different*
object is a :class:`~assay.errors.ConfigError` (a plug-in cannot silently replace a built-in)
unless ``replace=True``; registering the very same object again is a no-op, and so is
registering the same definition again (same module and qualified name: a module reloaded with
:func:`importlib.reload` makes new objects), which then takes the old one's place.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from importlib.machinery import PathFinder
from types import ModuleType
from typing import TYPE_CHECKING, Generic, TypeVar

from assay.errors import ConfigError, ParameterError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

__all__ = ["Registry"]

T = TypeVar("T")
E = TypeVar("E")


def entry_points(*, group: str) -> Iterable[EntryPoint]:
    """The installed packages' entry points of ``group``. :mod:`importlib.metadata` is imported
    here, on the first lookup, and only when some installed package may declare ``group``
    (:func:`_maybe_declared`): with the e-mail parser it brings and its parse of every
    package's entry points, it is 40-60 ms of a command that looks up one built-in name."""
    if not _maybe_declared(group):
        return ()
    from importlib.metadata import entry_points as installed

    return installed(group=group)


def _maybe_declared(group: str) -> bool:
    """False only when no distribution :mod:`importlib.metadata` finds can declare ``group``.

    It finds them as this does: through the finders of :data:`sys.meta_path` with a
    ``find_distributions`` method, the standard one reading each ``*.dist-info`` and
    ``*.egg-info`` folder (and an ``.egg`` folder's ``EGG-INFO``) of every :data:`sys.path`
    entry. A group's entry points are a section ``[group]`` of a folder's
    ``entry_points.txt``, so a file without the group's name among its bytes declares none.
    Anything else (another finder, a zip file on the path, a file that cannot be read) may
    declare it: True, and :mod:`importlib.metadata` reads it.
    """
    for finder in sys.meta_path:
        if finder is not PathFinder and hasattr(finder, "find_distributions"):
            return True
    wanted = group.encode("utf-8")
    for entry in sys.path:
        if not isinstance(entry, str):
            return True
        root = entry or "."
        try:
            children = os.listdir(root)
        except OSError:
            if os.path.exists(root):
                return True  # a zip file, or a folder that cannot be listed
            continue
        egg = os.path.basename(entry).lower().endswith(".egg")
        for child in children:
            low = child.lower()
            if low.endswith((".dist-info", ".egg-info")) or (egg and low == "egg-info"):
                try:
                    with open(os.path.join(root, child, "entry_points.txt"), "rb") as file:
                        if wanted in file.read():
                            return True
                except (FileNotFoundError, NotADirectoryError):
                    continue  # no entry points there (an .egg-info file, not a folder)
                except OSError:
                    return True
    return False


class Registry(Generic[T]):
    """Objects of one kind by name.

    ``kind`` names one entry in messages ("metric"), ``plural`` the list ("metrics");
    ``group`` is the entry-point group read on the first lookup. ``check`` validates an
    object when it is registered (raise :class:`~assay.errors.ConfigError`). An entry point
    names either an object, registered under the entry point's name, or a module, whose
    import registers what it defines. ``function`` names the public decorator in argument
    errors.
    """

    def __init__(
        self,
        kind: str,
        *,
        plural: str | None = None,
        group: str | None = None,
        function: str = "register",
        check: Callable[[str, T], None] | None = None,
    ) -> None:
        self.kind = kind
        self.plural = plural or f"{kind}s"
        self.group = group
        self.function = function
        self._check = check
        self._entries: dict[str, T] = {}
        self._loaded = group is None

    def register(self, name: str, *, replace: bool = False) -> Callable[[E], E]:
        """Register the decorated object under ``name`` and return it unchanged."""
        self._check_name(name)

        def decorator(obj: E) -> E:
            self.add(name, obj, replace=replace)  # type: ignore[arg-type]
            return obj

        return decorator

    def add(self, name: str, obj: T, *, replace: bool = False) -> None:
        """Register ``obj`` under ``name`` (the decorator's work, as a call)."""
        self._check_name(name)
        taken = self._entries.get(name)
        if taken is obj:
            return
        if taken is not None and not replace and not _same_definition(taken, obj):
            raise ConfigError(
                f"A {self.kind} named {name!r} is already registered; pass replace=True to "
                "replace it."
            )
        if self._check is not None:
            self._check(name, obj)
        self._entries[name] = obj

    def get(self, name: str) -> T:
        """The object registered as ``name``; a ConfigError with the close and known names."""
        self._load_entry_points()
        try:
            return self._entries[name]
        except KeyError:
            pass
        import difflib  # only for this message: not loaded by every process that imports assay

        known = self.names()
        close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        listed = ", ".join(known) if known else "none"
        raise ConfigError(
            f"No {self.kind} is registered as {name!r}.{hint} Known {self.plural}: {listed}."
        )

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        self._load_entry_points()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load_entry_points()
        return name in self._entries

    def _check_name(self, name: object) -> None:
        if not isinstance(name, str) or not name:
            raise ParameterError("name", self.function, "a non-empty string", name)

    def _load_entry_points(self) -> None:
        if self._loaded:
            return
        # set first: an entry point's module may look names up while it registers
        self._loaded = True
        broken: list[str] = []
        for ep in entry_points(group=self.group or ""):
            if ep.name in self._entries:
                continue  # registered in code first: the explicit registration wins
            try:
                loaded = ep.load()
            except Exception as exc:  # one broken plug-in must not hide the others
                broken.append(f"{ep.name} = {ep.value} ({type(exc).__name__}: {exc})")
                continue
            if ep.name in self._entries or isinstance(loaded, ModuleType):
                continue  # a module registers what it defines when it is imported
            self.add(ep.name, loaded)
        if broken:
            self._loaded = False  # the next lookup tries the broken ones again and says so
            raise ConfigError(
                f"Cannot load the {self.group!r} entry point(s) {'; '.join(broken)}. "
                "Fix or uninstall the package that declares them."
            )


def _same_definition(old: object, new: object) -> bool:
    # a lambda or a function defined inside another one has no importable name of its own
    where = [(getattr(o, "__module__", None), getattr(o, "__qualname__", None)) for o in (old, new)]
    module, qualname = where[0]
    return (
        where[0] == where[1]
        and isinstance(module, str)
        and isinstance(qualname, str)
        and "<" not in qualname
    )
