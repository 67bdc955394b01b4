"""``assay compare``, ``assay gate`` and ``assay report``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

import assay
from assay._util import decimals, difference, estimate, pvalue, result_scale
from assay.cli._app import VERDICT_EXIT_CODES
from assay.cli._inputs import policy_file_or_name
from assay.cli._options import DbOption, FormatOption, JsonOption
from assay.cli._render import (
    console,
    emit_json,
    new_table,
    output_format,
    safe,
)
from assay.cli._verdict import print_verdict
from assay.errors import ConfigError

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


def _at_least_minus_one(value: int) -> int:
    # checked here rather than with min=-1, whose "[x>=-1]" the help would show beside N
    if value < -1:
        raise typer.BadParameter(f"{value} is not a count: give 0 or more, or -1 for all.")
    return value


MaxFlips = Annotated[
    int,
    typer.Option(
        "--max-flips",
        callback=_at_least_minus_one,
        metavar="N",
        help="Flipped examples listed per metric, shared between regressions and "
        "improvements (0 none, -1 all); the counts are always complete.",
    ),
]


ShowUnsafeText = Annotated[
    bool,
    typer.Option(
        "--show-unsafe-text",
        help="On a red-team suite, show the flipped examples' prompts and answers (harmful "
        "by design; withheld by default).",
    ),
]


def _flips_cap(max_flips: int) -> int | None:
    return None if max_flips < 0 else max_flips


PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="Policy YAML, or a shipped policy by name: safety (default: the shipped "
        "default policy, whose first tier is the safety policy).",
        callback=policy_file_or_name,
    ),
]


def _result_row(r: MetricComparison) -> dict[str, str]:
    scale = result_scale(r)
    d = decimals(scale, r.difference, r.baseline.estimate, r.candidate.estimate)
    return {
        "metric": safe(r.label),
        "baseline": estimate(r.baseline.estimate, scale, d),
        "candidate": estimate(r.candidate.estimate, scale, d),
        "difference": difference(r.difference, scale, d),
        "p": pvalue(r.p_value, r.resamples),
        "p adj.": pvalue(r.p_adjusted, r.resamples),
        "n": f"{r.n:,}",
        "test": safe(r.test),
    }


def _results_table(title: str, c: Comparison, rows: list[MetricComparison]) -> Table:
    cells = [_result_row(r) for r in rows]
    cols = ["metric", "baseline", "candidate", "difference", "p", "p adj.", "n", "test"]
    if output_format() == "table":
        # 80 columns hold the numbers only if the test moves below the table and one p-value
        # is shown: the adjusted one where there is one (it is what the ranking uses).
        cols.remove("test")
        cols.remove("p" if any(r.p_adjusted is not None for r in rows) else "p adj.")
    headers = {"difference": f"difference [{c.confidence:.0%} CI]"}
    table = new_table(
        title,
        [headers.get(col, col) for col in cols],
        numbers=[headers.get(col, col) for col in cols if col not in ("metric", "test")],
    )
    for row in cells:
        table.add_row(*(row[col] for col in cols))
    return table


def _tests_line(c: Comparison) -> str:
    tests: dict[str, list[str]] = {}
    for r in c.results:
        names = tests.setdefault(r.test, [])
        if r.metric not in names:
            names.append(r.metric)
    return "tests: " + "; ".join(f"{safe(t)} ({', '.join(map(safe, m))})" for t, m in tests.items())


def empty_slices_line(labels: list[str]) -> str:
    """The slices with no paired example, said rather than left out."""
    names = ", ".join(safe(label) for label in labels)
    which = "slice has" if len(labels) == 1 else "slices have"
    return f"no examples in this comparison: {names} (the {which} no paired example, so no result)"


def print_comparison(c: Comparison, *, slices: int | None = 12) -> None:
    """Overall results, then the slices most worth a look (every slice when ``slices`` is
    ``None``)."""
    console.print(
        f"[bold]{safe(c.candidate_model)}[/] (candidate) vs [bold]{safe(c.baseline_model)}[/] "
        f"(baseline) on {safe(c.suite_name)}: {c.coverage.shared:,} paired examples"
    )
    overall = [r for r in c.results if r.slice_attribute is None]
    console.print(_results_table("overall", c, overall))
    by_slice = [r for r in c.results if r.slice_attribute is not None]
    if by_slice:
        ranked = sorted(
            by_slice, key=lambda r: r.p_adjusted if r.p_adjusted is not None else r.p_value
        )
        if slices is None or slices >= len(by_slice):
            title = f"every slice ({len(by_slice)}), strongest evidence first"
            shown = ranked
        else:
            shown = ranked[:slices]
            title = (
                f"slices with the strongest evidence ({len(shown)} of {len(by_slice)}; "
                "--all-slices shows every one)"
            )
        console.print(_results_table(title, c, shown))
    if c.coverage.empty_slices:
        console.print(empty_slices_line(c.coverage.empty_slices))
    if output_format() == "table" and c.results:
        console.print(_tests_line(c))
    for role, e in c.errors.items():
        if e.errors:
            console.print(f"{role}: {e.errors} of {e.records} records errored ({e.error_rate:.1%})")
    for count in c.flip_counts:
        if count.total:
            listed = sum(f.metric == count.metric for f in c.flips)
            console.print(
                f"{count.total:,} examples flipped on {safe(count.metric)}: {count.worse:,} worse, "
                f"{count.better:,} better ({listed:,} listed; --max-flips -1 --json lists all)"
            )
    if c.early_stop_note:
        console.print(safe(c.early_stop_note))


def _only_metrics(c: Comparison, metrics: list[str] | None) -> Comparison:
    """The comparison restricted to ``metrics`` (every metric when none is named)."""
    if not metrics:
        return c
    known = list(dict.fromkeys(r.metric for r in c.results))
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise ConfigError(
            f"--metric {', '.join(unknown)}: not compared here. The metrics are {', '.join(known)}."
        )
    wanted = set(metrics)
    return c.model_copy(
        update={
            "results": [r for r in c.results if r.metric in wanted],
            "flips": [f for f in c.flips if f.metric in wanted],
            "flip_counts": [f for f in c.flip_counts if f.metric in wanted],
        }
    )


def compare_command(
    baseline: Baseline,
    candidate: Candidate,
    shared_only: SharedOnly = False,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", help="Show only this metric; repeatable (default: all)."),
    ] = None,
    all_slices: Annotated[
        bool,
        typer.Option(
            "--all-slices", help="Show every slice, not only the 12 with the strongest evidence."
        ),
    ] = False,
    confidence: Annotated[
        float, typer.Option(help="Confidence level of the intervals, in (0, 1).")
    ] = 0.95,
    seed: Seed = 0,
    max_flips: MaxFlips = 50,
    show_unsafe_text: ShowUnsafeText = False,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Compare two runs paired by example: every metric × slice with intervals, tests and p-values."""
    c = assay.compare_runs(
        baseline,
        candidate,
        shared_only=shared_only,
        confidence=confidence,
        rng=seed,
        max_flips=_flips_cap(max_flips),
        show_unsafe_text=show_unsafe_text,
        store=assay.open_store(db),
    )
    c = _only_metrics(c, metric)
    if json:
        emit_json(c.model_dump(mode="json"))
    else:
        print_comparison(c, slices=None if all_slices else 12)


def gate_command(
    baseline: Baseline,
    candidate: Candidate,
    policy: PolicyOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Also write report.html, report.md and memo.md in this folder."
        ),
    ] = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Record the decision in the ledger (writes reports to --output or "
            "./assay-reports).",
        ),
    ] = False,
    study: Annotated[
        str | None,
        typer.Option(
            "--study",
            metavar="NAME",
            help="With --record: the pre-registered study the decision belongs to; its "
            "deviations from the plan are flagged and the decision is attached to it.",
        ),
    ] = None,
    shared_only: SharedOnly = False,
    seed: Seed = 0,
    max_flips: MaxFlips = 50,
    show_unsafe_text: ShowUnsafeText = False,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
    summary_md: Annotated[
        Path | None,
        typer.Option(
            "--summary-md",
            help="Also write the verdict as Markdown for a CI step summary or PR comment; "
            'given "$GITHUB_STEP_SUMMARY", it is appended to that file.',
        ),
    ] = None,
    junit: Annotated[
        Path | None,
        typer.Option("--junit", help="Also write the verdict as JUnit XML, one test per rule."),
    ] = None,
) -> int:
    """Gate a candidate: exit 0 SHIP, 1 BLOCK, 2 INCONCLUSIVE (other codes are errors)."""
    store = assay.open_store(db)
    if study is not None and not record:
        raise typer.BadParameter(
            "needs --record: a study's decision is recorded.", param_hint="--study"
        )
    if record:
        rec = assay.decide(
            baseline,
            candidate,
            policy=policy,
            output=output or "assay-reports",
            shared_only=shared_only,
            rng=seed,
            max_flips=_flips_cap(max_flips),
            show_unsafe_text=show_unsafe_text,
            store=store,
            study=study,
        )
        comparison, verdict, files = rec.comparison, rec.verdict, rec.files
        state = "recorded" if rec.created else "was already recorded"
        note = f"decision {rec.decision.decision_id[:12]} {state}"
    else:
        gated = assay.gate_runs(
            baseline,
            candidate,
            policy=policy,
            output=output,
            shared_only=shared_only,
            rng=seed,
            max_flips=_flips_cap(max_flips),
            show_unsafe_text=show_unsafe_text,
            store=store,
        )
        comparison, verdict, files = gated.comparison, gated.verdict, gated.files
        note = ""
    files = {**files, **_ci_files(comparison, verdict, summary_md, junit)}
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


def _ci_files(
    comparison: Comparison, verdict: VerdictResult, summary_md: Path | None, junit: Path | None
) -> dict[str, Path]:
    """Write the CI summary and JUnit files asked for; append only to GitHub's step summary."""
    import os

    from assay._util import atomic_write
    from assay.reports import render_gate_summary, render_junit

    out: dict[str, Path] = {}
    if summary_md is not None:
        text = render_gate_summary(comparison, verdict)
        step = os.environ.get("GITHUB_STEP_SUMMARY")
        if step and Path(step).resolve() == summary_md.resolve():
            with summary_md.open("a", encoding="utf-8") as fh:
                fh.write(text)
        else:
            atomic_write(summary_md, text)
        out["summary_md"] = summary_md
    if junit is not None:
        out["junit"] = atomic_write(junit, render_junit(comparison, verdict))
    return out


def report_command(
    baseline: Baseline,
    candidate: Candidate,
    policy: PolicyOption = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for report.html, report.md and memo.md.")
    ] = Path("assay-reports"),
    shared_only: SharedOnly = False,
    seed: Seed = 0,
    max_flips: MaxFlips = 50,
    show_unsafe_text: ShowUnsafeText = False,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Write the HTML and Markdown reports and the decision memo for two runs."""
    gated = assay.gate_runs(
        baseline,
        candidate,
        policy=policy,
        output=output,
        shared_only=shared_only,
        rng=seed,
        max_flips=_flips_cap(max_flips),
        show_unsafe_text=show_unsafe_text,
        store=assay.open_store(db),
    )
    if json:
        emit_json(
            {
                "verdict": gated.verdict.verdict.value,
                "files": {k: str(v) for k, v in gated.files.items()},
            }
        )
        return
    for key, path in gated.files.items():
        console.print(f"{key}: {safe(path)}")
