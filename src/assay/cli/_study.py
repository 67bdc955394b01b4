"""``assay study``: register, attach to, kill and follow a pre-registered study; ``assay
studies``: the roadmap."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import assay
from assay._util import plural
from assay.cli._inputs import readable_file
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, new_table, safe

if TYPE_CHECKING:
    from assay.workflows import StudyStatus

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
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Check a study file, compute its sample size from the power calculation, and freeze it
    in the ledger with its digest."""
    from assay.workflows import register_study

    registration, entry = register_study(study_file, supersede=supersede, store=_store(db))
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
    console.print(
        f"study {safe(plan.name)} registered (version {registration.version}, digest "
        f"{registration.digest()[:12]}, ledger entry {entry.sequence})"
    )
    console.print(f"sample size: {size.required:,} required by {safe(size.method)}")
    if size.stated is not None:
        power = "" if size.power_at_stated is None else f", power {size.power_at_stated:.1%}"
        verdict = "UNDERPOWERED: below the required n" if size.underpowered else "enough"
        console.print(f"stated n: {size.stated:,}{power}; {verdict}")


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


def _difference(evidence: dict[str, Any] | None) -> str:
    """``-0.0608 [-0.0776, -0.0445]``: the difference on the primary metric with its interval."""
    if not evidence or evidence.get("difference") is None:
        return "-"
    low, high = evidence.get("low"), evidence.get("high")
    bounds = "" if low is None or high is None else f" [{low:+.3g}, {high:+.3g}]"
    return f"{evidence['difference']:+.3g}{bounds}"


def _print_status(s: StudyStatus) -> None:
    from assay.reports import study_evidence_text

    overdue = " [bold red]OVERDUE[/]" if s.overdue else ""
    console.print(
        f"[bold]{safe(s.name)}[/] ({s.kind}, version {s.version}, digest {s.digest[:12]}): "
        f"{s.state}; owner {safe(s.owner)}; deadline {s.deadline}{overdue}"
    )
    console.print(f"hypothesis: {safe(s.hypothesis)}")
    console.print(
        f"primary metric: {safe(s.primary_metric)}, effect that matters "
        f"{s.minimum_effect:g}; decision rule: policy {safe(s.policy)}"
    )
    size = s.sample_size
    console.print(f"planned n: {size['planned']:,} ({safe(size['method'])})")
    console.print(f"evidence: {safe(study_evidence_text(s.to_dict()))}")
    if s.futility is not None:
        console.print(f"futility: {safe(s.futility['message'])}")
    console.print(f"outcome: [bold]{safe(s.outcome)}[/]")
    if s.deviations:
        console.print(f"[bold yellow]{plural(len(s.deviations), 'deviation')} from the plan:[/]")
        for d in s.deviations:
            console.print(f"  - {safe(d.message)}")
    else:
        console.print("deviations: none")


@study_app.command("status")
def status_command(name: Name, db: DbOption = None, json: JsonOption = False) -> None:
    """Evidence so far, progress against the planned n, futility on the confidence sequence,
    and every deviation from the registered plan."""
    from assay.workflows import study_status

    found = study_status(name, store=_store(db))
    if json:
        emit_json(found.to_dict())
    else:
        _print_status(found)


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
    table = new_table(
        "Research roadmap",
        ["study", "state", "owner", "deadline", "difference", "n / planned", "outcome", "dev."],
        numbers=["difference", "n / planned", "dev."],
    )
    for s in found:
        deadline = f"{s.deadline}" + (" OVERDUE" if s.overdue else "")
        name = safe(s.name) + (" (registration does not verify)" if s.problems else "")
        table.add_row(
            name,
            s.state,
            safe(s.owner),
            deadline,
            _difference(s.evidence),
            f"{s.evidence['n']:,} / {s.sample_size['planned']:,}" if s.evidence else "-",
            safe(s.outcome),
            str(len(s.deviations)),
        )
    console.print(table)
    console.print(
        "difference: candidate minus baseline on the primary metric, with its interval "
        "(`assay study status NAME` names the method); dev.: deviations from the plan"
    )
    for path in (html, markdown):
        if path is not None:
            console.print(f"roadmap: {safe(path)}")
