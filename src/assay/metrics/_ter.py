"""Corpus TER (translation edit rate), as sacrebleu's ``TER()`` computes it; lower is better.

TER is not a mean of sentence scores: sacrebleu sums, over the corpus, each segment's edits
(the fewest against any of its references, shifts included) and its reference length (the
mean over its references), and reports 100 · edits / length (100 when the references are all
empty and a hypothesis is not, 0 when both are empty). So each segment contributes the two
statistics ``[edits, reference length]`` and the corpus score is a function of their sums,
which is what a paired bootstrap resamples. The edit distance with shifts is sacrebleu's own
(``sacrebleu.metrics.TER().sentence_score``, its defaults: case-insensitive, punctuation kept,
not normalised), so the score is sacrebleu's exactly; it needs ``pip install 'assay[text]'``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from assay._util import require
from assay.metrics._registry import MetricDefinition, register_metric
from assay.metrics._text import _segments, _sums

__all__ = ["ter_statistics", "ter_value"]

FloatArray = npt.NDArray[np.float64]


def ter_statistics(hypotheses: Any, references: Any) -> FloatArray:
    """``(n, 2)`` per-segment TER statistics: edits (best reference), mean reference length.

    ``references[i]`` is one reference string or a list of them.
    """
    segs = _segments(hypotheses, references, "ter_statistics")
    metrics = require("sacrebleu.metrics", "text", feature="corpus TER")
    ter = metrics.TER()
    out = np.zeros((len(segs), 2))
    for i, (hyp, refs) in enumerate(segs):
        score = ter.sentence_score(hyp, refs)
        out[i] = score.num_edits, score.ref_length
    return out


def ter_value(sums: FloatArray) -> FloatArray:
    """Corpus TER (0–100, can exceed 100) from summed statistics ``(..., 2)``."""
    s = _sums(sums, 2, "ter_value")
    edits, length = s[..., 0], s[..., 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(length > 0, edits / np.where(length > 0, length, 1.0), 0.0)
    return 100.0 * np.where((length <= 0) & (edits > 0), 1.0, rate)


@register_metric("ter")
def ter() -> MetricDefinition:
    """Corpus TER (sacrebleu defaults, 0–100; lower is better)."""
    return MetricDefinition(
        "ter",
        "lower",
        "sums",
        ("hypotheses", "references"),
        "corpus TER, sacrebleu defaults (case-insensitive, shifts), 0-100, lower is better",
        statistics=lambda hypotheses, references: ter_statistics(hypotheses, references),
        value=ter_value,
    )
