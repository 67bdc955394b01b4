"""Robustness and fairness of stored runs: perturbed suites, flip rates, group metrics."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assay._util import atomic_write
from assay.errors import ConfigError
from assay.storage import Store
from assay.workflows._api import LoggedRun, get_run, register_suite
from assay.workflows._store import resolve_store
from assay.workflows._text_use import records_with_text, suite_with_text

if TYPE_CHECKING:
    from assay.analysis import BoundsCheck, FairnessChange, FairnessResult, RobustnessResult
    from assay.core import Run, RunInfo
    from assay.data import SuiteData
    from assay.datasets import PerturbedSuite

__all__ = [
    "FairnessReport",
    "RobustnessReport",
    "fairness",
    "perturb_stored_suite",
    "robustness",
]


def perturb_stored_suite(
    suite: SuiteData | str | Path,
    kinds: Sequence[str] | None = None,
    *,
    seed: int = 0,
    store: Store | None = None,
) -> PerturbedSuite:
    """Perturb a suite (YAML path, stored name or digest) and store the robustness suite.

    ``kinds`` defaults to every kind (:data:`assay.datasets.PERTURBATION_KINDS`). Storing
    is idempotent: the same suite, kinds and seed give the same digest.
    """
    from assay.data import SuiteData
    from assay.datasets import PERTURBATION_KINDS, perturb_suite

    st = resolve_store(store)
    what = "A perturbation of a red-team suite (it rewrites the prompts)"
    data = suite if isinstance(suite, SuiteData) else suite_with_text(st, str(suite), what)
    result = perturb_suite(data, tuple(kinds) if kinds else PERTURBATION_KINDS, seed=seed)
    register_suite(result.data, store=st)
    return result


def _run_and_records(run: str | RunInfo | LoggedRun, st: Store) -> tuple[Run, SuiteData]:
    from assay.data import SuiteData

    found = get_run(run, store=st)
    return found, SuiteData(
        st.suites.get(found.suite_digest), st.suites.examples(found.suite_digest, text=False)
    )


def robustness(
    run: str | RunInfo | LoggedRun,
    *,
    metric: str | None = None,
    max_flip_rate: Mapping[str, float] | None = None,
    confidence: float = 0.95,
    markdown: str | Path | None = None,
    html: str | Path | None = None,
    store: Store | None = None,
) -> RobustnessReport:
    """Accuracy under perturbation and flip rates, by kind, of a run on a perturbed suite.

    ``metric`` (default: the suite's first) must be scored 0 or 1. ``max_flip_rate`` maps a
    kind (``*``: every kind) to the largest acceptable flip rate, judged on bounds
    (:func:`assay.analysis.check_robustness`). ``markdown``: also write the report section
    there (:func:`assay.reports.robustness_markdown`); ``html``: the report as an HTML page
    (:func:`assay.reports.robustness_html`).
    """
    from assay.analysis import check_robustness, robustness_of_records

    st = resolve_store(store)
    found, data = _run_and_records(run, st)
    if "perturbation" not in data.suite.slice_names:
        raise ConfigError(
            f"Run {found.run_id[:12]} is on suite {data.suite.name!r}, which has no "
            "'perturbation' slice; evaluate the model on a suite from `assay suites perturb`."
        )
    name = metric or data.suite.metric_names[0]
    if name not in data.suite.metric_names:
        raise ConfigError(
            f"Suite {data.suite.name!r} has no metric {name!r}; metrics: "
            f"{', '.join(data.suite.metric_names)}."
        )
    records = st.runs.records(found.run_id)
    result = robustness_of_records(records, name, confidence=confidence)
    checks = check_robustness(result, max_flip_rate=max_flip_rate or {})
    if markdown is not None:
        from assay.reports import robustness_markdown

        title = f"Robustness of {found.model}"
        atomic_write(markdown, robustness_markdown(result, checks, title=title))
    if html is not None:
        from assay.reports import robustness_html

        page = robustness_html(result, checks, title=f"Robustness of {found.model}")
        atomic_write(html, page.encode("utf-8"))
    return RobustnessReport(found.run_id, str(found.model), result, checks)


def _verdict(checks: Sequence[BoundsCheck]) -> str | None:
    """BLOCK when a rule fails, INCONCLUSIVE when one is inconclusive, SHIP; None: no rules."""
    outcomes = {c.outcome for c in checks}
    if not outcomes:
        return None
    return (
        "BLOCK" if "fail" in outcomes else "INCONCLUSIVE" if "inconclusive" in outcomes else "SHIP"
    )


@dataclass(frozen=True)
class RobustnessReport:
    """Robustness of one run on a perturbed suite, and the flip-rate rules judged on it."""

    run_id: str
    """The run analysed."""
    model: str
    """Its model."""
    result: RobustnessResult
    """Accuracy under perturbation and flip rates by kind."""
    checks: tuple[BoundsCheck, ...]
    """The flip-rate rules asked for, judged on bounds."""

    @property
    def verdict(self) -> str | None:
        """BLOCK, INCONCLUSIVE or SHIP from the rules; None without rules."""
        return _verdict(self.checks)


@dataclass(frozen=True)
class FairnessReport:
    """Fairness of one run by one attribute, and the rules judged on it."""

    run_id: str
    """The run analysed."""
    model: str
    """Its model."""
    result: FairnessResult
    """Group metrics and disparities with intervals."""
    checks: tuple[BoundsCheck, ...]
    """The rules asked for, judged on bounds."""
    baseline_id: str | None = None
    """With ``against``: the baseline run."""
    change: FairnessChange | None = None
    """With ``against``: every group metric and disparity of the baseline and this run,
    and their paired change (:func:`assay.analysis.paired_group_fairness`)."""

    @property
    def verdict(self) -> str:
        """BLOCK when a rule fails, INCONCLUSIVE when one is inconclusive, else SHIP."""
        outcomes = {c.outcome for c in self.checks}
        return (
            "BLOCK"
            if "fail" in outcomes
            else "INCONCLUSIVE"
            if "inconclusive" in outcomes
            else "SHIP"
        )


def _label(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, str) else json.dumps(value)


def fairness(
    run: str | RunInfo | LoggedRun,
    *,
    by: str,
    positive: str,
    score: str | None = None,
    min_group: Mapping[str, float] | None = None,
    max_disparity: Mapping[str, float] | None = None,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
    min_group_size: int = 30,
    markdown: str | Path | None = None,
    html: str | Path | None = None,
    store: Store | None = None,
    against: str | RunInfo | LoggedRun | None = None,
) -> FairnessReport:
    """Group metrics of a run's predictions by the slice attribute ``by``, with disparities.

    Predictions are the records' outputs, truths their references; ``positive`` is the
    selected label. ``score`` names a record column of predicted probabilities (for the
    calibration gap). Errored records are left out. Intervals resample clusters when the
    suite has them. ``min_group`` / ``max_disparity`` are rules judged on bounds
    (:func:`assay.analysis.check_fairness`). ``markdown``: also write the report section
    there (:func:`assay.reports.fairness_markdown`); ``html``: the report as an HTML page
    (:func:`assay.reports.fairness_html`). ``against``: a baseline run of the same suite
    version; the report then also holds the paired change of every group metric and
    disparity (baseline to this run) with paired bootstrap intervals.
    """
    from assay.analysis import check_fairness, group_fairness

    st = resolve_store(store)
    found, data = _run_and_records(run, st)
    if by not in data.suite.slice_names:
        raise ConfigError(
            f"Suite {data.suite.name!r} has no slice attribute {by!r}; slices: "
            f"{', '.join(data.suite.slice_names) or 'none'}."
        )
    what = f"The fairness of run {found.run_id[:12]} (its outputs and references as labels)"
    records = records_with_text(st, found.run_id, what).to_pylist()
    kept = [r for r in records if r.get("error") is None and r.get("output") is not None]
    if score is not None and (not kept or score not in kept[0]):
        raise ConfigError(f"The run's records have no column {score!r} for probabilities.")
    truths = [_label(r["reference"]) for r in kept]
    if positive not in truths:
        labels = sorted({str(t) for t in truths})[:10]
        raise ConfigError(
            f"No reference is the positive label {positive!r}; labels: {', '.join(labels)}."
        )
    clusters = [r["cluster"] or r["example_id"] for r in kept]
    result = group_fairness(
        truths,
        [_label(r["output"]) for r in kept],
        [r[by] for r in kept],
        positive=positive,
        attribute=by,
        scores=None if score is None else [float(r[score]) for r in kept],
        clusters=clusters if len(set(clusters)) < len(clusters) else None,
        confidence=confidence,
        resamples=resamples,
        rng=seed,
        min_group=min_group_size,
    )
    checks = check_fairness(result, min_group=min_group, max_disparity=max_disparity)
    if markdown is not None:
        from assay.reports import fairness_markdown

        title = f"Fairness of {found.model}"
        atomic_write(markdown, fairness_markdown(result, checks, title=title))
    if html is not None:
        from assay.reports import fairness_html

        page = fairness_html(result, checks, title=f"Fairness of {found.model}")
        atomic_write(html, page.encode("utf-8"))
    change, baseline_id = None, None
    if against is not None:
        from assay.workflows._fairness_change import paired_fairness

        base = get_run(against, store=st)
        baseline_id = base.run_id
        change = paired_fairness(
            st,
            base,
            found,
            by=by,
            positive=positive,
            confidence=confidence,
            resamples=resamples,
            seed=seed,
            min_group_size=min_group_size,
        )
    return FairnessReport(found.run_id, str(found.model), result, checks, baseline_id, change)
