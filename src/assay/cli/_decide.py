"""``assay compare``, ``assay gate`` and ``assay report``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import assay
from assay.cli._app import VERDICT_EXIT_CODES
from assay.cli._comparison_render import only_metrics, print_comparison
from assay.cli._inputs import policy_file_or_name
from assay.cli._options import DbOption, FormatOption, JsonOption
from assay.cli._render import console, emit_json, safe
from assay.cli._verdict import print_verdict

if TYPE_CHECKING:
    from assay.core import Comparison, VerdictResult

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
    streaming: Annotated[
        bool | None,
        typer.Option(
            "--streaming/--in-memory",
            help="Read the record files a row group at a time, in bounded memory (default: "
            "stream above 10,000,000 records in the two runs; docs/out-of-core.md).",
        ),
    ] = None,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Compare two runs paired by example: every metric × slice with intervals, tests and p-values."""
    from assay.workflows import compare_stored

    c = compare_stored(
        baseline,
        candidate,
        url=db,
        shared_only=shared_only,
        confidence=confidence,
        rng=seed,
        max_flips=_flips_cap(max_flips),
        show_unsafe_text=show_unsafe_text,
        streaming=streaming,
    )
    c = only_metrics(c, metric)
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
    if study is not None and not record:
        assay.open_store(db)  # opened first: a store that cannot be opened is the error shown
        raise typer.BadParameter(
            "needs --record: a study's decision is recorded.", param_hint="--study"
        )
    if record:
        store = assay.open_store(db)
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
        from assay.workflows import gate_stored

        gated = gate_stored(
            baseline,
            candidate,
            url=db,
            policy=policy,
            output=output,
            shared_only=shared_only,
            rng=seed,
            max_flips=_flips_cap(max_flips),
            show_unsafe_text=show_unsafe_text,
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
    out: dict[str, Path] = {}
    if summary_md is None and junit is None:
        return out  # the reports' package loads only for the files asked for
    import os

    from assay._util import atomic_write
    from assay.reports import render_gate_summary, render_junit

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
    from assay.workflows import gate_stored

    gated = gate_stored(
        baseline,
        candidate,
        url=db,
        policy=policy,
        output=output,
        shared_only=shared_only,
        rng=seed,
        max_flips=_flips_cap(max_flips),
        show_unsafe_text=show_unsafe_text,
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
