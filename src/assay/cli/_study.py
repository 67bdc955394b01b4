"""``assay study``: register, attach to, kill and follow a pre-registered study; ``assay
studies``: the roadmap."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

import assay
from assay.cli._inputs import readable_file
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe
from assay.cli._study_render import print_roadmap, print_status, say

__all__ = ["studies_command", "study_app"]

study_app = typer.Typer(
    help="Pre-registered studies: register the plan before the results, attach runs and "
    "decisions, follow progress and deviations.",
    no_args_is_help=True,
)
Name = Annotated[str, typer.Argument(help="The study's name.", show_default=False)]


def _store(db: str | None) -> Any:
    return assay.open_store(db) if db else None


@study_app.command("register")
def register_command(
    study_file: Annotated[
        Path,
        typer.Argument(
            help="The study file (YAML).",
            callback=readable_file("the study file"),
            show_default=False,
        ),
    ],
    supersede: Annotated[
        str | None,
        typer.Option(
            "--supersede",
            metavar="REASON",
            help="Register a new version of an already registered study, for this reason.",
        ),
    ] = None,
    after_decision: Annotated[
        bool,
        typer.Option(
            "--after-decision",
            help="With --supersede: replace the plan of a study already decided. Recorded in "
            "the new version and flagged as a deviation wherever the study is read.",
        ),
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Check a study file, compute its sample size from the power calculation, and freeze it
    in the ledger with its digest."""
    from assay.workflows import register_study

    registration, entry = register_study(
        study_file, supersede=supersede, after_decision=after_decision, store=_store(db)
    )
    size = registration.sample_size
    if json:
        emit_json(
            {
                **registration.payload(),
                "sequence": entry.sequence,
                "recorded_at": entry.recorded_at.isoformat(),
                "planned_n": size.planned,
                "underpowered": size.underpowered,
            }
        )
        return
    plan = registration.plan
    say(
        f"study {plan.name} registered (version {registration.version}, digest "
        f"{registration.digest()[:12]}, ledger entry {entry.sequence})"
    )
    say(f"sample size: {size.required:,} required by {size.method}")
    if size.stated is not None:
        power = "" if size.power_at_stated is None else f", power {size.power_at_stated:.1%}"
        verdict = "UNDERPOWERED: below the required n" if size.underpowered else "enough"
        say(f"stated n: {size.stated:,}{power}; {verdict}")


@study_app.command("attach")
def attach_command(
    name: Name,
    run: Annotated[str | None, typer.Option("--run", help="A stored run's id or prefix.")] = None,
    decision: Annotated[
        str | None, typer.Option("--decision", help="A recorded decision's id or prefix.")
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Attach a run (the first is the baseline) or a decision to a registered study."""
    from assay.workflows import attach_to_study

    entry = attach_to_study(name, run=run, decision=decision, store=_store(db))
    if json:
        emit_json({"sequence": entry.sequence, **entry.payload})
        return
    what = "run" if "run" in entry.payload else "decision"
    console.print(
        f"{what} {str(entry.payload[what])[:12]} attached to study {safe(name)} "
        f"(ledger entry {entry.sequence})"
    )


@study_app.command("kill")
def kill_command(
    name: Name,
    reason: Annotated[str, typer.Option("--reason", help="Why the study stops for good.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Stop a study for good (a kill criterion met, futility), with the reason."""
    from assay.workflows import kill_study

    entry = kill_study(name, reason=reason, store=_store(db))
    if json:
        emit_json({"study": name, "sequence": entry.sequence, **entry.payload})
        return
    console.print(f"study {safe(name)} killed (ledger entry {entry.sequence})")


@study_app.command("status")
def status_command(name: Name, db: DbOption = None, json: JsonOption = False) -> None:
    """Evidence so far, progress against the planned n, futility on the confidence sequence,
    and every deviation from the registered plan."""
    from assay.workflows import study_status

    found = study_status(name, store=_store(db))
    if json:
        emit_json(found.to_dict())
    else:
        print_status(found)


def studies_command(
    state: Annotated[
        str | None,
        typer.Option(
            "--state", metavar="planned|running|decided|killed", help="Only studies in this state."
        ),
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the roadmap as an HTML page.")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--md", help="Also write the roadmap as Markdown.")
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """The research roadmap: every study's state, owner, deadline (overdue flagged), evidence
    so far and kill/continue outcome."""
    from assay.workflows import list_studies, write_roadmap

    store = _store(db)
    found = list_studies(state=state, store=store)
    for path, form in ((html, "html"), (markdown, "markdown")):
        if path is not None:
            write_roadmap(path, format=form, studies=found)
    if json:
        emit_json({"items": [s.to_dict() for s in found]})
        return
    if not found:
        console.print("No study is registered: register one with `assay study register FILE`.")
        return
    print_roadmap(found)
    for path in (html, markdown):
        if path is not None:
            console.print(f"roadmap: {safe(path)}")
