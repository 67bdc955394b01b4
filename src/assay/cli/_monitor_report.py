"""``assay monitor report NAME -o FILE``: a monitor's quality watches over time as HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe

__all__ = ["monitor_report_command"]


def monitor_report_command(
    name: Annotated[str, typer.Argument(help="The monitor's name.")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the HTML report here.")
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write one monitor's report: each watch's state, error budget left, threshold and its
    confidence sequence over the looks (inline SVG, no scripts). --json prints the same as
    data (the status and every stored look), with or without -o."""
    import assay.workflows as wf
    from assay.errors import ConfigError
    from assay.storage import open_store

    if output is None and not json:
        raise ConfigError("give -o FILE (the HTML report), --json, or both")
    report = wf.monitor_report(name, output=output, store=open_store(db))
    if json:
        emit_json(report)
        return
    console.print(f"report: {safe(str(report['report']))}")
