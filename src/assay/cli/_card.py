"""``assay card`` (and ``assay card verify``) and ``assay suites datasheet``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

import assay
import assay.workflows as wf
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, error_console, safe, stdout

__all__ = ["card_command", "datasheet_command"]

CardFormat = Annotated[
    str | None,
    typer.Option(
        "--format",
        metavar="hf|markdown|html|json",
        help="hf: a Hugging Face README.md (YAML metadata with model-index results); markdown; "
        "html: one self-contained page; json. Default: the previous card's form, else markdown.",
    ),
]
Out = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write to this file (atomically) instead of stdout."),
]


def _verify(model: str, card: Path | None, db: str | None, json: bool) -> None:
    state = wf.verify_card(model, card=card, store=assay.open_store(db))
    if json:
        emit_json(
            {
                "model": state.model,
                "present": state.present,
                "current": state.current,
                "reason": state.reason,
                "card_digest": state.card_digest,
                "source": state.source,
                "changes": [{"evidence": c.key, "change": c.change} for c in state.changes],
                "edited": state.edited,
                "layout": state.layout,
            }
        )
    else:
        word = (
            "[green]current[/]"
            if state.current
            else "[red]edited[/]"
            if state.edited
            else "[red]stale[/]"
            if state.present
            else "[red]no card[/]"
        )
        console.print(f"{word}: {safe(state.reason)}")
    if not state.current:
        raise typer.Exit(1)


def card_command(
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="[verify] MODEL",
            help="The model (NAME or NAME@VERSION); 'verify MODEL' checks a card instead.",
        ),
    ],
    card_format: CardFormat = None,
    out: Out = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="The previous card (any format), whose human sections "
            "are kept. Default: the last published card.",
        ),
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Record the card's digest and evidence in the ledger.")
    ] = False,
    card: Annotated[
        Path | None,
        typer.Option(
            "--card", help="verify: the card file to check (default: the newest published card)."
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write a model card whose facts come from the store, or check one ('verify').

    'assay card verify MODEL' exits 0 when the card is current, 1 when stale, and says why.
    """
    if len(words) == 2 and words[0] == "verify":
        _verify(words[1], card, db, json)
        return
    if len(words) != 1:
        raise typer.BadParameter("give MODEL, or verify MODEL", param_hint="[verify] MODEL")
    if card is not None:
        raise typer.BadParameter("--card is for 'assay card verify MODEL'", param_hint="--card")
    result = wf.model_card(
        words[0],
        format=card_format,
        out=out,
        previous=previous,
        publish=publish,
        store=assay.open_store(db),
    )
    summary: dict[str, Any] = {
        "model": result.card.model,
        "format": result.format,
        "card_digest": result.card.digest,
        "path": str(result.path) if result.path else None,
        "previous": result.previous,
        "changes": result.changes.lines(),
        "published": result.entry.sequence if result.entry else None,
        "evidence": result.card.evidence,
    }
    if json:
        if result.path is None:
            summary["card"] = result.text
        emit_json(summary)
        return
    say = console if result.path is not None else error_console()
    if result.path is None:
        stdout.write(result.text)
    else:
        say.print(
            f"wrote the {result.format} card of {safe(result.card.model)} to {safe(result.path)}"
        )
    for line in result.changes.lines():
        say.print(f"  {safe(line)}")
    if result.entry is not None:
        say.print(
            f"published: ledger entry {result.entry.sequence} (card digest "
            f"{result.card.digest[:12]})"
        )


def datasheet_command(
    suite: Annotated[str, typer.Argument(help="Suite name, NAME@VERSION or digest prefix.")],
    sheet_format: Annotated[
        str, typer.Option("--format", metavar="markdown|html|json", help="The datasheet's form.")
    ] = "markdown",
    out: Out = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write a suite's datasheet: its catalog and computed facts, the rest left to a person."""
    result = wf.suite_datasheet(
        suite, format="json" if json else sheet_format, out=out, store=assay.open_store(db)
    )
    if result.path is None:
        stdout.write(result.text)
    elif json:
        emit_json({"suite": result.datasheet.suite, "path": str(result.path)})
    else:
        console.print(
            f"wrote the datasheet of {safe(result.datasheet.suite)} to {safe(result.path)}"
        )
