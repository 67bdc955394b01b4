"""``assay serve``: the team server (HTTP API and dashboard) over the store."""

from __future__ import annotations

from typing import Annotated

import typer

from assay.cli._options import DbOption, positive_count
from assay.cli._render import console, safe

__all__ = ["serve_command"]


def serve_command(
    host: Annotated[
        str, typer.Option(help="Interface to bind; other than loopback needs --auth.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
    auth: Annotated[
        str,
        typer.Option(
            metavar="none|token|header",
            help="none: everyone is admin (loopback only); token: bearer tokens and sign-in "
            "with `assay users` tokens; header: a trusted header from a signing-in proxy.",
        ),
    ] = "none",
    auth_header: Annotated[
        str | None,
        typer.Option(help="With --auth header: the header holding the user name."),
    ] = None,
    header_role: Annotated[
        list[str] | None,
        typer.Option(help="With --auth header: NAME=ROLE; repeat for several users."),
    ] = None,
    header_default_role: Annotated[
        str | None,
        typer.Option(
            help="With --auth header: the role of users not given one (default: refused)."
        ),
    ] = None,
    max_upload_mb: Annotated[
        int,
        typer.Option(
            help="Largest request body accepted, in MiB.", metavar="MIB", callback=positive_count
        ),
    ] = 2048,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes answering requests (sessions and sign-in limits are kept "
            "in the store, so every worker shares them).",
            callback=positive_count,
        ),
    ] = 1,
    db: DbOption = None,
) -> None:
    """Serve the store over HTTP (API under /api/v1, dashboard at /) until Ctrl+C or SIGTERM."""
    from assay._util import require

    require("fastapi", "server", feature="the team server (`assay serve`)")
    require("uvicorn", "server", feature="the team server (`assay serve`)")
    from assay.errors import ConfigError
    from assay.server import Role, ServerSettings, serve

    if auth not in ("none", "token", "header"):
        raise ConfigError(f"--auth is none, token or header. Got {auth!r}.")
    roles = {}
    for item in header_role or []:
        name, sep, role = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(
                f"A --header-role is NAME=ROLE (ana@example.com=approver). Got {item!r}."
            )
        roles[name.strip()] = Role.parse(role)
    settings = ServerSettings(
        host=host,
        port=port,
        auth=auth,  # type: ignore[arg-type]  # checked above
        auth_header=auth_header,
        header_roles=roles,
        header_default_role=Role.parse(header_default_role) if header_default_role else None,
        max_upload_bytes=max_upload_mb * 1024**2,
        workers=workers,
    )

    def announce(url: str) -> None:
        processes = f", {workers} workers" if workers > 1 else ""
        console.print(
            f"assay serve: {safe(url)}/ (auth: {auth}{processes}); Ctrl+C stops.", highlight=False
        )

    serve(settings, db, announce=announce)
    console.print("assay serve: stopped.")
