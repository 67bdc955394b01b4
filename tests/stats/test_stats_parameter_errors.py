"""Every public function of assay.stats and assay.compare names ITSELF in its ParameterError.

One bad argument per public function; the error's ``function`` must be the name the user
called (never an internal helper or another public function it delegates to) and the message
must have the one shape ``The 'p' parameter of f must be <expected>. Got <value>.``

The list is complete by construction: a public function added to ``__all__`` without a case
here (or in ``COVERED_ELSEWHERE``) fails :func:`test_every_public_function_has_a_case`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import assay.compare
import assay.stats
from assay.errors import ParameterError
from assay.stats import (
    PairedStats,
    Replicates,
    adjust_pvalues,
    average_samples,
    bca_acceleration,
    bca_bias_correction,
    binary_interval_from_counts,
    binary_mean_interval,
    bootstrap_interval,
    bootstrap_metric,
    bootstrap_p_value,
    bootstrap_weights,
    cohens_kappa,
    empirical_bernstein_confidence_sequence,
    estimate_from_replicates,
    expanded_p_value,
    interleaving_test,
    interval_half_width,
    interval_sample_size,
    krippendorff_alpha,
    mcnemar_from_counts,
    mcnemar_mde,
    mcnemar_power,
    mcnemar_sample_size,
    mcnemar_test,
    mean_interval,
    mean_interval_from_summary,
    mean_summary_from_moments,
    minimum_detectable_effect,
    msprt_interval,
    msprt_p_value,
    normal_mixture_confidence_sequence,
    normal_mixture_rho,
    paired_binary_difference,
    paired_binary_difference_from_counts,
    paired_bootstrap,
    paired_bootstrap_table,
    paired_empirical_bernstein_confidence_sequence,
    paired_from_replicates,
    paired_from_replicates_many,
    paired_mean_difference,
    paired_normal_mixture_confidence_sequence,
    paired_permutation_test,
    paired_quantile_bootstrap,
    paired_quantile_table,
    paired_quantiles_table,
    paired_t_from_summary,
    paired_t_power,
    pass_at_k,
    pass_at_k_interval,
    ppi_mean,
    ppi_paired_difference,
    proportion_interval,
    quantile_bootstrap,
    quantile_interval,
    required_sample_size,
    team_draft_interleave,
    wilcoxon_signed_rank,
)

SHAPE = re.compile(
    r"^The '(?P<parameter>[^']+)' parameter of (?P<function>\w+) must be .+\. Got .+\.$"
)

# Public functions whose argument errors are tested by their owners, listed so that the
# enumeration below stays complete (the online-experiment readouts and designs).
COVERED_ELSEWHERE = frozenset(
    {
        "ab_lift",
        "ab_mde_by_week",
        "ab_quantile_lift",
        "ab_sample_size",
        "bayesian_lift",
        "dunnett_critical_value",
        "sample_ratio_test",
    }
)

X = np.array([0.1, 0.5, 0.9, 0.3, 0.7, 0.2])
Y = X + np.array([0.1, -0.05, 0.2, 0.0, 0.15, 0.05])
B01 = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
C01 = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 1.0])
SUMS = np.c_[B01, np.ones(6)]
IDS = ["a", "a", "b", "b", "c", "c"]
REPS = np.linspace(-1.0, 1.0, 50)


def _ratio(s: np.ndarray) -> np.ndarray:
    return s[..., 0] / s[..., 1]


def _summary() -> assay.stats.MeanSummary:
    return mean_summary_from_moments(0.5, 0.1, 10)


def _replicates() -> Replicates:
    return Replicates(0.0, REPS, np.linspace(-0.1, 0.1, 6), None)


CASES: dict[str, Callable[[], Any]] = {
    # estimates, paired tests, multiplicity, power
    "adjust_pvalues": lambda: adjust_pvalues([0.01, 0.2], alpha=1.5),
    "average_samples": lambda: average_samples([[1.0, 2.0]], ["a"]),
    "binary_interval_from_counts": lambda: binary_interval_from_counts(
        3, _summary(), confidence=1.5
    ),
    "binary_mean_interval": lambda: binary_mean_interval(B01, confidence=1.5),
    "expanded_p_value": lambda: expanded_p_value(0.05, "two-sided", 1),
    "mcnemar_from_counts": lambda: mcnemar_from_counts(1, 2, 10, method="chi2"),
    "mcnemar_mde": lambda: mcnemar_mde(0, 0.2),
    "mcnemar_power": lambda: mcnemar_power(0, 0.1, 0.2),
    "mcnemar_sample_size": lambda: mcnemar_sample_size(0.1, 0.2, alpha=1.5),
    "interval_sample_size": lambda: interval_sample_size(0.05, confidence=1.5),
    "interval_half_width": lambda: interval_half_width(100, proportion=1.5),
    "mcnemar_test": lambda: mcnemar_test(B01, C01, method="chi2"),  # type: ignore[arg-type]
    "mean_interval": lambda: mean_interval(X, confidence=1.5),
    "mean_interval_from_summary": lambda: mean_interval_from_summary(_summary(), confidence=1.5),
    "mean_summary_from_moments": lambda: mean_summary_from_moments(0.5, 0.1, 0),
    "minimum_detectable_effect": lambda: minimum_detectable_effect(-1, 1.0),
    "paired_binary_difference": lambda: paired_binary_difference(B01, C01, confidence=1.5),
    "paired_binary_difference_from_counts": lambda: paired_binary_difference_from_counts(
        1, 2, 3, 4, confidence=1.5
    ),
    "paired_mean_difference": lambda: paired_mean_difference(X, Y, confidence=1.5),
    "paired_permutation_test": lambda: paired_permutation_test(X, Y, resamples=0),
    "paired_t_from_summary": lambda: paired_t_from_summary(_summary(), alternative="both"),  # type: ignore[arg-type]
    "paired_t_power": lambda: paired_t_power(0, 0.1, 1.0),
    "proportion_interval": lambda: proportion_interval(3, 10, confidence=1.5),
    "quantile_interval": lambda: quantile_interval(X, 0.5, confidence=1.5),
    "required_sample_size": lambda: required_sample_size(0.1, 1.0, alpha=1.5),
    "wilcoxon_signed_rank": lambda: wilcoxon_signed_rank(X, Y, alternative="both"),  # type: ignore[arg-type]
    # bootstrap engine
    "bca_acceleration": lambda: bca_acceleration([0.1, 0.2, 0.4], weights=[1.0, -1.0, 1.0]),
    "bca_bias_correction": lambda: bca_bias_correction(0.0, np.empty(0)),
    "bootstrap_interval": lambda: bootstrap_interval(
        0.0, REPS, confidence=1.5, method="percentile"
    ),
    "bootstrap_metric": lambda: bootstrap_metric(SUMS, _ratio, resamples=0),
    "bootstrap_p_value": lambda: bootstrap_p_value(REPS, alternative="both"),  # type: ignore[arg-type]
    "bootstrap_weights": lambda: bootstrap_weights(10, 0),
    "estimate_from_replicates": lambda: estimate_from_replicates(0.0, REPS, n=10, confidence=1.5),
    "paired_bootstrap": lambda: paired_bootstrap(SUMS, SUMS, _ratio, resamples=0),
    "paired_bootstrap_table": lambda: paired_bootstrap_table(
        {"m": PairedStats(SUMS, SUMS, _ratio)}, resamples=0
    ),
    "paired_from_replicates": lambda: paired_from_replicates(
        _replicates(), _replicates(), n=6, confidence=1.5
    ),
    "paired_from_replicates_many": lambda: paired_from_replicates_many(
        [(_replicates(), _replicates())], n=[6], confidence=1.5
    ),
    "paired_quantile_bootstrap": lambda: paired_quantile_bootstrap(X, Y, 0.5, resamples=0),
    "paired_quantile_table": lambda: paired_quantile_table(X, Y, 0.5, resamples=0),
    "paired_quantiles_table": lambda: paired_quantiles_table(X, Y, [0.5, 0.9], resamples=0),
    "quantile_bootstrap": lambda: quantile_bootstrap(X, 0.5, resamples=0),
    # judges, agreement, sequential
    "cohens_kappa": lambda: cohens_kappa([0, 1, 1], [0, 1, 0], confidence=1.5),
    "empirical_bernstein_confidence_sequence": lambda: empirical_bernstein_confidence_sequence(
        X, confidence=1.5
    ),
    "krippendorff_alpha": lambda: krippendorff_alpha(np.c_[X, Y], resamples=0),
    "normal_mixture_confidence_sequence": lambda: normal_mixture_confidence_sequence(
        X, confidence=1.5
    ),
    "normal_mixture_rho": lambda: normal_mixture_rho(0),
    "paired_empirical_bernstein_confidence_sequence": lambda: (
        paired_empirical_bernstein_confidence_sequence(B01, C01, confidence=1.5)
    ),
    "paired_normal_mixture_confidence_sequence": lambda: paired_normal_mixture_confidence_sequence(
        X, Y, confidence=1.5
    ),
    "pass_at_k": lambda: pass_at_k([5, 5], [1, 2], 0),
    "pass_at_k_interval": lambda: pass_at_k_interval(B01, IDS, 0),
    "ppi_mean": lambda: ppi_mean(B01, C01, X, confidence=1.5),
    "ppi_paired_difference": lambda: ppi_paired_difference(
        B01, C01, B01, C01, X, Y, confidence=1.5
    ),
    # online experiments (the ones in stats itself)
    "window_ratio_interval": lambda: assay.stats.window_ratio_interval(
        [1.0, 2], [1.0, 1], n_batches=1
    ),
    "percentile_interval": lambda: assay.stats.percentile_interval([1.0], 1.5),
    "batch_means_interval": lambda: assay.stats.batch_means_interval([1.0] * 20, n_batches=1),
    "batch_means_trend": lambda: assay.stats.batch_means_trend([1.0] * 20, n_batches=2),
    "batch_means_independence": lambda: assay.stats.batch_means_independence(
        [1.0] * 20, n_batches=7
    ),
    "mser_truncation": lambda: assay.stats.mser_truncation([1.0] * 20, batch=0),
    "block_pair_weights": lambda: assay.stats.block_pair_weights(1),
    "paired_block_quantile": lambda: assay.stats.paired_block_quantile(
        [1.0], [0], [1.0], [0], 1.5, n_pairs=2
    ),
    "paired_block_ratio": lambda: assay.stats.paired_block_ratio(
        [1.0, 1], [1.0, 1], [1.0, 1], [1.0, 1], confidence=1.5
    ),
    "percentile_min_requests": lambda: assay.stats.percentile_min_requests(0.99, sided="lower"),  # type: ignore[arg-type]
    "percentile_upper_bound": lambda: assay.stats.percentile_upper_bound([1.0], 0.99, confidence=0),
    "slice_tests": lambda: assay.stats.slice_tests([[0], [1]], [0.0, 1.0], min_size=0),
    "slice_mask_tests": lambda: assay.stats.slice_mask_tests(
        [[True, False]], [0.0, 1.0], confidence=1.5
    ),
    "slice_moments_test": lambda: assay.stats.slice_moments_test(
        np.array([1.0]), np.array([1.0]), np.array([1.0]), (2.0, 1.0, 1.0), confidence=1.5
    ),
    "sliceline": lambda: assay.stats.sliceline(np.ones((3, 2)), np.ones(3), k=0),
    "window_totals": lambda: assay.stats.window_totals([0.0], [1.0], start=0, stop=1, n_windows=0),
    "interleaving_test": lambda: interleaving_test([1, 0, 2], [0, 1, 1], confidence=1.5),
    "msprt_interval": lambda: msprt_interval(0.1, 0.05, 0.1, confidence=1.5),
    "msprt_p_value": lambda: msprt_p_value(0.1, 0.05, 0.1, alternative="both"),  # type: ignore[arg-type]
    "team_draft_interleave": lambda: team_draft_interleave(["a"], ["b"], rng=-1),
    # compare: the confidence is checked before anything is read
    "compare_records": lambda: assay.compare.compare_records(
        None,
        None,
        None,
        None,
        None,
        confidence=1.5,  # type: ignore[arg-type]
    ),
    "text_metrics": lambda: assay.compare.text_metrics("suite.yaml"),  # type: ignore[arg-type]
    "compare_record_streams": lambda: assay.compare.compare_record_streams(
        None,  # type: ignore[arg-type]
        [],
        None,  # type: ignore[arg-type]
        [],
        None,  # type: ignore[arg-type]
        confidence=1.5,
    ),
    "stream_plan": lambda: assay.compare.stream_plan(
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        resamples=0,
    ),
}


def _public_functions() -> set[str]:
    names: set[str] = set()
    for module in (assay.stats, assay.compare):
        for name in module.__all__:
            if inspect.isfunction(getattr(module, name)):
                names.add(name)
    return names


def test_every_public_function_has_a_case() -> None:
    public = _public_functions()
    assert public >= COVERED_ELSEWHERE, "a name covered elsewhere is no longer public"
    assert set(CASES) | COVERED_ELSEWHERE == public
    assert not set(CASES) & COVERED_ELSEWHERE


# Arguments that a public function hands on to another public function: the error must still
# name the function the user called.
HANDED_ON: dict[str, Callable[[], Any]] = {
    "paired_bootstrap": lambda: paired_bootstrap(SUMS, SUMS, _ratio, rng=-1),
    "paired_quantile_bootstrap": lambda: paired_quantile_bootstrap(X, Y, 0.5, confidence=1.5),
    "paired_from_replicates": lambda: paired_from_replicates(
        _replicates(),
        _replicates(),
        n=6,
        method="bc",  # type: ignore[arg-type]
    ),
    "pass_at_k_interval": lambda: pass_at_k_interval(B01, IDS, 1, confidence=1.5),
    "bootstrap_metric": lambda: bootstrap_metric(SUMS, _ratio, kind="jackknife"),  # type: ignore[arg-type]
    "quantile_bootstrap": lambda: quantile_bootstrap(X, 0.5, rng="seven"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("name", sorted(HANDED_ON))
def test_arguments_handed_on_are_reported_as_the_callers(name: str) -> None:
    with pytest.raises(ParameterError) as info:
        HANDED_ON[name]()
    assert info.value.function == name


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_parameter_error_names_the_public_function(name: str) -> None:
    with pytest.raises(ParameterError) as info:
        CASES[name]()
    err = info.value
    assert err.function == name
    match = SHAPE.match(str(err))
    assert match is not None, str(err)
    assert match["function"] == name
    assert match["parameter"] == err.parameter


def test_rng_is_one_argument_with_one_default() -> None:
    """Every function that draws at random takes ``rng: int | Generator = 0``."""
    for module in (assay.stats, assay.compare):
        for name in module.__all__:
            obj = getattr(module, name)
            if not inspect.isfunction(obj) or name in COVERED_ELSEWHERE:
                continue
            params = inspect.signature(obj).parameters
            assert "seed" not in params, name
            if "rng" in params:
                assert params["rng"].default == 0, name
                assert params["rng"].kind is inspect.Parameter.KEYWORD_ONLY, name
