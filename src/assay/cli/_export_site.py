"""``assay export-site``: a read-only static copy of decision pages, checkable offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import assay
from assay._util import plural
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe
from assay.errors import ConfigError


def export_site_command(
    directory: Annotated[Path, typer.Argument(help="New or empty folder to write the pages into.")],
    decision: Annotated[
        list[str] | None,
        typer.Option(
            "--decision",
            "-d",
            help="Decision id or prefix to include (repeatable; default: every decision).",
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write a read-only static copy of decision pages, with the comparisons and runs they
    reference, relative links, the stylesheets and a MANIFEST.json of every file's SHA-256
    and the ledger hashes shown (open index.html; no server needed)."""
    try:
        from assay.server import export_site
    except ImportError as exc:  # fastapi is the server extra
        raise ConfigError(
            f"export-site needs the server extra ({exc.name} is missing): "
            "pip install 'assay[server]'"
        ) from None
    done = export_site(assay.open_store(db), directory, decision or ())
    if json:
        emit_json(
            {
                "directory": str(done.directory),
                "files": done.files,
                "decisions": done.decisions,
                "head": done.head,
            }
        )
        return
    console.print(
        f"wrote {plural(len(done.files), 'file')} for {plural(len(done.decisions), 'decision')} to "
        f"{safe(str(done.directory))}; open index.html"
    )
    console.print(f"ledger chain head {done.head}; every file's SHA-256 is in MANIFEST.json")
