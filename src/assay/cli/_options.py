"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

from assay.cli._render import FORMATS, output_format, set_output_format
from assay.errors import ConfigError

__all__ = ["DbOption", "FormatOption", "JsonOption", "choose_format", "parse_pairs"]


def _json_or_format(value: bool) -> bool:
    # `--format json` (here or before the command) is `--json`
    return bool(value) or output_format() == "json"


def choose_format(value: str | None) -> str | None:
    """Check and apply a ``--format`` value (``None``: keep the default)."""
    if value is None:
        return None
    if value not in FORMATS:
        raise typer.BadParameter(f"is table, plain or json. Got {value!r}.")
    set_output_format(value)
    return value


JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print the complete result as JSON.", callback=_json_or_format),
]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        metavar="table|plain|json",
        help="table: rich tables; plain: aligned columns, no box drawing, no wrapping; json: as "
        "--json. Default: table on a terminal, plain when piped.",
        callback=choose_format,
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ASSAY_DB",
        help="Store URL (postgresql://…). Default: the embedded store in $ASSAY_HOME or ./.assay.",
        show_envvar=True,
    ),
]


def parse_pairs(items: list[str] | None, what: str) -> dict[str, str]:
    """Parse repeated ``KEY=VALUE`` options."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"A {what} is KEY=VALUE. Got {item!r}.")
        out[key.strip()] = value.strip()
    return out


def positive_count(value: int | None) -> int | None:
    """A typer callback: a count of 1 or more (checked here, not with ``min=1``, whose
    ``[x>=1]`` the help would show beside the option)."""
    if value is not None and value < 1:
        import typer

        raise typer.BadParameter(f"{value} is not a positive whole number: give 1 or more.")
    return value


def non_negative_count(value: int | None) -> int | None:
    """A typer callback: a count of 0 or more (see :func:`positive_count`)."""
    if value is not None and value < 0:
        import typer

        raise typer.BadParameter(f"{value} is negative: give 0 or more.")
    return value
