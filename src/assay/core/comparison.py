"""Comparison results: a candidate run against a baseline run, paired by example."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from assay.core._frames import comparison_frame
from assay.core._html import html_for

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Comparison",
    "Coverage",
    "Flip",
    "FlipCount",
    "Interval",
    "MetricComparison",
    "PlannedStop",
    "RunErrors",
]

_CONFIG = ConfigDict(
    frozen=True, extra="forbid", use_attribute_docstrings=True, ser_json_inf_nan="constants"
)


class Interval(BaseModel):
    """A number with its confidence interval and the method that produced it."""

    model_config = _CONFIG

    estimate: float
    """The point estimate."""
    low: float
    """Lower bound (``-inf`` allowed for one-sided intervals)."""
    high: float
    """Upper bound (``inf`` allowed)."""
    confidence: float = 0.95
    """Confidence level."""
    method: str
    """How the interval was computed, in words."""


class MetricComparison(BaseModel):
    """One metric on one slice: both runs' estimates and the paired difference."""

    model_config = _CONFIG

    metric: str
    """Metric name."""
    goal: Literal["higher", "lower"]
    """Whether higher or lower values are better."""
    slice_attribute: str | None = None
    """Slice attribute (``None`` for all examples)."""
    slice_value: str | None = None
    """Slice value (``None`` for all examples)."""
    n: int
    """Paired examples (repeated samples averaged per example)."""
    n_clusters: int | None = None
    """Clusters, when the analysis accounts for them."""
    baseline: Interval
    """The baseline's estimate."""
    candidate: Interval
    """The candidate's estimate."""
    difference: Interval
    """Candidate minus baseline, paired."""
    test: str
    """The paired test of no difference (e.g. ``"mcnemar exact"``, ``"paired t"``)."""
    p_value: float
    """Raw two-sided p-value of the test."""
    p_adjusted: float | None = None
    """p-value adjusted for multiplicity within its family, when one was declared."""
    adjustment: str | None = None
    """Multiplicity method and family (e.g. ``"benjamini-hochberg over 18 slices"``)."""
    mde: float | None = None
    """Minimum detectable effect at 80% power and the comparison's alpha, on this sample."""
    resamples: int | None = None
    """Bootstrap resamples, for resampling methods."""
    seed: int | None = None
    """Seed of the resampling."""
    notes: list[str] = Field(default_factory=list)
    """Caveats: small slice, degenerate data, method switched."""

    @property
    def label(self) -> str:
        """``accuracy`` or ``accuracy on age_band=60+``."""
        if self.slice_attribute is None:
            return self.metric
        return f"{self.metric} on {self.slice_attribute}={self.slice_value}"


class Flip(BaseModel):
    """An example whose outcome changed between the runs (untrusted text: escape it to show it)."""

    model_config = _CONFIG

    example_id: str
    """The example."""
    metric: str
    """The metric whose score changed."""
    baseline_score: float
    """Baseline score (averaged over samples)."""
    candidate_score: float
    """Candidate score (averaged over samples)."""
    regression: bool = False
    """Whether the candidate is worse on this example (by the metric's goal)."""
    change: float = 0.0
    """How much better the candidate scored, in the metric's units and goal direction:
    negative when it is worse. Flips are ordered by the size of this change."""
    input: str | None = None
    """The example's input (JSON text)."""
    reference: str | None = None
    """The reference (JSON text)."""
    baseline_output: str | None = None
    """What the baseline answered."""
    candidate_output: str | None = None
    """What the candidate answered."""


class FlipCount(BaseModel):
    """How many examples of one metric changed, in each direction (all of them, not only
    those listed in :attr:`Comparison.flips`)."""

    model_config = _CONFIG

    metric: str
    """The metric."""
    worse: int
    """Examples on which the candidate scored worse."""
    better: int
    """Examples on which the candidate scored better."""

    @property
    def total(self) -> int:
        """Examples that changed in either direction."""
        return self.worse + self.better


class Coverage(BaseModel):
    """How well the two runs pair up."""

    model_config = _CONFIG

    shared: int
    """Examples scored in both runs."""
    baseline_only: int
    """Examples only the baseline has."""
    candidate_only: int
    """Examples only the candidate has."""
    suite_examples: int
    """Examples in the (baseline's) suite."""
    empty_slices: list[str] = Field(default_factory=list)
    """Slices (``attribute=value``) that the suite or a run has but no paired example falls
    in, so the comparison has no result for them: a partial run's missing slices, named
    rather than silently left out."""


class RunErrors(BaseModel):
    """Failures of one run."""

    model_config = _CONFIG

    records: int
    """Records in the run."""
    errors: int
    """Records whose model call failed."""
    missing_scores: dict[str, int] = Field(default_factory=dict)
    """Records without a score, by metric."""

    @property
    def error_rate(self) -> float:
        """Share of records that errored."""
        return self.errors / self.records if self.records else 0.0


class PlannedStop(BaseModel):
    """The candidate's planned early stop, paired with this comparison's baseline run.

    The candidate evaluated examples in a seeded random order and stopped when an
    anytime-valid confidence sequence for ``metric`` (candidate − baseline) decided. The stop
    is replayed from both runs' records before it is used, so these numbers come from the
    records, not from what the run says of itself. Gates judge that metric's overall
    difference on this interval, which stays valid at a data-dependent stop; the
    fixed-sample interval of the comparison does not.
    """

    model_config = _CONFIG

    metric: str
    """The metric the stop decided on."""
    decision: Literal["not_worse", "worse", "undecided"]
    """How the stop ended."""
    n_used: int
    """Examples the candidate evaluated."""
    n_total: int
    """Examples in the suite."""
    n_observations: int
    """Examples in the sequence (evaluated, no error, with a baseline score)."""
    difference: Interval
    """The sequence's final interval for the mean of candidate − baseline."""
    margin: float
    """The margin the plan stopped against, in the metric's units (fixed before the run)."""
    unevaluated: int
    """Baseline examples the stop left unevaluated: planned, so not missing."""
    baseline_mean: float
    """Mean of the baseline run's per-example scores over all its examples (what a
    ``relative_margin`` is a share of, as when the plan was made)."""


class Comparison(BaseModel):
    """A candidate run against a baseline run on the same suite version."""

    model_config = _CONFIG

    baseline_run: str
    """Baseline run id."""
    candidate_run: str
    """Candidate run id."""
    baseline_model: str
    """Baseline ``NAME@VERSION``."""
    candidate_model: str
    """Candidate ``NAME@VERSION``."""
    suite_name: str
    """Suite name."""
    suite_digest: str
    """Suite digest (the baseline's, when only shared examples are compared)."""
    confidence: float = 0.95
    """Confidence level of every interval."""
    coverage: Coverage
    """How the runs paired."""
    results: list[MetricComparison]
    """Every metric, overall then by slice."""
    flips: list[Flip] = Field(default_factory=list)
    """Examples that flipped (up to the comparison's ``max_flips``), regressions first, each
    direction ordered by the size of the change."""
    flip_counts: list[FlipCount] = Field(default_factory=list)
    """True counts of changed examples per metric, in both directions, whatever was listed."""
    errors: dict[str, RunErrors] = Field(default_factory=dict)
    """Failures of each run, keyed ``baseline`` and ``candidate``."""
    manifest_differences: list[dict[str, object]] = Field(default_factory=list)
    """What differs between the manifests (``path``, ``a``, ``b``)."""
    created_at: datetime
    """When the comparison was made (UTC)."""
    methods: list[str] = Field(default_factory=list)
    """Every statistical method used, in words, for the report's methods section."""
    early_stop: PlannedStop | None = None
    """The candidate's planned early stop against this baseline, when it had one and it
    replays from the records."""
    early_stop_note: str = ""
    """Whether the candidate's planned early stop is used, and why not, in words (empty for
    a run without one)."""

    def result(
        self, metric: str, slice_attribute: str | None = None, slice_value: str | None = None
    ) -> MetricComparison:
        """The result for a metric, overall or on one slice."""
        for r in self.results:
            if (r.metric, r.slice_attribute, r.slice_value) == (
                metric,
                slice_attribute,
                slice_value,
            ):
                return r
        raise KeyError((metric, slice_attribute, slice_value))

    def to_pandas(self) -> pd.DataFrame:
        """One row per metric x slice, in :attr:`results` order: ``metric``, ``goal``,
        ``slice_attribute``, ``slice_value`` (empty overall), ``n``, ``n_clusters``, both
        estimates with their intervals (``baseline``, ``baseline_low``, ...), ``difference``
        with ``difference_low`` and ``difference_high``, ``p``, ``p_adj``, ``test``,
        ``method`` (the difference's interval method) and ``adjustment``."""
        return comparison_frame(self)

    def _repr_html_(self) -> str | None:
        """A table in notebooks, by the renderer :mod:`assay.reports` registers."""
        return html_for(self)
