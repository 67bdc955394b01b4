"""Fairness and robustness reports as self-contained HTML pages (no scripts, no external
resources): the same tables as their Markdown sections, every name from the data escaped."""

from __future__ import annotations

from collections.abc import Sequence

from assay.analysis import BoundsCheck, FairnessResult, RobustnessResult
from assay.reports._html_parts import e, table, visible_document
from assay.reports._style import CSS
from assay.stats import Estimate

__all__ = ["fairness_html", "robustness_html"]

_ORDER = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "accuracy",
    "calibration_gap",
)


def _iv(x: Estimate, scale: float = 1.0, digits: int = 3) -> str:
    return (
        f"{scale * x.estimate:.{digits}f} [{scale * x.low:.{digits}f}, {scale * x.high:.{digits}f}]"
    )


def _page(title: str, body: str) -> str:
    return visible_document(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{e(title)}</h1>{body}</body></html>"
    )


def _rules(checks: Sequence[BoundsCheck]) -> str:
    if not checks:
        return ""
    rows = [[e(c.rule), f"<b>{e(c.outcome)}</b>", e(c.reason)] for c in checks]
    return "<h2>Rules</h2>" + table(["rule", "outcome", "reason"], rows)


def fairness_html(
    result: FairnessResult, checks: Sequence[BoundsCheck] = (), *, title: str = "Fairness"
) -> str:
    """Metrics by group, disparities, the rules and the method, as one HTML page."""
    metrics = [m for m in _ORDER if any(m in g.values for g in result.groups)]
    groups = [
        [e(g.group), f"{g.n:,}"]
        + [e(_iv(g.values[m])) if m in g.values else "too small" for m in metrics]
        for g in result.groups
    ]
    disparities = [
        [e(d.name), e(_iv(d.estimate)), e(d.low_group), e(d.high_group)] for d in result.disparities
    ]
    body = (
        f"<p>By <b>{e(result.attribute)}</b>; positive label <code>{e(result.positive)}</code>; "
        f"{result.n:,} examples; {result.confidence:.0%} intervals: {e(result.method)}.</p>"
        "<h2>By group</h2>"
        + table(
            ["group", "n", *(m.replace("_", " ") for m in metrics)],
            groups,
            numeric=tuple(range(1, len(metrics) + 2)),
        )
        + "<h2>Disparities</h2>"
        + (
            table(["disparity", "value [interval]", "lowest", "highest"], disparities)
            if disparities
            else "<p>None: fewer than two groups are large enough for an interval.</p>"
        )
        + _rules(checks)
        + "".join(f'<p class="note">{e(note)}</p>' for note in result.notes)
    )
    return _page(f"{title} by {result.attribute}", body)


def robustness_html(
    result: RobustnessResult, checks: Sequence[BoundsCheck] = (), *, title: str = "Robustness"
) -> str:
    """Per perturbation kind, the metric under it and the flip rate, as one HTML page."""
    rows = [
        [
            e(x.kind),
            f"{x.pairs:,}",
            e(_iv(x.original, 100, 1)),
            e(_iv(x.perturbed, 100, 1)),
            e(_iv(x.difference, 100, 1)),
            e(_iv(x.flip_rate, 100, 1)),
            f"{x.flips:,}",
            f"{x.unflips:,}",
        ]
        for x in result.effects
    ]
    head = [
        "kind",
        "pairs",
        "original",
        "perturbed",
        "change",
        "flip rate",
        "right→wrong",
        "wrong→right",
    ]
    method = ""
    if result.effects:
        x = result.effects[0]
        method = (
            f"<h2>Method</h2><p>Change: {e(x.difference.method)}. Flip rate: "
            f"{e(x.flip_rate.method)}.</p>"
        )
    body = (
        f"<p>In points, {result.confidence:.0%} intervals, paired by original.</p>"
        + (
            table(head, rows, numeric=(1, 2, 3, 4, 5, 6, 7))
            if rows
            else "<p>No perturbed pair in the run.</p>"
        )
        + _rules(checks)
        + method
    )
    return _page(f"{title}: {result.metric} under perturbation", body)
