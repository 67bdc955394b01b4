"""Pure statistical functions over arrays.

Every function takes plain arrays (and an explicit ``rng`` where it resamples), never touches
files or the store, and returns a frozen result that names its method, ``n``, clusters and,
for resampling, the number of resamples and the seed. The one randomness argument is
``rng: int | numpy.random.Generator = 0`` everywhere.

The closed-form paired methods also exist from sums and counts, for callers that summarise
many groups at once (:func:`mean_summary_from_moments`, :func:`mean_interval_from_summary`,
:func:`paired_t_from_summary`, :func:`binary_interval_from_counts`,
:func:`paired_binary_difference_from_counts`, :func:`mcnemar_from_counts`); the array
functions are built on them, so both give the same numbers. ``scipy_stats`` is
``scipy.stats``, imported on first use (importing it costs a second or two), for the few
distribution calls other layers make.
"""

from typing import TYPE_CHECKING

from assay._util import lazy_exports
from assay.stats._results import Alternative, Estimate, PairedResult, TestResult

# --- estimates (what a run's summaries need) ---
from assay.stats._estimates import (
    SampleAverages,
    average_samples,
    binary_mean_interval,
    mean_interval,
    proportion_interval,
    quantile_interval,
)
from assay.stats._clustered import MeanSummary, expanded_p_value
from assay.stats._scipy import stats as scipy_stats


# --- imported on first use: power and sample sizes, slice search, serving load tests, judges'
# agreement, pass@k, sequential tests, online experiments (a comparison calls none of them;
# importing them with the rest cost ~40 ms of every command that compares) ---
_ON_FIRST_USE: dict[str, str] = {  # module: the names it defines
    # multiplicity, closed forms from sums, paired tests, slice tests and the bootstrap engine:
    # a comparison needs them; recording a run (its intervals: estimates only) does not, and
    # importing them cost ~45 ms of every ingest
    "assay.stats._multiplicity": "AdjustedPValues adjust_pvalues",
    "assay.stats._from_sums": (
        "binary_interval_from_counts mcnemar_from_counts mean_interval_from_summary "
        "mean_summary_from_moments paired_binary_difference_from_counts paired_t_from_summary"
    ),
    "assay.stats._paired": (
        "MCNEMAR_EXACT_BELOW McNemarResult PairedTestResult mcnemar_test paired_binary_difference "
        "paired_mean_difference paired_permutation_test wilcoxon_signed_rank"
    ),
    "assay.stats._slice_moments": "SliceMoments slice_moments_test",
    "assay.stats._slice_lattice": "SliceTests slice_mask_tests slice_tests",
    # the subpackage itself too: ``import assay.stats`` then ``assay.stats.bootstrap``
    "assay.stats.bootstrap": (
        "bootstrap IntervalMethod bca_acceleration bca_bias_correction bootstrap_interval "
        "bootstrap_p_value PairedStats bootstrap_metric paired_bootstrap paired_bootstrap_table "
        "Replicates paired_quantile_bootstrap paired_quantile_table paired_quantiles_table "
        "quantile_bootstrap estimate_from_replicates paired_from_replicates "
        "paired_from_replicates_many ResampleKind ResampleWeights bootstrap_weights"
    ),
    "assay.stats._power": (
        "mcnemar_mde mcnemar_power mcnemar_sample_size minimum_detectable_effect "
        "paired_t_power required_sample_size"
    ),
    "assay.stats._precision": "interval_half_width interval_sample_size",
    "assay.stats._sliceline": "SliceLineResult sliceline",
    "assay.stats._serving": (
        "percentile_interval percentile_min_requests percentile_upper_bound "
        "window_ratio_interval window_totals"
    ),
    "assay.stats._batch_means": (
        "batch_means_independence batch_means_interval batch_means_trend mser_truncation"
    ),
    "assay.stats._serving_paired": (
        "PairedBlockResult block_pair_weights paired_block_quantile paired_block_ratio"
    ),
    "assay.stats._agreement": "AgreementResult cohens_kappa krippendorff_alpha",
    "assay.stats._ppi": "PPIPairedResult PPIResult ppi_mean ppi_paired_difference",
    "assay.stats._pass_at_k": "pass_at_k pass_at_k_interval",
    "assay.stats.sequential": (
        "ConfidenceSequence empirical_bernstein_confidence_sequence "
        "normal_mixture_confidence_sequence normal_mixture_rho "
        "paired_empirical_bernstein_confidence_sequence "
        "paired_normal_mixture_confidence_sequence msprt_interval msprt_p_value"
    ),
    "assay.stats._interleaving": (
        "InterleavedList InterleavingResult interleaving_test team_draft_interleave"
    ),
    "assay.stats.experiments": (
        "bayesian_lift ab_mde_by_week ab_sample_size dunnett_critical_value "
        "ab_quantile_lift ab_lift sample_ratio_test BayesianLift LiftResult MDERow "
        "MeanSums MetricKind RatioSums SampleRatioResult SampleSizePlan"
    ),
}
if TYPE_CHECKING:
    from assay.stats._multiplicity import AdjustedPValues, adjust_pvalues
    from assay.stats._from_sums import (
        binary_interval_from_counts,
        mcnemar_from_counts,
        mean_interval_from_summary,
        mean_summary_from_moments,
        paired_binary_difference_from_counts,
        paired_t_from_summary,
    )
    from assay.stats._paired import (
        MCNEMAR_EXACT_BELOW,
        McNemarResult,
        PairedTestResult,
        mcnemar_test,
        paired_binary_difference,
        paired_mean_difference,
        paired_permutation_test,
        wilcoxon_signed_rank,
    )
    from assay.stats._slice_moments import SliceMoments, slice_moments_test
    from assay.stats._slice_lattice import SliceTests, slice_mask_tests, slice_tests
    from assay.stats.bootstrap import (
        IntervalMethod,
        PairedStats,
        Replicates,
        ResampleKind,
        ResampleWeights,
        bca_acceleration,
        bca_bias_correction,
        bootstrap_interval,
        bootstrap_metric,
        bootstrap_p_value,
        bootstrap_weights,
        estimate_from_replicates,
        paired_bootstrap,
        paired_bootstrap_table,
        paired_from_replicates,
        paired_from_replicates_many,
        paired_quantile_bootstrap,
        paired_quantile_table,
        paired_quantiles_table,
        quantile_bootstrap,
    )
    from assay.stats import bootstrap as bootstrap
    from assay.stats._power import (
        mcnemar_mde,
        mcnemar_power,
        mcnemar_sample_size,
        minimum_detectable_effect,
        paired_t_power,
        required_sample_size,
    )
    from assay.stats._precision import interval_half_width, interval_sample_size
    from assay.stats._sliceline import SliceLineResult, sliceline
    from assay.stats._serving import (
        percentile_interval,
        percentile_min_requests,
        percentile_upper_bound,
        window_ratio_interval,
        window_totals,
    )
    from assay.stats._batch_means import (
        batch_means_independence,
        batch_means_interval,
        batch_means_trend,
        mser_truncation,
    )
    from assay.stats._serving_paired import (
        PairedBlockResult,
        block_pair_weights,
        paired_block_quantile,
        paired_block_ratio,
    )
    from assay.stats._agreement import AgreementResult, cohens_kappa, krippendorff_alpha
    from assay.stats._ppi import PPIPairedResult, PPIResult, ppi_mean, ppi_paired_difference
    from assay.stats._pass_at_k import pass_at_k, pass_at_k_interval
    from assay.stats.sequential import (
        ConfidenceSequence,
        empirical_bernstein_confidence_sequence,
        normal_mixture_confidence_sequence,
        normal_mixture_rho,
        paired_empirical_bernstein_confidence_sequence,
        paired_normal_mixture_confidence_sequence,
        msprt_interval,
        msprt_p_value,
    )
    from assay.stats._interleaving import (
        InterleavedList,
        InterleavingResult,
        interleaving_test,
        team_draft_interleave,
    )
    from assay.stats.experiments import (
        bayesian_lift,
        ab_mde_by_week,
        ab_sample_size,
        dunnett_critical_value,
        ab_quantile_lift,
        ab_lift,
        sample_ratio_test,
        BayesianLift,
        LiftResult,
        MDERow,
        MeanSums,
        MetricKind,
        RatioSums,
        SampleRatioResult,
        SampleSizePlan,
    )
else:
    __getattr__, __dir__ = lazy_exports(
        __name__, {n: m for m, names in _ON_FIRST_USE.items() for n in names.split()}, globals()
    )

__all__ = [
    "Alternative",
    "Estimate",
    "PairedResult",
    "TestResult",
    # --- estimates, paired tests, multiplicity, power (names) ---
    "AdjustedPValues",
    "MCNEMAR_EXACT_BELOW",
    "McNemarResult",
    "MeanSummary",
    "PairedTestResult",
    "SampleAverages",
    "adjust_pvalues",
    "average_samples",
    "binary_interval_from_counts",
    "binary_mean_interval",
    "expanded_p_value",
    "mcnemar_from_counts",
    "mean_interval_from_summary",
    "mean_summary_from_moments",
    "paired_binary_difference_from_counts",
    "paired_t_from_summary",
    "scipy_stats",
    "mcnemar_mde",
    "mcnemar_power",
    "mcnemar_sample_size",
    "interval_half_width",
    "interval_sample_size",
    "mcnemar_test",
    "mean_interval",
    "minimum_detectable_effect",
    "paired_binary_difference",
    "paired_mean_difference",
    "paired_permutation_test",
    "paired_t_power",
    "proportion_interval",
    "quantile_interval",
    "required_sample_size",
    "wilcoxon_signed_rank",
    # --- slice discovery (names) ---
    "SliceLineResult",
    "SliceMoments",
    "SliceTests",
    "slice_mask_tests",
    "slice_moments_test",
    "slice_tests",
    "sliceline",
    # --- serving load tests (names) ---
    "percentile_interval",
    "percentile_min_requests",
    "percentile_upper_bound",
    "window_ratio_interval",
    "window_totals",
    "PairedBlockResult",
    "batch_means_independence",
    "batch_means_interval",
    "batch_means_trend",
    "block_pair_weights",
    "paired_block_quantile",
    "paired_block_ratio",
    # --- bootstrap engine (names) ---
    "IntervalMethod",
    "PairedStats",
    "Replicates",
    "ResampleKind",
    "ResampleWeights",
    "bca_acceleration",
    "bca_bias_correction",
    "bootstrap_interval",
    "bootstrap_metric",
    "bootstrap_p_value",
    "bootstrap_weights",
    "estimate_from_replicates",
    "paired_bootstrap",
    "paired_bootstrap_table",
    "paired_from_replicates",
    "paired_from_replicates_many",
    "paired_quantile_bootstrap",
    "paired_quantile_table",
    "paired_quantiles_table",
    "quantile_bootstrap",
    # --- judges, agreement, sequential (names) ---
    "AgreementResult",
    "ConfidenceSequence",
    "PPIPairedResult",
    "PPIResult",
    "cohens_kappa",
    "empirical_bernstein_confidence_sequence",
    "krippendorff_alpha",
    "normal_mixture_confidence_sequence",
    "normal_mixture_rho",
    "paired_empirical_bernstein_confidence_sequence",
    "paired_normal_mixture_confidence_sequence",
    "pass_at_k",
    "pass_at_k_interval",
    "ppi_mean",
    "ppi_paired_difference",
    # --- online experiments (names) ---
    "BayesianLift",
    "InterleavedList",
    "InterleavingResult",
    "LiftResult",
    "MDERow",
    "MeanSums",
    "MetricKind",
    "RatioSums",
    "SampleRatioResult",
    "SampleSizePlan",
    "ab_lift",
    "ab_mde_by_week",
    "ab_quantile_lift",
    "ab_sample_size",
    "bayesian_lift",
    "dunnett_critical_value",
    "interleaving_test",
    "msprt_interval",
    "msprt_p_value",
    "mser_truncation",
    "sample_ratio_test",
    "team_draft_interleave",
]
