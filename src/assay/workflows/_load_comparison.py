"""An interleaved load comparison's paired rows as an ordinary :class:`~assay.core.Comparison`,
so that policies, reports and the ledger take it like any other comparison."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from assay.core import Comparison, Coverage, RunErrors
from assay.runners.load import ARMS, InterleavedResult
from assay.workflows._load_paired import MIN_PAIRS, PairedMetric

__all__ = ["as_comparison"]


def as_comparison(
    rows: Sequence[PairedMetric],
    result: InterleavedResult,
    *,
    runs: tuple[str, str],
    models: tuple[str, str],
    suite: tuple[str, str],
    confidence: float,
) -> Comparison:
    """The rows as an ordinary :class:`~assay.core.Comparison` that policies can judge."""
    errors = {}
    for arm in ARMS:
        done = [t for b in result.arm(arm) for t in b.timings if not t.cancelled]
        errors[arm] = RunErrors(records=len(done), errors=sum(not t.ok for t in done))
    slots = sum(len(b.timings) for b in result.arm("baseline"))
    k = len(result.rates)
    few = (
        [
            f"only {k} block pairs: a bootstrap over so few pairs gives intervals too narrow, "
            "even expanded; "
            f"use {MIN_PAIRS} or more per rate"
        ]
        if min(result.rates.count(r) for r in set(result.rates)) < MIN_PAIRS
        else []
    )
    return Comparison(
        baseline_run=runs[0],
        candidate_run=runs[1],
        baseline_model=models[0],
        candidate_model=models[1],
        suite_name=suite[0],
        suite_digest=suite[1],
        confidence=confidence,
        coverage=Coverage(shared=slots, baseline_only=0, candidate_only=0, suite_examples=slots),
        results=[r.row for r in rows],
        errors=errors,
        created_at=datetime.now(UTC),
        methods=[
            f"{k} block pairs interleaved in time ({result.settings['design']} order), the "
            "same seeded schedule and prompts in both blocks of a pair",
            "differences: expanded percentile bootstrap over block pairs (Hesterberg: tails "
            "Φ(√(k/(k−1))·t⁻¹(α/2; k−1))), one set of resamples shared by every metric; "
            "p-values (c+1)/(B+1) through the same expansion",
            "each arm: order-statistic intervals for percentiles, Wilson for shares, batch "
            "means over time windows for cost",
            *few,
        ],
    )
