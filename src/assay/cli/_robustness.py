"""``assay suites perturb``, ``assay robustness`` and ``assay fairness``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

import assay
from assay import workflows
from assay._util import plural
from assay.cli._app import VERDICT_EXIT_CODES
from assay.cli._options import DbOption, FormatOption, JsonOption, parse_pairs
from assay.cli._render import (
    console,
    emit_json,
    new_table,
    output_format,
    printable,
    safe,
    wrap_plain,
)
from assay.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from assay.analysis import BoundsCheck
    from assay.stats import Estimate

__all__ = ["fairness_command", "robustness_command", "suites_perturb"]

MarkdownOption = Annotated[
    Path | None,
    typer.Option("--markdown", help="Also write the report section as Markdown to this file."),
]
HtmlOption = Annotated[
    Path | None,
    typer.Option("--html", help="Also write the report as a self-contained HTML page here."),
]
RunArgument = Annotated[str, typer.Argument(help="Run id, unique prefix or MODEL@VERSION.")]


def _say(text: str) -> None:
    """Prose: wrapped at 80 columns when piped, left to the terminal otherwise."""
    if output_format() == "table":
        console.print(Text(printable(text)))
    else:
        for line in wrap_plain(text):
            console.print(Text(line), soft_wrap=True)


def _iv(e: Estimate) -> str:
    return f"{e.estimate:.3f} [{e.low:.3f}, {e.high:.3f}]"


def _pts(e: Estimate) -> str:
    return f"{100 * e.estimate:.1f} [{100 * e.low:.1f}, {100 * e.high:.1f}]"


def _limits(items: list[str] | None, what: str) -> dict[str, float]:
    out = {}
    for key, value in parse_pairs(items, what).items():
        try:
            out[key] = float(value)
        except ValueError:
            raise ConfigError(f"A {what} is NAME=NUMBER. Got {key}={value!r}.") from None
    return out


def suites_perturb(
    suite: Annotated[str, typer.Argument(help="Suite YAML file, or a stored name or digest.")],
    kinds: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated kinds (default all): "
            + ", ".join(
                (
                    "typo",
                    "casing",
                    "whitespace",
                    "punctuation",
                    "synonym",
                    "distractor",
                    "choice_order",
                )
            )
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed; the same seed gives the same suite.")] = 0,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Store a robustness suite: every example beside its seeded perturbations."""
    chosen = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
    result = workflows.perturb_stored_suite(suite, chosen, seed=seed, store=assay.open_store(db))
    s = result.data.suite
    if json:
        emit_json(
            {
                "digest": s.digest,
                "name": s.name,
                "version": s.version,
                "examples": s.n_examples,
                "source_digest": result.source_digest,
                "seed": result.seed,
                "kinds": list(result.kinds),
                "added": result.added,
                "unchanged": result.unchanged,
            }
        )
        return
    console.print(
        f"suite {safe(s.name)} {s.digest[:12]}: {s.n_examples:,} examples (seed {result.seed})"
    )
    table = Table(title="perturbed copies by kind")
    for col in ("kind", "added", "left unchanged (not added)"):
        table.add_column(col)
    for kind in result.kinds:
        table.add_row(kind, f"{result.added[kind]:,}", f"{result.unchanged[kind]:,}")
    console.print(table)


def robustness_command(
    run: RunArgument,
    metric: Annotated[str | None, typer.Option(help="A 0/1 metric (default: the first).")] = None,
    max_flip_rate: Annotated[
        list[str] | None,
        typer.Option(help="KIND=Y (KIND * for every kind): flip rate at most Y; repeatable."),
    ] = None,
    markdown: MarkdownOption = None,
    html: HtmlOption = None,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Accuracy under perturbation and flip rates by kind, for a run on a perturbed suite;
    with rules, exit 0 SHIP, 1 BLOCK, 2 INCONCLUSIVE."""
    report = workflows.robustness(
        run,
        metric=metric,
        max_flip_rate=_limits(max_flip_rate, "--max-flip-rate"),
        markdown=markdown,
        html=html,
        store=assay.open_store(db),
    )
    result = report.result
    code = VERDICT_EXIT_CODES[report.verdict] if report.verdict else 0
    if json:
        emit_json({**asdict(report), "verdict": report.verdict})
        raise typer.Exit(code)
    table = Table(
        title=f"{result.metric} under perturbation, in points ({result.confidence:.0%} intervals)"
    )
    for col in ("kind", "pairs", "perturbed", "change", "flip rate"):
        table.add_column(col)
    for e in result.effects:
        table.add_row(
            e.kind, f"{e.pairs:,}", _pts(e.perturbed), _pts(e.difference), _pts(e.flip_rate)
        )
    console.print(table)
    for e in result.effects:
        _say(
            f"{e.kind}: original {100 * e.original.estimate:.1f}; {e.flips} flipped to wrong, "
            f"{e.unflips} to right; {plural(e.left_out, 'pair')} left out"
        )
    if result.effects:
        e = result.effects[0]
        _say(f"change: {e.difference.method}; flip rate: {e.flip_rate.method}")
    _print_checks(report.checks, report.verdict)
    raise typer.Exit(code)


def _print_checks(checks: Sequence[BoundsCheck], verdict: str | None) -> None:
    for c in checks:
        _say(f"{c.outcome.upper():<12} {c.rule}: {c.reason}")
    if verdict:
        _say(f"verdict: {verdict}")


def fairness_command(
    run: RunArgument,
    by: Annotated[str, typer.Option(help="The slice attribute whose values are the groups.")],
    positive: Annotated[str, typer.Option(help="The positive (selected) label.")],
    score: Annotated[
        str | None, typer.Option(help="Record column of predicted probabilities (calibration).")
    ] = None,
    min_group: Annotated[
        list[str] | None,
        typer.Option(help="METRIC=X: every group's metric at least X (bounds); repeatable."),
    ] = None,
    max_disparity: Annotated[
        list[str] | None,
        typer.Option(help="DISPARITY=Y: at most Y (a ratio: at least Y); repeatable."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    against: Annotated[
        str | None,
        typer.Option(
            help="A baseline run of the same suite version: the paired change of every "
            "group metric and disparity (paired bootstrap)."
        ),
    ] = None,
    markdown: MarkdownOption = None,
    html: HtmlOption = None,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> int:
    """Metrics by group and disparities with bootstrap intervals; with rules, exit 0 SHIP,
    1 BLOCK, 2 INCONCLUSIVE. With --against, also each one's paired change from a baseline."""
    report = workflows.fairness(
        run,
        by=by,
        positive=positive,
        score=score,
        min_group=_limits(min_group, "--min-group"),
        max_disparity=_limits(max_disparity, "--max-disparity"),
        seed=seed,
        markdown=markdown,
        html=html,
        store=assay.open_store(db),
        against=against,
    )
    code = VERDICT_EXIT_CODES[report.verdict] if report.verdict else 0
    if json:
        emit_json({**asdict(report), "verdict": report.verdict})
        raise typer.Exit(code)
    r = report.result
    _say(
        f"{report.model} ({report.run_id[:12]}) by {r.attribute}, positive "
        f"{r.positive}: {r.n:,} examples; {r.method}"
    )
    metrics = [
        m
        for m in (
            "selection_rate",
            "true_positive_rate",
            "false_positive_rate",
            "accuracy",
            "calibration_gap",
        )
        if any(m in g.values for g in r.groups)
    ]
    table = Table(title=f"by group ({r.confidence:.0%} intervals)")
    for col in ("group", "n", "metric", "value"):
        table.add_column(col)
    for g in r.groups:
        for i, m in enumerate(metrics):
            value = _iv(g.values[m]) if m in g.values else "too small for an interval"
            table.add_row(safe(g.group) if i == 0 else "", f"{g.n:,}" if i == 0 else "", m, value)
    console.print(table)
    if output_format() == "table":
        table = new_table(
            "disparities over the groups with intervals",
            ("disparity", "value", "lowest / highest"),
            numbers=("value",),
        )
        for d in r.disparities:
            table.add_row(d.name, _iv(d.estimate), f"{safe(d.low_group)} / {safe(d.high_group)}")
        console.print(table)
    else:  # piped: one wrapped line per disparity, within 80 columns
        _say("disparities over the groups with intervals:")
        for d in r.disparities:
            _say(f"{d.name} {_iv(d.estimate)}: {d.low_group} / {d.high_group}")
    for note in r.notes:
        _say(f"note: {note}")
    if report.change is not None and report.baseline_id is not None:
        from assay.cli._fairness_change import print_fairness_change

        print_fairness_change(report.change, report.baseline_id)
    _print_checks(report.checks, report.verdict)
    raise typer.Exit(code)
