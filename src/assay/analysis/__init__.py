"""Where and why a model fails, and whether its evaluation can be trusted.

Slice discovery with false-discovery control, failure taxonomies, fix lists and
contamination checks, built from :mod:`assay.stats` (the tests and intervals),
:mod:`assay.metrics`, :mod:`assay.compare` and :mod:`assay.data` (the run's records and the
suite's integrity checks). Reading the store is the workflows' job, rendering the reports'.
"""

from __future__ import annotations

# --- contamination ---
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
from assay.analysis._ngrams import normalised_words

# --- failure taxonomy ---
from assay.analysis._taxonomy import (
    ClusterChange,
    FailureCluster,
    FailureTaxonomy,
    failure_taxonomy,
)
from assay.analysis._terms import class_tfidf_terms, proportion_difference

__all__: list[str] = [
    "ClusterChange",
    "ContaminationEffect",
    "ContaminationParameters",
    "ContaminationResult",
    "ExampleContamination",
    "FailureCluster",
    "FailureTaxonomy",
    "check_contamination",
    "class_tfidf_terms",
    "contamination_effect",
    "example_texts",
    "failure_taxonomy",
    "mark_contamination",
    "normalised_words",
    "proportion_difference",
]
