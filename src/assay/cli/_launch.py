"""``assay launch``: launch readiness against a checklist, and sign-offs by role."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import assay
from assay._util import plural
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe, say_wrapped

launch_app = typer.Typer(
    help="Launch readiness: required evidence and sign-offs by role.", no_args_is_help=True
)

ChecklistOption = Annotated[
    Path | None,
    typer.Option(
        "--checklist",
        help="Launch checklist YAML (default: the one file under ./launch/ whose 'models' "
        "globs match the model).",
    ),
]


@launch_app.command("check")
def launch_check(
    model: Annotated[str, typer.Argument(help="Model, NAME or NAME@VERSION.")],
    checklist: ChecklistOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> int:
    """READY or NOT READY (exit 0 / 1): each evidence item looked up in the store, each
    sign-off in the ledger; what is missing says who can clear it."""
    from assay.workflows import check_launch

    result = check_launch(model, checklist=checklist, store=assay.open_store(db))
    if json:
        emit_json(result.to_dict())
        return 0 if result.ready else 1
    say_wrapped(
        f"{result.model} against the launch checklist {result.checklist} "
        f"({result.source}, digest {result.checklist_digest[:12]})",
        style="bold",
    )
    hang = " " * 10
    for item in result.items:
        status, colour = ("ok      ", "green") if item.satisfied else ("MISSING ", "bold red")
        say_wrapped(
            f"{item.item} ({item.kind}): {item.detail}",
            first=f"  {status}",
            indent=hang,
            first_style=colour,
        )
        if item.found:
            say_wrapped(", ".join(item.found), first=f"{hang}evidence: ", indent=hang)
        if not item.satisfied and item.clear_by:
            say_wrapped(item.clear_by, first=f"{hang}clear: ", indent=hang)
    if result.ready:
        console.print(f"[bold green]READY[/]: all {plural(len(result.items), 'item')} clear")
    else:
        say_wrapped(
            f"{len(result.missing)} of {plural(len(result.items), 'item')} missing "
            f"({', '.join(i.item for i in result.missing)})",
            first="NOT READY: ",
            first_style="bold red",
        )
    return 0 if result.ready else 1


@launch_app.command("sign")
def launch_sign(
    item: Annotated[str, typer.Argument(help="The checklist's sign-off item.")],
    model: Annotated[str, typer.Option(help="Model, NAME or NAME@VERSION.")],
    role: Annotated[str, typer.Option(help="The role signing (one the checklist names).")],
    name: Annotated[
        str | None,
        typer.Option(
            help="Who signs (default: the signing key's owner; a team server records its "
            "signed-in user)."
        ),
    ] = None,
    note: Annotated[str, typer.Option(help="Why, in your words.")] = "",
    checklist: ChecklistOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Record a launch sign-off in the ledger (signed when a key is configured). A model with
    no runs (exit 8), a role the checklist does not know, or an evidence item, is refused and
    nothing is recorded."""
    from assay.workflows import sign_launch

    entry = sign_launch(
        item,
        model=model,
        role=role,
        name=name,
        note=note,
        checklist=checklist,
        store=assay.open_store(db),
    )
    if json:
        emit_json(entry.model_dump(mode="json"))
        return
    who = entry.payload.get("by") or entry.payload.get("name")
    signed = " (signed)" if entry.payload.get("signature") else ""
    console.print(
        f"sign-off of {safe(item)} for {safe(model)} by {safe(str(who))} as {safe(role)} "
        f"recorded as ledger entry {entry.sequence}{signed}: {entry.entry_hash[:16]}"
    )
