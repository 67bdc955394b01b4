"""Naming clusters by their distinguishing terms (class-based TF-IDF), and the difference of
two independent proportions with Newcombe's interval."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from assay.stats import Estimate, proportion_interval

__all__ = ["class_tfidf_terms", "proportion_difference"]


def class_tfidf_terms(
    texts: Sequence[str], labels: Sequence[int], *, top: int = 5
) -> dict[int, tuple[str, ...]]:
    """The ``top`` terms of each label's texts by class-based TF-IDF (Grootendorst 2022): the
    texts of a class are one document; a term's weight is its frequency in the class over the
    class's word count, times ``log(1 + A / f)`` with ``A`` the mean word count per class and
    ``f`` the term's frequency over all classes. English stop words and terms in fewer than
    two texts are left out (a one-off word names nothing); ties break alphabetically."""
    from sklearn.feature_extraction.text import CountVectorizer

    classes = sorted(set(labels))
    if not texts:
        return {c: () for c in classes}
    vectorizer = CountVectorizer(stop_words="english", min_df=min(2, len(texts)))
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words, or no term in two texts
        return {c: () for c in classes}
    terms = vectorizer.get_feature_names_out()
    label_array = np.asarray(labels)
    per_class = np.vstack(
        [np.asarray(counts[label_array == c].sum(axis=0)).ravel() for c in classes]
    ).astype(float)
    words = per_class.sum(axis=1, keepdims=True)
    tf = np.divide(per_class, words, out=np.zeros_like(per_class), where=words > 0)
    idf = np.log(1.0 + words.mean() / np.maximum(per_class.sum(axis=0), 1.0))
    weight = tf * idf
    out: dict[int, tuple[str, ...]] = {}
    for row, c in enumerate(classes):
        order = sorted(range(len(terms)), key=lambda t: (-weight[row, t], terms[t]))
        out[c] = tuple(str(terms[t]) for t in order[:top] if weight[row, t] > 0)
    return out


def proportion_difference(
    x1: int, n1: int, x2: int, n2: int, *, confidence: float = 0.95
) -> Estimate:
    """``x1/n1 − x2/n2`` for independent samples, with Newcombe's hybrid score interval
    (method 10 of Newcombe 1998, from the two Wilson intervals); unbounded when a sample is
    empty."""
    method = "newcombe hybrid score (difference of independent proportions)"
    if n1 == 0 or n2 == 0:
        return Estimate(math.nan, -math.inf, math.inf, confidence, method, n1 + n2)
    a = proportion_interval(x1, n1, confidence=confidence)
    b = proportion_interval(x2, n2, confidence=confidence)
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    low = d - math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2)
    high = d + math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2)
    return Estimate(d, low, high, confidence, method, n1 + n2)
