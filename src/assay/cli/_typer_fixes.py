"""Typer as the command line wants it: help and usage words, and lighter value conversion.

Each fix patches one Typer hook, once, and leaves a Typer without that hook as it is.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

from assay.cli._coercion import install as convert_without_pydantic

__all__ = ["install_typer_fixes"]


def _flags_without_a_type() -> None:
    # Typer's help shows `--json <bool>` for an on/off flag, which takes no value; this is its
    # one hook for the word shown after an option (None: nothing).
    import typer.core

    option = typer.core.TyperOption
    shown = option.display_type_rich
    if getattr(shown, "assay_flags", False):
        return

    def display_type_rich(self: typer.core.TyperOption, ctx: object) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        return shown(self, ctx)  # type: ignore[arg-type]

    display_type_rich.assay_flags = True  # type: ignore[attr-defined]
    option.display_type_rich = display_type_rich  # type: ignore[method-assign]


def _plain_argument_names() -> None:
    # Typer's usage line writes a required argument as `{baseline}`, braces that read as a
    # set or a template; the usual `BASELINE` (and `[NAME]` when optional) is what people know.
    import typer.core

    argument = typer.core.TyperArgument
    if getattr(argument._usage_display_name, "assay_plain", False):
        return

    def usage_name(self: typer.core.TyperArgument) -> str:
        name = str(self.display_name_raw)
        if self.metavar is None:
            name = name.upper()
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    usage_name.assay_plain = True  # type: ignore[attr-defined]
    argument._usage_display_name = usage_name  # type: ignore[method-assign]


class _StandIn(type):
    """A class of a module not imported yet: the real class is imported on first use (a call
    or an attribute), from the module named by the stand-in's ``__module__``."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return _real_class(cls)(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(_real_class(cls), name)


def _real_class(stand_in: type) -> Any:
    return getattr(importlib.import_module(stand_in.__module__), stand_in.__name__)


# The classes Typer's help renderer imports at its top and help never uses: Markdown only in
# the "markdown" markup mode (the command line writes rich markup), Traceback only for
# Typer's own exception pages (turned off: the command line prints its errors itself).
_UNUSED_BY_HELP = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


def _rich_utils() -> ModuleType:
    """``typer.rich_utils``, imported with stand-ins for the classes of ``_UNUSED_BY_HELP``
    whose modules are not loaded yet (those modules bring markdown-it, Pygments and attrs:
    a third of ``assay --help``'s time)."""
    placed: dict[str, ModuleType] = {}
    for module, name in _UNUSED_BY_HELP.items():
        if module not in sys.modules:
            placed[module] = ModuleType(module)
            setattr(placed[module], name, _StandIn(name, (), {"__module__": module}))
    sys.modules.update(placed)
    try:
        return importlib.import_module("typer.rich_utils")
    finally:
        for module, stand_in in placed.items():
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]


class _HelpRenderer(ModuleType):
    """Stands in for ``typer.rich_utils`` until help or an error is first shown; what is
    read, written (an app's STYLE_* settings) or deleted on it is on the real module."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_rich_utils(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(_rich_utils(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(_rich_utils(), name)

    def __dir__(self) -> list[str]:
        return dir(_rich_utils())


def _help_without_markdown() -> None:
    # Typer imports its help renderer where it is used (`from . import rich_utils`), which
    # takes the package's attribute when there is one: this stand-in imports it on first use.
    import typer

    if "typer.rich_utils" not in sys.modules and not hasattr(typer, "rich_utils"):
        typer.rich_utils = _HelpRenderer("typer.rich_utils")  # type: ignore[attr-defined]


def install_typer_fixes() -> None:
    """Apply every fix (idempotent)."""
    _flags_without_a_type()
    _plain_argument_names()
    _help_without_markdown()
    convert_without_pydantic()
