"""``assay db gc``: remove the orphaned objects that writers killed mid-write left behind."""

from __future__ import annotations

import re
from typing import Annotated

import typer

import assay
from assay._util import plural
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe
from assay.errors import ConfigError

__all__ = ["db_gc", "parse_grace"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_grace(text: str) -> float:
    """Seconds in a duration such as ``6h``, ``30m``, ``2d`` or ``90`` (seconds)."""
    found = _DURATION.match(text)
    if found is None:
        raise ConfigError(f"--grace is a duration such as 6h, 30m, 2d or 90s. Got {text[:40]!r}.")
    return float(found.group(1)) * _SECONDS[found.group(2)]


def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n:,} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError  # pragma: no cover - the loop returns


def _age(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


def db_gc(
    grace: Annotated[
        str,
        typer.Option(
            help="Keep orphans younger than this (6h, 30m, 2d, 90s): their writer may still "
            "be about to commit."
        ),
    ] = "6h",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be removed; remove nothing.")
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Remove orphaned objects: record and examples files no row refers to, and temporary
    objects of interrupted writes, once older than --grace. A file a run or suite refers to,
    and a complete artifact, is never removed."""
    from assay.storage import sweep_orphans

    swept = sweep_orphans(assay.open_store(db), grace_seconds=parse_grace(grace), dry_run=dry_run)
    if json:
        emit_json(
            {
                "root": swept.root,
                "dry_run": swept.dry_run,
                "grace_seconds": swept.grace_seconds,
                "orphans": [
                    {
                        "location": o.location,
                        "size": o.size,
                        "age_seconds": round(o.age_seconds, 1),
                        "reason": o.reason,
                    }
                    for o in swept.orphans
                ],
                "bytes": swept.removed_bytes,
                "young": swept.young,
                "referenced": swept.referenced,
            }
        )
        return
    verb = "would remove" if swept.dry_run else "removed"
    for o in swept.orphans:
        console.print(
            f"{verb} {safe(o.location)}  {_size(o.size)}, {_age(o.age_seconds)} old: {o.reason}"
        )
    console.print(
        f"{verb} {plural(len(swept.orphans), 'orphaned object')}, "
        f"{_size(swept.removed_bytes)}, under {safe(swept.root)}; kept {swept.referenced:,} in "
        f"use and {plural(swept.young, 'orphan')} younger than {grace.strip()}"
    )
