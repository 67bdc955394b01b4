"""``assay monitor report NAME -o FILE``: a monitor's quality watches over time as HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assay.cli._options import DbOption
from assay.cli._render import console, safe

__all__ = ["monitor_report_command"]


def monitor_report_command(
    name: Annotated[str, typer.Argument(help="The monitor's name.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Write the HTML report here.")],
    db: DbOption = None,
) -> None:
    """Write one monitor's report: each watch's state, error budget left, threshold and its
    confidence sequence over the looks (inline SVG, no scripts)."""
    import assay.workflows as wf
    from assay.storage import open_store

    path = wf.write_monitor_report(name, output, store=open_store(db))
    console.print(f"report: {safe(str(path))}")
