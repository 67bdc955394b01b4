"""``assay compare``, ``assay gate`` and ``assay report``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

import assay
from assay.cli._app import VERDICT_EXIT_CODES
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe

if TYPE_CHECKING:
    from assay.core import Comparison, MetricComparison, VerdictResult

Baseline = Annotated[str, typer.Argument(help="Baseline run id or prefix.")]
Candidate = Annotated[str, typer.Argument(help="Candidate run id or prefix.")]
SharedOnly = Annotated[
    bool,
    typer.Option(
        "--shared-only",
        help="Compare only the examples both runs share, even across suite versions.",
    ),
]
Seed = Annotated[int, typer.Option(help="Seed of the bootstrap resampling.")]
PolicyOption = Annotated[
    Path | None, typer.Option("--policy", help="Policy YAML (default: the shipped default policy).")
]
_STYLE = {"SHIP": "bold green", "BLOCK": "bold red", "INCONCLUSIVE": "bold yellow"}


def _result_row(r: MetricComparison) -> list[str]:
    from assay.reports import fixed_interval

    d = r.difference
    p_adj = "" if r.p_adjusted is None else f"{r.p_adjusted:.3g}"
    return [
        safe(r.label),
        f"{r.baseline.estimate:.4f}",
        f"{r.candidate.estimate:.4f}",
        fixed_interval(d.estimate, d.low, d.high, signed=True),
        f"{r.p_value:.3g}",
        p_adj,
        str(r.n),
        safe(r.test),
    ]


def print_comparison(c: Comparison, *, slices: int = 12) -> None:
    """Overall results, then the slices most worth a look."""
    console.print(
        f"[bold]{safe(c.candidate_model)}[/] (candidate) vs [bold]{safe(c.baseline_model)}[/] (baseline) "
        f"on {safe(c.suite_name)}: {c.coverage.shared} paired examples"
    )
    cols = (
        "metric",
        "baseline",
        "candidate",
        f"difference [{c.confidence:.0%} interval]",
        "p",
        "p adj.",
        "n",
        "test",
    )
    overall = Table(title="overall")
    for col in cols:
        overall.add_column(col, overflow="fold")
    for r in c.results:
        if r.slice_attribute is None:
            overall.add_row(*_result_row(r))
    console.print(overall)
    by_slice = [r for r in c.results if r.slice_attribute is not None]
    if by_slice:
        worst = sorted(
            by_slice, key=lambda r: r.p_adjusted if r.p_adjusted is not None else r.p_value
        )[:slices]
        table = Table(title=f"slices with the strongest evidence ({len(worst)} of {len(by_slice)})")
        for col in cols:
            table.add_column(col, overflow="fold")
        for r in worst:
            table.add_row(*_result_row(r))
        console.print(table)
    for role, e in c.errors.items():
        if e.errors:
            console.print(f"{role}: {e.errors} of {e.records} records errored ({e.error_rate:.1%})")
    if c.flips:
        console.print(f"{len(c.flips)} flipped examples listed (see --json or the report)")
    if c.early_stop_note:
        console.print(safe(c.early_stop_note))


def print_verdict(v: VerdictResult) -> None:
    """The verdict first, then every rule."""
    console.print(f"\n[{_STYLE[v.verdict.value]}]{v.verdict.value}[/]")
    console.print(safe(v.summary))
    table = Table(title=f"policy {safe(v.policy)}")
    for col in ("tier", "rule", "outcome", "blocking", "reason"):
        table.add_column(col, overflow="fold")
    for r in v.rules:
        style = {"pass": "green", "fail": "red", "inconclusive": "yellow"}[r.outcome]
        reason = safe(r.reason) + (f"\n[dim]{safe(r.to_settle)}[/]" if r.to_settle else "")
        table.add_row(
            r.tier, safe(r.rule), f"[{style}]{r.outcome}[/]", "yes" if r.blocking else "no", reason
        )
    console.print(table)


def compare_command(
    baseline: Baseline,
    candidate: Candidate,
    shared_only: SharedOnly = False,
    seed: Seed = 0,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Compare two runs paired by example: every metric × slice with intervals, tests and p-values."""
    c = assay.compare_runs(
        baseline, candidate, shared_only=shared_only, rng=seed, store=assay.open_store(db)
    )
    if json:
        emit_json(c.model_dump(mode="json"))
    else:
        print_comparison(c)


def gate_command(
    baseline: Baseline,
    candidate: Candidate,
    policy: PolicyOption = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write report.html, report.md and memo.md here.")
    ] = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Record the decision in the ledger (writes reports to --report or ./assay-reports).",
        ),
    ] = False,
    shared_only: SharedOnly = False,
    seed: Seed = 0,
    db: DbOption = None,
    json: JsonOption = False,
) -> int:
    """Gate a candidate: exit 0 SHIP, 1 BLOCK, 2 INCONCLUSIVE (other codes are errors)."""
    store = assay.open_store(db)
    if record:
        rec = assay.decide(
            baseline,
            candidate,
            policy=policy,
            output=report or "assay-reports",
            shared_only=shared_only,
            rng=seed,
            store=store,
        )
        comparison, verdict, files = rec.comparison, rec.verdict, rec.files
        note = f"decision {rec.decision.decision_id[:12]} {'recorded' if rec.created else 'was already recorded'}"
    else:
        gated = assay.gate_runs(
            baseline,
            candidate,
            policy=policy,
            output=report,
            shared_only=shared_only,
            rng=seed,
            store=store,
        )
        comparison, verdict, files = gated.comparison, gated.verdict, gated.files
        note = ""
    if json:
        emit_json(
            {
                "verdict": verdict.model_dump(mode="json"),
                "comparison": comparison.model_dump(mode="json"),
                "files": {k: str(v) for k, v in files.items()},
            }
        )
    else:
        print_verdict(verdict)
        if comparison.early_stop_note:
            console.print(safe(comparison.early_stop_note))
        for key, path in files.items():
            console.print(f"{key}: {safe(path)}")
        if note:
            console.print(note)
    return VERDICT_EXIT_CODES[verdict.verdict]


def report_command(
    baseline: Baseline,
    candidate: Candidate,
    policy: PolicyOption = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for report.html, report.md and memo.md.")
    ] = Path("assay-reports"),
    shared_only: SharedOnly = False,
    seed: Seed = 0,
    db: DbOption = None,
) -> None:
    """Write the HTML and Markdown reports and the decision memo for two runs."""
    gated = assay.gate_runs(
        baseline,
        candidate,
        policy=policy,
        output=output,
        shared_only=shared_only,
        rng=seed,
        store=assay.open_store(db),
    )
    for key, path in gated.files.items():
        console.print(f"{key}: {safe(path)}")
