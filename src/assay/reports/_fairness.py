"""Markdown sections for fairness (metrics by group, disparities, rules) and robustness."""

from __future__ import annotations

from collections.abc import Sequence

from assay._util import printable
from assay.analysis import BoundsCheck, FairnessResult, RobustnessResult
from assay.stats import Estimate

__all__ = ["fairness_markdown", "robustness_markdown"]


def _cell(text: str) -> str:
    # untrusted text (group names come from the data) shown, never acting on the page
    return printable(text).replace("|", "\\|").replace("\n", " ")


def _iv(e: Estimate, scale: float = 1.0, digits: int = 3) -> str:
    return (
        f"{scale * e.estimate:.{digits}f} [{scale * e.low:.{digits}f}, {scale * e.high:.{digits}f}]"
    )


def fairness_markdown(
    result: FairnessResult, checks: Sequence[BoundsCheck] = (), *, title: str = "Fairness"
) -> str:
    """A Markdown section: metrics by group, disparities, the rules and the method."""
    metrics = [m for m in _ORDER if any(m in g.values for g in result.groups)]
    lines = [
        f"## {_cell(title)} by {_cell(result.attribute)}",
        "",
        f"Positive label `{_cell(result.positive)}`; {result.n:,} examples; "
        f"{result.confidence:.0%} intervals: {result.method}.",
        "",
        "| group | n | " + " | ".join(m.replace("_", " ") for m in metrics) + " |",
        "|---|---|" + "---|" * len(metrics),
    ]
    for g in result.groups:
        cells = [_iv(g.values[m]) if m in g.values else "too small" for m in metrics]
        lines.append(f"| {_cell(g.group)} | {g.n:,} | " + " | ".join(cells) + " |")
    lines += ["", "| disparity | value | lowest | highest |", "|---|---|---|---|"]
    for d in result.disparities:
        lines.append(
            f"| {d.name} | {_iv(d.estimate)} | {_cell(d.low_group)} | {_cell(d.high_group)} |"
        )
    if not result.disparities:
        lines.append("| none | fewer than two groups large enough for an interval | | |")
    if checks:
        lines += ["", "| rule | outcome | reason |", "|---|---|---|"]
        lines += [f"| {_cell(c.rule)} | **{c.outcome}** | {_cell(c.reason)} |" for c in checks]
    lines += [""] + [f"- {_cell(note)}" for note in result.notes]
    return "\n".join(lines).rstrip() + "\n"


def _rules(checks: Sequence[BoundsCheck]) -> list[str]:
    if not checks:
        return []
    rows = [f"| {_cell(c.rule)} | **{c.outcome}** | {_cell(c.reason)} |" for c in checks]
    return ["", "| rule | outcome | reason |", "|---|---|---|", *rows]


_ORDER = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "accuracy",
    "calibration_gap",
)


def robustness_markdown(
    result: RobustnessResult, checks: Sequence[BoundsCheck] = (), *, title: str = "Robustness"
) -> str:
    """A Markdown section: per perturbation kind, accuracy under it and the flip rate."""
    lines = [
        f"## {_cell(title)}: {_cell(result.metric)} under perturbation",
        "",
        f"In points, {result.confidence:.0%} intervals, paired by original.",
        "",
        "| kind | pairs | original | perturbed | change | flip rate | right→wrong | wrong→right |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in result.effects:
        lines.append(
            f"| {_cell(e.kind)} | {e.pairs:,} | {_iv(e.original, 100, 1)} | "
            f"{_iv(e.perturbed, 100, 1)} | {_iv(e.difference, 100, 1)} | "
            f"{_iv(e.flip_rate, 100, 1)} | {e.flips:,} | {e.unflips:,} |"
        )
    if result.effects:
        e = result.effects[0]
        lines += ["", f"Change: {e.difference.method}. Flip rate: {e.flip_rate.method}."]
    return "\n".join(lines + _rules(checks)) + "\n"
