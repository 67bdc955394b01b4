"""``assay decisions``: recorded decisions, approvals and the ledger."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

import assay
from assay.cli._decide import _STYLE
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe

decisions_app = typer.Typer(
    help="Recorded decisions, approvals and the ledger.", no_args_is_help=True
)


@decisions_app.command("list")
def decisions_list(db: DbOption = None, json: JsonOption = False) -> None:
    """Recorded decisions, newest first."""
    items = assay.list_decisions(store=assay.open_store(db))
    if json:
        emit_json([d.model_dump(mode="json") for d in items])
        return
    table = Table(title=f"{len(items)} decision(s)")
    for col in ("decision", "created", "verdict", "title", "policy"):
        table.add_column(col, overflow="fold")
    for d in items:
        table.add_row(
            d.decision_id[:12],
            f"{d.created_at:%Y-%m-%d %H:%M}",
            f"[{_STYLE[d.verdict.value]}]{d.verdict.value}[/]",
            safe(d.title),
            safe(d.policy),
        )
    console.print(table)


@decisions_app.command("show")
def decisions_show(
    decision: Annotated[str, typer.Argument(help="Decision id or prefix.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """A decision, its evidence and its approvals."""
    details = assay.get_decision(decision, store=assay.open_store(db))
    d, approvals = details.decision, details.approvals
    if json:
        emit_json(
            {
                **d.model_dump(mode="json"),
                "approvals": [a.model_dump(mode="json") for a in approvals],
            }
        )
        return
    console.print(
        f"[bold]{safe(d.title)}[/]\n[{_STYLE[d.verdict.value]}]{d.verdict.value}[/] {safe(d.summary)}"
    )
    console.print(
        f"policy {safe(d.policy)} {d.policy_digest[:12]}; baseline {d.baseline_run[:12]}, candidate {d.candidate_run[:12]}"
    )
    for role, digest in d.artifacts.items():
        console.print(f"  evidence {role}: artifact {digest[:16]}")
    for a in approvals:
        console.print(
            f"  {a.status} by {safe(a.name)} as {safe(a.role)} at {a.at:%Y-%m-%d %H:%M} {safe(a.note)}"
        )


@decisions_app.command("approve")
def decisions_approve(
    decision: Annotated[str, typer.Argument(help="Decision id or prefix.")],
    role: Annotated[str, typer.Option(help="Role signing (safety, privacy, product, lead, ...).")],
    name: Annotated[str, typer.Option(help="Who signs.")],
    reject: Annotated[bool, typer.Option("--reject", help="Record an objection instead.")] = False,
    note: Annotated[str, typer.Option(help="Why.")] = "",
    db: DbOption = None,
) -> None:
    """Append an approval (or an objection) to the ledger."""
    entry = assay.approve(
        decision,
        role=role,
        name=name,
        status="rejected" if reject else "approved",
        note=note,
        store=assay.open_store(db),
    )
    console.print(f"ledger entry {entry.sequence}: {entry.entry_hash[:16]}")


@decisions_app.command("verify")
def decisions_verify(
    head: Annotated[
        str | None,
        typer.Option(
            "--head",
            help="A head hash printed by an earlier verify: fail if that entry is gone "
            "(entries removed from the end).",
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> int:
    """Check the ledger's hash chain, that no decision was edited, and that each decision's
    evidence (runs, metric rows, record files, reports, memo, policy) still hashes to what
    its entry recorded; print the head hash to keep elsewhere (exit 5 if tampered)."""
    result = assay.verify_ledger(head=head, store=assay.open_store(db))
    if json:
        emit_json(
            {
                "ok": result.ok,
                "entries": result.entries,
                "first_bad_sequence": result.first_bad_sequence,
                "reason": result.reason,
                "head": result.head,
                "evidence_problems": [
                    {
                        "decision_id": p.decision_id,
                        "sequence": p.sequence,
                        "evidence": p.evidence,
                        "expected": p.expected,
                        "found": p.found,
                    }
                    for p in result.evidence_problems
                ],
                "notes": list(result.notes),
            }
        )
        return 0 if result.ok else 5
    if result.ok:
        console.print(f"[green]ledger intact[/]: {result.entries} entries")
    elif result.first_bad_sequence is not None:
        console.print(
            f"[red]ledger tampered[/] at entry {result.first_bad_sequence}: {safe(result.reason)}"
        )
    else:
        console.print(f"[red]ledger tampered[/]: {safe(result.reason)}")
    for problem in result.evidence_problems:
        if problem.describe() != result.reason:
            console.print(f"[red]also[/]: {safe(problem.describe())}")
    for note in result.notes:
        console.print(f"note: {safe(note)}")
    if result.head is not None:
        console.print(
            f"head {result.head} (keep it elsewhere; `assay decisions verify --head` with it "
            "later shows whether entries were removed)"
        )
    return 0 if result.ok else 5
