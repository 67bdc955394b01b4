"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

from assay.errors import ConfigError

__all__ = ["DbOption", "JsonOption", "parse_pairs"]

JsonOption = Annotated[bool, typer.Option("--json", help="Print the complete result as JSON.")]
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
