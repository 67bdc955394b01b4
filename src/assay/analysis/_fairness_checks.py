"""Fairness rules judged on interval bounds, like every gate.

* ``min_group``: every group's metric is at least X. Passes when every group's lower bound
  is at or above X, fails when some group's upper bound is below X, inconclusive otherwise.
* ``max_disparity``: a disparity is at most Y (a ratio: at least Y). Passes when the
  whole interval is on the right side, fails when it is wholly on the wrong side.

Groups too small for an interval are named in the reason and never judged, so they leave
the rule unsettled: a rule that would pass is inconclusive instead ("not settled"), unless
``ignore_small_groups=True`` (then the reason says they were ignored). A rule with no group
large enough is inconclusive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from assay._util import check_instance
from assay.analysis._fairness_result import (
    DISPARITIES,
    GROUP_METRICS,
    BoundsCheck,
    FairnessResult,
)
from assay.errors import ConfigError

__all__ = ["check_fairness"]


def _num(x: float) -> str:
    return f"{x:.4g}"


def _tail(skipped: tuple[str, ...] | list[str], ignore: bool) -> str:
    if not skipped:
        return ""
    return f"; too small to judge: {', '.join(skipped)}" + (
        " (ignored: ignore_small_groups)" if ignore else " (not settled)"
    )


def _min_group(result: FairnessResult, metric: str, limit: float, ignore: bool) -> BoundsCheck:
    rule = f"every {result.attribute} group's {metric} >= {_num(limit)}"
    judged = [(g.group, g.values[metric]) for g in result.groups if metric in g.values]
    skipped = [g.group for g in result.groups if metric not in g.values]
    tail = _tail(skipped, ignore)
    if not judged:
        return BoundsCheck(rule, "inconclusive", f"no group is large enough for an interval{tail}")
    worst = min(judged, key=lambda item: item[1].low)
    text = ", ".join(f"{g} {_num(e.estimate)} [{_num(e.low)}, {_num(e.high)}]" for g, e in judged)
    if all(e.low >= limit for _, e in judged):
        outcome: Literal["pass", "inconclusive"] = (
            "inconclusive" if skipped and not ignore else "pass"
        )
        return BoundsCheck(
            rule, outcome, f"every judged group's interval is at or above: {text}{tail}"
        )
    failing = [g for g, e in judged if e.high < limit]
    if failing:
        return BoundsCheck(
            rule, "fail", f"{', '.join(failing)} wholly below {_num(limit)}: {text}{tail}"
        )
    return BoundsCheck(
        rule,
        "inconclusive",
        f"{worst[0]}'s interval [{_num(worst[1].low)}, {_num(worst[1].high)}] spans "
        f"{_num(limit)}: {text}{tail}",
    )


def _max_disparity(result: FairnessResult, name: str, limit: float, ignore: bool) -> BoundsCheck:
    ratio = name.endswith("_ratio")
    rule = f"{name} by {result.attribute} {'>=' if ratio else '<='} {_num(limit)}"
    found = result.disparity(name)
    if found is None:
        small = f" (too small: {', '.join(result.too_small)})" if result.too_small else ""
        return BoundsCheck(
            rule, "inconclusive", f"fewer than two groups are large enough for an interval{small}"
        )
    e = found.estimate
    text = (
        f"{_num(e.estimate)} [{_num(e.low)}, {_num(e.high)}] between {found.low_group} and "
        f"{found.high_group} ({e.method})"
    )
    outcome: Literal["pass", "fail", "inconclusive"]
    if ratio:
        outcome = "pass" if e.low >= limit else "fail" if e.high < limit else "inconclusive"
    else:
        outcome = "pass" if e.high <= limit else "fail" if e.low > limit else "inconclusive"
    if ratio:
        where = {"pass": "wholly at or above", "fail": "wholly below"}.get(outcome, "across")
    else:
        where = {"pass": "wholly at or below", "fail": "wholly above"}.get(outcome, "across")
    if outcome == "pass" and result.too_small and not ignore:
        outcome = "inconclusive"
    return BoundsCheck(rule, outcome, f"{where} the limit: {text}{_tail(result.too_small, ignore)}")


def check_fairness(
    result: FairnessResult,
    *,
    min_group: Mapping[str, float] | None = None,
    max_disparity: Mapping[str, float] | None = None,
    ignore_small_groups: bool = False,
) -> tuple[BoundsCheck, ...]:
    """Judge fairness rules on ``result``'s intervals.

    ``min_group`` maps a group metric to the least value every group must reach;
    ``max_disparity`` maps a disparity name (``equalized_odds_difference``,
    ``accuracy_ratio``, ...) to its limit: the most for a difference, the least for a ratio.
    A group too small for an interval keeps a rule from passing (inconclusive) unless
    ``ignore_small_groups``.
    """
    check_instance(result, "result", "check_fairness", FairnessResult, "a FairnessResult")
    checks = []
    known_metrics = {m for g in result.groups for m in g.values}
    for metric, limit in (min_group or {}).items():
        if metric not in known_metrics:
            raise ConfigError(
                f"min_group names {metric!r}, which no group has; metrics: "
                f"{', '.join(sorted(known_metrics)) or 'none'}."
            )
        checks.append(_min_group(result, metric, float(limit), ignore_small_groups))
    known = {d.name for d in result.disparities}
    names = {*DISPARITIES, *(f"{m}_{k}" for m in GROUP_METRICS for k in ("difference", "ratio"))}
    for name, limit in (max_disparity or {}).items():
        if name not in names:
            raise ConfigError(
                f"max_disparity names {name!r}, which is not a disparity; known: "
                f"{', '.join(sorted(known)) or 'none'}."
            )
        checks.append(_max_disparity(result, name, float(limit), ignore_small_groups))
    return tuple(checks)
