"""``assay decisions``: recorded decisions, approvals and the ledger."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

import assay
from assay._util import plural
from assay.cli._ledger_render import render_verification
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe
from assay.cli._verdict import STYLE, without_word

if TYPE_CHECKING:
    from assay.core import Approval, LedgerEntry

# An override ships against the policy's verdict: it must never look like an approval.
_SIGN_OFF_STYLE = {
    "approved": "green",
    "rejected": "red",
    "abstained": "dim",
    "override": "bold magenta",
}

decisions_app = typer.Typer(
    help="Recorded decisions, approvals and the ledger.", no_args_is_help=True
)


def _sign_offs(approvals: list[Approval]) -> dict[str, int]:
    return dict(Counter(a.status for a in approvals))


def _sign_off_text(counts: dict[str, int]) -> str:
    parts = [
        f"[{_SIGN_OFF_STYLE.get(status, '')}]{n} {'OVERRIDE' if status == 'override' else status}[/]"
        for status, n in sorted(counts.items())
    ]
    return ", ".join(parts) or "none"


@decisions_app.command("list")
def decisions_list(db: DbOption = None, json: JsonOption = False) -> None:
    """Recorded decisions, newest first, with their sign-offs (approvals, overrides,
    objections)."""
    store = assay.open_store(db)
    items = assay.list_decisions(store=store)
    details = {d.decision_id: assay.get_decision(d.decision_id, store=store) for d in items}
    counts = {key: _sign_offs(found.approvals) for key, found in details.items()}
    challenged = {key: len(found.challenges) for key, found in details.items()}
    if json:
        emit_json(
            [
                {
                    **d.model_dump(mode="json"),
                    "sign_offs": counts[d.decision_id],
                    "challenges": challenged[d.decision_id],
                }
                for d in items
            ]
        )
        return
    table = Table(title=plural(len(items), "decision"))
    for col in ("decision", "created", "verdict", "sign-offs", "title", "policy"):
        table.add_column(col, overflow="fold")
    for d in items:
        table.add_row(
            d.decision_id[:12],
            f"{d.created_at:%Y-%m-%d %H:%M}",
            f"[{STYLE[d.verdict.value]}]{d.verdict.value}[/]"
            + (
                f" [bold red]challenged ({challenged[d.decision_id]})[/]"
                if challenged[d.decision_id]
                else ""
            ),
            _sign_off_text(counts[d.decision_id]),
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
    """A decision, its evidence files and its sign-offs."""
    details = assay.get_decision(decision, store=assay.open_store(db))
    d, approvals = details.decision, details.approvals
    if json:
        emit_json(
            {
                **d.model_dump(mode="json"),
                "approvals": [a.model_dump(mode="json") for a in approvals],
                "evidence": [f.to_dict() for f in details.evidence],
                "challenges": [c.model_dump(mode="json") for c in details.challenges],
            }
        )
        return
    console.print(
        f"[bold]{safe(d.title)}[/]\n[{STYLE[d.verdict.value]}]{d.verdict.value}[/]: "
        f"{safe(without_word(d.summary, d.verdict.value))}"
    )
    for c in details.challenges:
        console.print(f"[bold red]CHALLENGED[/] {_challenge_text(c)}")
    console.print(
        f"decision {d.decision_id}; policy {safe(d.policy)} {d.policy_digest[:12]}; "
        f"baseline run {d.baseline_run}, candidate run {d.candidate_run}"
    )
    console.print(
        f"evidence ({len(details.evidence)} files; `assay decisions evidence "
        f"{d.decision_id[:12]} -o DIR` writes them):"
    )
    for f in details.evidence:
        console.print(f"  {safe(f.name)} ({safe(f.role)})")
        console.print(f"      sha-256 {f.digest}")
        console.print(f"      stored at {safe(f.stored_at)}", soft_wrap=True)
    if not approvals:
        console.print("no sign-offs yet")
    for a in approvals:
        label = "OVERRIDE (ships a BLOCK)" if a.status == "override" else a.status
        why = f": {safe(a.note)}" if a.note else ""
        console.print(
            f"  [{_SIGN_OFF_STYLE.get(a.status, '')}]{label}[/] by {safe(a.name)} as "
            f"{safe(a.role)} at {a.at:%Y-%m-%d %H:%M} UTC{why}"
        )


def _challenge_text(entry: LedgerEntry) -> str:
    """One line for a monitor's alarm against a decision (its ledger entry's payload)."""
    p = entry.payload
    what = f"monitor {p.get('monitor', '?')}, watch {p.get('watch', '?')}"
    numbers = ""
    if all(isinstance(p.get(k), int | float) for k in ("estimate", "low", "high", "threshold")):
        numbers = (
            f": {p['estimate']:.4g} [{p['low']:.4g}, {p['high']:.4g}] beyond the threshold "
            f"{p['threshold']:.4g}"
        )
    when = f"{entry.recorded_at:%Y-%m-%d %H:%M} UTC"
    return safe(
        f"by {what} at look {p.get('look', '?')}{numbers} ({when}, ledger entry {entry.sequence})"
    )


@decisions_app.command("evidence")
def decisions_evidence(
    decision: Annotated[str, typer.Argument(help="Decision id or prefix.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder to write the evidence files into.")
    ],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Write every evidence file of a decision (report.html, report.md, memo.md, policy.yaml,
    comparison.json, verdict.json) into a folder, each checked against the digest its ledger
    entry recorded; nothing is written if one is missing or changed."""
    written = assay.export_evidence(decision, output, store=assay.open_store(db))
    if json:
        emit_json([f.to_dict() for f in written])
        return
    for f in written:
        console.print(f"wrote {safe(f.path)} ({safe(f.role)})", soft_wrap=True)
        console.print(f"      sha-256 {f.digest} (checked)")
    console.print(f"{plural(len(written), 'evidence file')} written to {safe(output)}")


NameOption = Annotated[
    str | None,
    typer.Option(
        help="Who signs (default: the signing key's owner; required on a local store without a "
        "key; a team server records its signed-in user)."
    ),
]


@decisions_app.command("approve")
def decisions_approve(
    decision: Annotated[str, typer.Argument(help="Decision id or prefix.")],
    role: Annotated[str, typer.Option(help="Role signing (safety, privacy, product, lead, ...).")],
    name: NameOption = None,
    reject: Annotated[bool, typer.Option("--reject", help="Record an objection instead.")] = False,
    note: Annotated[str, typer.Option(help="Why.")] = "",
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Approve a SHIP or INCONCLUSIVE decision (or object to any with --reject). A BLOCK
    cannot be approved: see `assay decisions override`."""
    store = assay.open_store(db)
    entry = assay.approve(
        decision,
        role=role,
        name=name,
        status="rejected" if reject else "approved",
        note=note,
        store=store,
    )
    _print_entry(entry, "objection" if reject else "approval", json, name)


@decisions_app.command("override")
def decisions_override(
    decision: Annotated[str, typer.Argument(help="Decision id or prefix (a BLOCK).")],
    reason: Annotated[str, typer.Option(help="Why the BLOCK is overridden (required).")],
    role: Annotated[str, typer.Option(help="Role taking responsibility (lead, ...).")],
    name: NameOption = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Ship a BLOCK anyway: record an override, with its reason, as its own ledger entry."""
    store = assay.open_store(db)
    entry = assay.approve(
        decision,
        role=role,
        name=name,
        status="override",
        note=reason,
        store=store,
    )
    _print_entry(entry, "override", json, name)


def _print_entry(entry: LedgerEntry, what: str, json: bool, typed: str | None) -> None:
    if json:
        emit_json(entry.model_dump(mode="json"))
        return
    signed = " (signed)" if entry.payload.get("signature") else ""
    console.print(
        f"{what} recorded as ledger entry {entry.sequence}{signed}: {entry.entry_hash[:16]}"
    )
    recorded = entry.payload.get("name")
    if typed is not None and recorded is not None and recorded != typed:
        console.print(
            f"note: recorded under {safe(str(recorded))}, the server's signed-in user, "
            f"not --name {safe(typed)}"
        )


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
    return render_verification(result, json, "assay decisions verify --head")
