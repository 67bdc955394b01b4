"""Where and why a model fails, and whether its evaluation can be trusted.

Slice discovery with false-discovery control, failure taxonomies, fix lists and
contamination checks, built from :mod:`assay.stats` (the tests and intervals),
:mod:`assay.metrics`, :mod:`assay.compare` and :mod:`assay.data` (the run's records and the
suite's integrity checks). Reading the store is the workflows' job, rendering the reports'.

* :func:`robustness_of_records`: accuracy under perturbation and flip rates of a run on a
  perturbed suite (:func:`assay.datasets.perturb_suite`), per perturbation kind;
  :func:`check_robustness` judges flip-rate limits on their bounds.
* :func:`group_fairness`: metrics by group and disparities between groups with bootstrap
  intervals; :func:`check_fairness` judges fairness rules on their bounds;
  :func:`paired_group_fairness` the change of each group metric and disparity from a
  baseline to a candidate, paired by example.
* :func:`discover_slices`: conjunctions of attributes where errors (or the paired difference
  against a baseline) are worse, each tested, with Benjamini–Hochberg, Holm or split-sample
  control; :func:`fix_list` ranks :class:`Problem` items; :func:`promote_slices` declares
  discovered slices in the suite's next version.
* :func:`check_contamination`: exact n-gram and MinHash near-duplicate overlap of a suite with
  a training corpus; :func:`contamination_effect` compares contaminated and clean examples.
* :func:`failure_taxonomy`: failing examples clustered on sentence embeddings and named by
  class-based TF-IDF terms.
"""

from __future__ import annotations

from assay.analysis._attributes import (
    Predicate,
)
from assay.analysis._contamination_check import (
    check_contamination,
    contamination_effect,
    example_texts,
    mark_contamination,
)
from assay.analysis._contamination_result import (
    ContaminationEffect,
    ContaminationParameters,
    ContaminationResult,
    ExampleContamination,
)
from assay.analysis._discover import (
    discover_slices,
)
from assay.analysis._fairness import (
    group_fairness,
)
from assay.analysis._fairness_checks import (
    check_fairness,
)
from assay.analysis._fairness_paired import (
    DisparityChange,
    FairnessChange,
    GroupChange,
    paired_group_fairness,
)
from assay.analysis._fairness_result import (
    DISPARITIES,
    GROUP_METRICS,
    BoundsCheck,
    Disparity,
    FairnessResult,
    GroupMetrics,
)
from assay.analysis._ngrams import (
    normalised_words,
)
from assay.analysis._problems import (
    FixList,
    Problem,
    fix_list,
    problems_from_clusters,
    problems_from_slices,
)
from assay.analysis._promote import (
    next_version,
    promote_slices,
    slice_name,
)
from assay.analysis._robustness import (
    PerturbationEffect,
    RobustnessResult,
    check_robustness,
    robustness_of_records,
)
from assay.analysis._slices import (
    DiscoveredSlice,
    SliceDiscovery,
)
from assay.analysis._taxonomy import (
    ClusterChange,
    FailureCluster,
    FailureTaxonomy,
    failure_taxonomy,
)
from assay.analysis._terms import (
    class_tfidf_terms,
    proportion_difference,
)
from assay.analysis._values import (
    ExampleValues,
    example_values,
)

__all__ = [
    "DISPARITIES",
    "GROUP_METRICS",
    "BoundsCheck",
    "ClusterChange",
    "ContaminationEffect",
    "ContaminationParameters",
    "ContaminationResult",
    "DiscoveredSlice",
    "Disparity",
    "DisparityChange",
    "ExampleContamination",
    "ExampleValues",
    "FailureCluster",
    "FailureTaxonomy",
    "FairnessChange",
    "FairnessResult",
    "FixList",
    "GroupChange",
    "GroupMetrics",
    "PerturbationEffect",
    "Predicate",
    "Problem",
    "RobustnessResult",
    "SliceDiscovery",
    "check_contamination",
    "check_fairness",
    "check_robustness",
    "class_tfidf_terms",
    "contamination_effect",
    "discover_slices",
    "example_texts",
    "example_values",
    "failure_taxonomy",
    "fix_list",
    "group_fairness",
    "mark_contamination",
    "next_version",
    "normalised_words",
    "paired_group_fairness",
    "problems_from_clusters",
    "problems_from_slices",
    "promote_slices",
    "proportion_difference",
    "robustness_of_records",
    "slice_name",
]
