"""Typer as the command line wants it: help and usage words, and lighter value conversion.

Each fix patches one Typer hook, once, and leaves a Typer without that hook as it is.
"""

from __future__ import annotations

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


def install_typer_fixes() -> None:
    """Apply every fix (idempotent)."""
    _flags_without_a_type()
    _plain_argument_names()
    convert_without_pydantic()
