"""Real data sets that ship with assay and work offline."""

from assay.datasets._adult import ADULT_COLUMNS, ADULT_FEATURES, load_adult
from assay.datasets._perturb import PERTURBATION_KINDS, PerturbedSuite, perturb_suite
from assay.datasets._pyrit import PYRIT_KINDS, load_pyrit_judgements
from assay.datasets._redteam import (
    HARMFUL_SOURCES,
    TEMPLATE_SOURCES,
    load_benign_requests,
    load_harmful_requests,
    load_jailbreak_templates,
    redteam_suite,
)
from assay.datasets._sentiment import (
    SENTIMENT_DOMAINS,
    length_band,
    load_sentiment_corpus,
    sentiment_split,
    sentiment_suite,
)

__all__ = [
    "ADULT_COLUMNS",
    "ADULT_FEATURES",
    "HARMFUL_SOURCES",
    "PERTURBATION_KINDS",
    "PYRIT_KINDS",
    "SENTIMENT_DOMAINS",
    "TEMPLATE_SOURCES",
    "PerturbedSuite",
    "length_band",
    "load_adult",
    "load_benign_requests",
    "load_harmful_requests",
    "load_jailbreak_templates",
    "load_pyrit_judgements",
    "load_sentiment_corpus",
    "perturb_suite",
    "redteam_suite",
    "sentiment_split",
    "sentiment_suite",
]
