"""``assay runs tag`` and ``assay runs note``: metadata added to a stored run.

The run itself (records, manifest, content digest) never changes; tags and notes are kept
beside it with the time they were added.
"""

from __future__ import annotations

from typing import Annotated

import typer

import assay
from assay.cli._options import DbOption, JsonOption, parse_pairs
from assay.cli._render import console, emit_json, safe

__all__ = ["note_command", "tag_command"]

RunArgument = Annotated[
    str, typer.Argument(help="Run id, unique id prefix, or MODEL@VERSION.", show_default=False)
]


def tag_command(
    run: RunArgument,
    tags: Annotated[
        list[str], typer.Argument(help="KEY=VALUE; several may follow.", show_default=False)
    ],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Set tags on a stored run (a new value replaces the old; each change is kept)."""
    tagged = assay.tag_run(run, parse_pairs(tags, "tag"), store=assay.open_store(db))
    r = tagged.run
    if json:
        emit_json(
            {
                "run_id": r.run_id,
                "tags": r.tags,
                "changes": [
                    {"key": c.key, "value": c.value, "previous": c.previous} for c in tagged.changes
                ],
            }
        )
        return
    if not tagged.changes:
        console.print(f"run {r.run_id[:12]} already has these tags; nothing changed")
    for c in tagged.changes:
        was = "added" if c.previous is None else f"was {safe(c.previous)}"
        console.print(f"run {r.run_id[:12]}: {safe(c.key)}={safe(c.value)} ({was})")
    console.print(f"tags now: {safe(', '.join(f'{k}={v}' for k, v in r.tags.items()))}")


def note_command(
    run: RunArgument,
    text: Annotated[
        str | None,
        typer.Argument(
            help="The note; without it, the run's notes are listed.", show_default=False
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Add a note to a stored run, or list its notes."""
    store = assay.open_store(db)
    if text is not None:
        note = assay.note_run(run, text, store=store)
        if json:
            emit_json(_note_json(note))
        else:
            console.print(f"note added to run {note.run_id[:12]}")
        return
    notes = store.runs.notes(run)
    if json:
        emit_json([_note_json(n) for n in notes])
        return
    if not notes:
        console.print("no notes")
    for n in notes:
        console.print(f"{n.created_at:%Y-%m-%d %H:%M} UTC  {safe(n.text)}")


def _note_json(note: assay.storage.RunNote) -> dict[str, object]:
    return {
        "run_id": note.run_id,
        "sequence": note.sequence,
        "text": note.text,
        "created_at": note.created_at.isoformat(),
    }
