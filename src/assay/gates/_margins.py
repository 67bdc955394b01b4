"""The non-inferiority margin of a rule, stated or by default, in the reason's words.

A ``non_inferiority`` rule with ``margin`` or ``relative_margin`` uses it. A rule that states
neither (the default policy's) takes, for each metric:

1. the margin the suite declares for the metric (:attr:`assay.core.MetricSpec.margin` or
   ``relative_margin``);
2. else, for a metric known to be a proportion, 1 point (0.01): per-example 0/1 scores (the
   comparison tested it with McNemar's test), a 0/1 scorer (``exact_match``, ...) or a
   definition bounded in [0, 1] (``accuracy``, ``f1``, ...);
3. else 1% of the baseline's estimate: an absolute 1 point means nothing for latency, BLEU
   on 0–100 or revenue, while a share of the baseline is in the metric's own units.

A relative margin is a share of the baseline's estimate on the result judged (the slice's, for
a slice); for a candidate stopped early by plan, of the baseline run's mean over all its
examples, as when the plan was made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assay._util import check_instance, check_number
from assay.core import MetricComparison, MetricSpec, PlannedStop
from assay.gates._words import Scale

__all__ = [
    "DEFAULT_ABSOLUTE",
    "DEFAULT_RELATIVE",
    "Margin",
    "is_proportion",
    "margin_of",
    "non_inferiority_margin",
]

DEFAULT_ABSOLUTE = 0.01
"""The default margin of a proportion: 1 point."""
DEFAULT_RELATIVE = 0.01
"""The default margin of any other metric: 1% of the baseline's estimate."""

_ZERO_ONE_SCORERS = frozenset(
    {
        "exact_match",
        "normalized_match",
        "contains",
        "regex_match",
        "json_valid",
        "numeric_tolerance",
    }
)
_UNIT_DEFINITIONS = frozenset(
    {"accuracy", "exact_match", "precision", "recall", "f1", "macro_f1", "micro_f1", "roc_auc"}
)


@dataclass(frozen=True)
class Margin:
    """A margin and where it came from."""

    size: float
    """The largest acceptable worsening, in the metric's units (≥ 0)."""
    note: str
    """What the reason says after "the −m margin" (empty for a margin the rule states)."""


def is_proportion(spec: MetricSpec | None, *, zero_one: bool) -> bool:
    """Whether the metric is known to be a proportion: ``zero_one`` (its per-example scores
    are 0/1) or, from the suite, a 0/1 scorer or a definition bounded in [0, 1]."""
    check_instance(spec, "spec", "is_proportion", (MetricSpec, type(None)), "a MetricSpec or None")
    if zero_one:
        return True
    if spec is None:
        return False
    if spec.aggregate == "mean":
        return spec.scorer in _ZERO_ONE_SCORERS
    return spec.aggregate in _UNIT_DEFINITIONS


def non_inferiority_margin(
    margin: float | None,
    relative_margin: float | None,
    spec: MetricSpec | None,
    baseline: float,
    *,
    zero_one: bool,
) -> tuple[float, str]:
    """The margin of a non-inferiority rule on one metric, and where it comes from.

    ``margin`` and ``relative_margin`` are the rule's, ``spec`` the suite's metric (or
    ``None``), ``baseline`` the baseline estimate a relative margin is a share of, and
    ``zero_one`` whether the per-example scores are 0/1 (:func:`is_proportion`).
    The source is ``rule``, ``rule relative``, ``suite``, ``suite relative``, ``proportion``
    or ``relative`` (the default for any other metric).
    """
    function = "non_inferiority_margin"
    if margin is not None:
        check_number(margin, "margin", function, low=0.0, low_open=True)
    if relative_margin is not None:
        check_number(relative_margin, "relative_margin", function, low=0.0, low_open=True)
    if spec is not None:
        check_instance(spec, "spec", function, MetricSpec, "a MetricSpec or None")
    # not required finite: a degenerate result's NaN estimate gives a NaN margin, judged as such
    check_instance(baseline, "baseline", function, (int, float), "a number")
    check_instance(zero_one, "zero_one", function, bool, "a bool")
    if margin is not None:
        return margin, "rule"
    if relative_margin is not None:
        return relative_margin * abs(baseline), "rule relative"
    if spec is not None and spec.margin is not None:
        return spec.margin, "suite"
    if spec is not None and spec.relative_margin is not None:
        return spec.relative_margin * abs(baseline), "suite relative"
    if is_proportion(spec, zero_one=zero_one):
        return DEFAULT_ABSOLUTE, "proportion"
    return DEFAULT_RELATIVE * abs(baseline), "relative"


def margin_of(
    margin: float | None,
    relative_margin: float | None,
    result: MetricComparison,
    planned: PlannedStop | None,
    specs: Mapping[str, MetricSpec],
    sc: Scale,
) -> Margin:
    """The margin a non-inferiority rule judges ``result`` with (see the module docstring)."""
    spec = specs.get(result.metric)
    if planned is not None:
        baseline = planned.baseline_mean
        base = f"the baseline run's {sc.value(baseline)} over all its examples"
    else:
        baseline = result.baseline.estimate
        base = f"the baseline's {sc.value(baseline)}"
    m, source = non_inferiority_margin(
        margin, relative_margin, spec, baseline, zero_one="mcnemar" in result.test.lower()
    )
    if source == "rule":
        return Margin(m, "")
    if source == "rule relative":
        return Margin(m, f" ({relative_margin:.1%} of {base})")
    if source == "suite":
        return Margin(m, " declared by the suite")
    if source == "suite relative":
        assert spec is not None and spec.relative_margin is not None
        share = f"{spec.relative_margin:.1%}"
        return Margin(
            m, f" (relative margin {share} of {base} = {sc.size(m)}, declared by the suite)"
        )
    if source == "proportion":
        return Margin(m, " (the default for a proportion)")
    return Margin(
        m,
        " (the default for a metric not known to be a proportion: relative margin "
        f"{DEFAULT_RELATIVE:.0%} of {base} = {sc.size(m)})",
    )
