"""``assay fairness CANDIDATE --against BASELINE``: each group's metrics in both runs and
their paired change, and the change of every disparity, within 80 columns when piped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assay.cli._render import console, new_table, output_format, safe
from assay.cli._robustness import _iv, _say

if TYPE_CHECKING:
    from assay.analysis import FairnessChange
    from assay.stats import Estimate

__all__ = ["print_fairness_change"]


def _pts(e: Estimate) -> str:
    return f"{e.estimate:+.3f} [{e.low:+.3f}, {e.high:+.3f}]"


def print_fairness_change(change: FairnessChange, baseline_id: str) -> None:
    """The change tables (candidate minus baseline) and the method."""
    _say(
        f"against baseline {baseline_id[:12]}: {change.n:,} paired examples; "
        f"change = candidate - baseline; {change.method}"
    )
    table = new_table(
        f"change by group ({change.confidence:.0%} intervals)",
        ("group", "metric", "baseline", "candidate", "change"),
        numbers=("baseline", "candidate", "change"),
    )
    piped = output_format() != "table"
    for g in change.groups:
        if not g.change:
            _say(f"{g.group}: {g.n:,} examples, too small for an interval")
            continue
        for i, (metric, diff) in enumerate(g.change.items()):
            base, cand = g.baseline.values[metric], g.candidate.values[metric]
            if piped:
                _say(
                    f"{g.group} {metric}: {base.estimate:.3f} -> {cand.estimate:.3f}, "
                    f"change {_pts(diff)}"
                )
            else:
                table.add_row(
                    safe(g.group) if i == 0 else "",
                    metric,
                    f"{base.estimate:.3f}",
                    f"{cand.estimate:.3f}",
                    _pts(diff),
                )
    if not piped:
        console.print(table)
    table = new_table(
        "change of the disparities",
        ("disparity", "baseline", "candidate", "change"),
        numbers=("baseline", "candidate", "change"),
    )
    for d in change.disparities:
        if piped:
            _say(f"{d.name}: {_iv(d.baseline)} -> {_iv(d.candidate)}, change {_pts(d.change)}")
        else:
            table.add_row(d.name, _iv(d.baseline), _iv(d.candidate), _pts(d.change))
    if not piped:
        console.print(table)
    for note in change.notes:
        _say(f"note: {note}")
