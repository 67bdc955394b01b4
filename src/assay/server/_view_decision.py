"""One recorded decision as HTML: verdict, rules with reasons, memo, evidence, ledger status
and sign-offs by role. Shared by the dashboard and the static copy (``assay export-site``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assay.reports import rules_table
from assay.server._layout import e, fold, table

if TYPE_CHECKING:
    from assay.core import Approval, Decision, LedgerEntry, VerdictResult
    from assay.storage import LedgerVerification, Store
    from assay.workflows import DecisionDetails

__all__ = ["DecisionView", "decision_body", "decision_view"]


@dataclass(frozen=True)
class DecisionView:
    """Everything the decision page shows, read from the store."""

    details: DecisionDetails
    verdict: VerdictResult | None
    memo: str | None
    entries: list[LedgerEntry]
    """This decision's ledger entries (the decision, then its sign-offs)."""
    ledger: LedgerVerification


def decision_view(store: Store, ref: str) -> DecisionView:
    """Read a decision, its verdict and memo artifacts, its ledger entries and the ledger's
    state."""
    from assay.core import VerdictResult
    from assay.workflows import get_decision

    details = get_decision(ref, store=store)
    d = details.decision
    verdict = memo = None
    if "verdict" in d.artifacts and store.artifacts.exists(d.artifacts["verdict"]):
        verdict = VerdictResult.model_validate_json(store.artifacts.get(d.artifacts["verdict"]))
    if "memo" in d.artifacts and store.artifacts.exists(d.artifacts["memo"]):
        memo = store.artifacts.get(d.artifacts["memo"]).decode("utf-8", "replace")
    entries = [x for x in store.decisions.ledger() if x.decision_id == d.decision_id]
    return DecisionView(details, verdict, memo, entries, store.decisions.verify())


def _sign_offs(approvals: list[Approval], verdict: str) -> str:
    if not approvals:
        return '<p class="empty">No sign-offs yet.</p>'
    by_role: dict[str, list[Approval]] = {}
    for a in approvals:
        by_role.setdefault(a.role, []).append(a)
    rows = []
    for role, items in by_role.items():
        for a in items:
            status = f"OVERRIDE (ships a {verdict})" if a.status == "override" else a.status
            rows.append(
                [
                    e(role),
                    f'<span class="s-{e(a.status)}">{e(status)}</span>',
                    e(a.name),
                    e(f"{a.at:%Y-%m-%d %H:%M} UTC"),
                    fold(a.note) if a.note else "",
                ]
            )
    return table(["Role", "Sign-off", "By", "At", "Note"], rows, cls="signoffs")


def _challenged(view: DecisionView) -> str:
    """A banner for each monitor alarm that challenges this decision since it was recorded."""
    items = []
    for c in view.details.challenges:
        p = c.payload
        numbers = ""
        if all(isinstance(p.get(k), int | float) for k in ("estimate", "low", "high", "threshold")):
            numbers = (
                f": {p['estimate']:.4g} [{p['low']:.4g}, {p['high']:.4g}] beyond the "
                f"threshold {p['threshold']:.4g}"
            )
        monitor = str(p.get("monitor", "?"))
        items.append(
            f"<li>by monitor {e(monitor)}, "
            f"watch {e(str(p.get('watch', '?')))} at look {e(str(p.get('look', '?')))}"
            f"{e(numbers)} ({e(f'{c.recorded_at:%Y-%m-%d %H:%M} UTC')}, ledger entry "
            f"{c.sequence:,})</li>"
        )
    if not items:
        return ""
    return (
        '<section class="challenged"><h2>Challenged in production</h2>'
        "<p>A monitor's alarm says the evidence this decision rests on no longer holds; the "
        f"decision itself is unchanged.</p><ul>{''.join(items)}</ul></section>"
    )


def _ledger(view: DecisionView) -> str:
    lv = view.ledger
    state = (
        f'<span class="ok">intact</span> ({lv.entries:,} {"entry" if lv.entries == 1 else "entries"})'
        if lv.ok
        else f'<span class="bad">NOT intact</span>: {e(lv.reason)}'
    )
    rows = [
        [
            f"{x.sequence:,}",
            e(x.kind),
            f'<span class="id hash">{e(x.entry_hash)}</span>',
            e(f"{x.recorded_at:%Y-%m-%d %H:%M:%S} UTC"),
        ]
        for x in view.entries
    ]
    head = f'<span class="id hash head">{e(lv.head or "")}</span>'
    return f"<p>Ledger: {state}; chain head {head}.</p>" + table(
        ["Entry", "Kind", "Entry hash (SHA-256)", "Recorded"], rows, numeric=(0,), cls="ledger"
    )


def decision_body(
    view: DecisionView,
    *,
    run_href: Callable[[str], str | None],
    compare_href: str | None,
    form: str = "",
    evidence_href: Callable[[str], str | None] = lambda digest: None,
) -> str:
    """The decision page's content; ``run_href``, ``compare_href`` and ``evidence_href`` (of
    an evidence file's digest) link the evidence (None: not linked), ``form`` is the
    approve / override form when the reader may sign."""
    d: Decision = view.details.decision

    def run(role: str, run_id: str) -> str:
        href = run_href(run_id)
        label = f'<span class="id">{e(run_id[:12])}</span>'
        return f'{role} run <a href="{e(href)}">{label}</a>' if href else f"{role} run {label}"

    def evidence(name: str, digest: str) -> str:
        href = evidence_href(digest)
        return f'<a href="{e(href)}" download="{e(name)}">{e(name)}</a>' if href else e(name)

    evidence_rows = [
        [evidence(f.name, f.digest), e(f.role), f'<span class="id hash">{e(f.digest)}</span>']
        for f in view.details.evidence
    ]
    # the big word already says the verdict; the summary need not repeat it
    summary = d.summary.removeprefix(f"{d.verdict.value}: ")
    compare = f' · <a href="{e(compare_href)}">the comparison</a>' if compare_href else ""
    rules = (
        rules_table(view.verdict)
        if view.verdict is not None
        else '<p class="note">The verdict artifact is not in this store.</p>'
    )
    memo = fold(view.memo, chars=0) if view.memo else '<p class="note">No memo stored.</p>'
    return (
        f'<section class="verdict v-{e(d.verdict.value)}"><div class="word">{e(d.verdict.value)}</div>'
        f'<div class="summary">{e(summary)}</div>'
        f'<div class="note">Decision <span class="id">{e(d.decision_id)}</span>, recorded '
        f"{e(f'{d.created_at:%Y-%m-%d %H:%M} UTC')}; policy {e(d.policy)} "
        f'<span class="id">{e(d.policy_digest[:12])}</span></div></section>'
        + _challenged(view)
        + f"<p class='evidence-links'>{run('Baseline', d.baseline_run)} · "
        f"{run('candidate', d.candidate_run)}{compare}</p>"
        f'<h2 id="rules">Rules</h2>{rules}'
        f'<h2 id="memo">Memo</h2>{memo}'
        f'<h2 id="evidence">Evidence</h2>'
        + table(["File", "Role", "SHA-256"], evidence_rows, cls="evidence")
        + f'<h2 id="ledger">Ledger</h2>{_ledger(view)}'
        + f'<h2 id="signoffs">Sign-offs</h2>{_sign_offs(view.details.approvals, d.verdict.value)}'
        + form
    )
