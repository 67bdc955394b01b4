"""Robustness of one run on a perturbed suite: accuracy under perturbation and flip rates.

Each perturbed record is paired with its original's record (its id is ``<original
id>~<kind>``) in the same run. Per kind, with intervals clustered by original (the pair's
shared cluster):

* accuracy on the originals and on their perturbed copies, and the paired difference
  (perturbed minus original) from :func:`assay.stats.paired_binary_difference` (McNemar
  exact or Newcombe's paired score interval without clusters; the clustered paired t, CR1,
  when pairs share clusters);
* the flip rate, the share of pairs whose original is right and whose copy is wrong, with
  :func:`assay.stats.binary_mean_interval` (Wilson or the clustered t interval, as it says).

Scores must be 0/1 (right or wrong); repeated samples of an example are averaged first
and must agree. A pair with an errored or unscored record on either side is left out
and counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from assay._util import check_instance
from assay.analysis._fairness_result import BoundsCheck
from assay.errors import ConfigError, DataError
from assay.stats import Estimate, binary_mean_interval, paired_binary_difference

__all__ = [
    "PerturbationEffect",
    "RobustnessResult",
    "check_robustness",
    "robustness_of_records",
]

SLICE = "perturbation"


@dataclass(frozen=True)
class PerturbationEffect:
    """What one perturbation kind did to a run."""

    kind: str
    """The perturbation kind."""
    pairs: int
    """Pairs of original and perturbed records scored on both sides."""
    left_out: int
    """Pairs left out because a side errored or has no score."""
    original: Estimate
    """The metric on the originals of these pairs."""
    perturbed: Estimate
    """The metric under perturbation (accuracy under perturbation)."""
    difference: Estimate
    """Perturbed minus original, paired by original, with its interval."""
    flip_rate: Estimate
    """Share of pairs with the original right and the perturbed copy wrong."""
    flips: int
    """Pairs with the original right and the copy wrong."""
    unflips: int
    """Pairs with the original wrong and the copy right."""


@dataclass(frozen=True)
class RobustnessResult:
    """Per kind, how the run's metric holds up under perturbation."""

    metric: str
    """The 0/1 metric judged (right or wrong)."""
    confidence: float
    """Confidence level of every interval."""
    effects: tuple[PerturbationEffect, ...]
    """One per perturbation kind, in alphabetical order."""


def _per_example(records: pa.Table, metric: str) -> dict[str, tuple[str, str | None, float]]:
    """example id -> (perturbation, cluster, mean score); NaN when any sample has no score."""
    ids = records.column("example_id").to_pylist()
    kinds = records.column(SLICE).cast(pa.string()).to_pylist()
    clusters = records.column("cluster").to_pylist()
    raw = records.column(metric).to_pylist()
    errors = (
        records.column("error").to_pylist()
        if "error" in records.column_names
        else [None] * len(ids)
    )
    sums: dict[str, list[float]] = {}
    meta: dict[str, tuple[str, str | None]] = {}
    for i, ident in enumerate(ids):
        score = raw[i]
        value = float("nan") if score is None or errors[i] is not None else float(score)
        sums.setdefault(ident, []).append(value)
        meta[ident] = (kinds[i], clusters[i])
    out = {}
    for ident, values in sums.items():
        arr = np.asarray(values)
        finite = arr[np.isfinite(arr)]
        if finite.size and not np.isin(finite, (0.0, 1.0)).all():
            raise DataError(
                "robustness needs a right-or-wrong score",
                column=metric,
                expected="scores of 0 or 1",
                found=f"{finite[~np.isin(finite, (0.0, 1.0))][0]!r} for example {ident!r}",
            )
        if finite.size and finite.min() != finite.max():
            raise DataError(
                "repeated samples of an example disagree; flips need one answer per example",
                column=metric,
                expected="the same score on every sample",
                found=f"both 0 and 1 for example {ident!r}",
            )
        mean = float(arr.mean()) if np.isfinite(arr).all() else float("nan")
        out[ident] = (*meta[ident], mean)
    return out


def robustness_of_records(
    records: pa.Table, metric: str, *, confidence: float = 0.95
) -> RobustnessResult:
    """Accuracy under perturbation and flip rates of one run's records on a perturbed suite.

    ``records`` has ``example_id``, ``cluster``, the ``perturbation`` slice and the 0/1
    ``metric`` column (a run on a suite from :func:`assay.datasets.perturb_suite`).
    """
    function = "robustness_of_records"
    check_instance(records, "records", function, pa.Table, "a pyarrow.Table")
    check_instance(metric, "metric", function, str, "a metric name")
    for column in ("example_id", "cluster", SLICE, metric):
        if column not in records.column_names:
            raise DataError(
                "the records are not of a perturbed suite with this metric",
                column=column,
                expected=f"columns example_id, cluster, {SLICE} and {metric}",
                found=f"columns {records.column_names}",
            )
    per = _per_example(records, metric)
    order: list[str] = []
    pairs: dict[str, list[tuple[float, float, str]]] = {}
    left_out: dict[str, int] = {}
    for ident, (kind, cluster, score) in per.items():
        if kind == "original":
            continue
        if kind not in pairs:
            order.append(kind)
            pairs[kind], left_out[kind] = [], 0
        original = per.get(ident.removesuffix(f"~{kind}"))
        if original is None or not ident.endswith(f"~{kind}") or original[0] != "original":
            raise DataError(
                "a perturbed record has no original in the run",
                column="example_id",
                expected=f"a record '<original id>' beside {ident!r}",
                found="none",
            )
        if np.isnan(score) or np.isnan(original[2]):
            left_out[kind] += 1
            continue
        pairs[kind].append((original[2], score, cluster or ident))
    effects = [_effect(k, pairs[k], left_out[k], confidence) for k in sorted(order)]
    return RobustnessResult(metric, confidence, tuple(effects))


def _effect(
    kind: str, rows: Sequence[tuple[float, float, str]], left_out: int, confidence: float
) -> PerturbationEffect:
    if not rows:
        raise DataError(
            f"no scored pair of original and {kind!r} copy",
            column=SLICE,
            expected="at least one pair scored on both sides",
            found=f"{left_out} pair(s), all errored or unscored",
        )
    original = np.array([r[0] for r in rows])
    perturbed = np.array([r[1] for r in rows])
    clusters = [r[2] for r in rows]
    clustered = len(set(clusters)) < len(rows)
    by = clusters if clustered else None
    paired = paired_binary_difference(original, perturbed, clusters=by, confidence=confidence)
    flipped = (original == 1.0) & (perturbed == 0.0)
    flip = binary_mean_interval(flipped.astype(float), clusters=by, confidence=confidence)
    return PerturbationEffect(
        kind=kind,
        pairs=len(rows),
        left_out=left_out,
        original=paired.baseline,
        perturbed=paired.candidate,
        difference=paired.difference,
        flip_rate=flip,
        flips=int(flipped.sum()),
        unflips=int(((original == 0.0) & (perturbed == 1.0)).sum()),
    )


def check_robustness(
    result: RobustnessResult, *, max_flip_rate: Mapping[str, float]
) -> tuple[BoundsCheck, ...]:
    """Judge "the flip rate of KIND is at most Y" on the flip rate's interval (``*``: every
    kind): pass when the upper bound is at or below Y, fail when the lower bound is above."""
    check_instance(result, "result", "check_robustness", RobustnessResult, "a RobustnessResult")
    kinds = {e.kind: e for e in result.effects}
    checks = []
    for kind, limit in max_flip_rate.items():
        chosen = list(kinds.values()) if kind == "*" else [kinds.get(kind)]
        if chosen == [None] or not chosen:
            raise ConfigError(
                f"max_flip_rate names {kind!r}, which the run has no pairs of; kinds: "
                f"{', '.join(kinds) or 'none'}."
            )
        for e in chosen:
            assert e is not None
            f = e.flip_rate
            outcome = _at_most(f.high, f.low, float(limit))
            where = {"pass": "at or below", "fail": "wholly above"}.get(outcome, "across")
            checks.append(
                BoundsCheck(
                    f"{e.kind} flip rate <= {limit:g}",
                    outcome,
                    f"{f.estimate:.4g} [{f.low:.4g}, {f.high:.4g}] ({e.flips} of {e.pairs:,} "
                    f"pairs, {f.method}) is {where} {limit:g}",
                )
            )
    return tuple(checks)


def _at_most(high: float, low: float, limit: float) -> Literal["pass", "fail", "inconclusive"]:
    """An "at most" limit on an interval: wholly at or below passes, wholly above fails."""
    return "pass" if high <= limit else "fail" if low > limit else "inconclusive"
