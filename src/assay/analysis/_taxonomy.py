"""Failure taxonomy: failing examples clustered on their embeddings, each cluster named by its
distinguishing terms, sized, and placed against the rest of the suite.

Clustering is scikit-learn's k-means (``random_state=seed``, 10 starts) on the failing
examples' embeddings; without a given ``k`` the number of clusters is the one of 2 to
``max_k`` with the highest silhouette (computed on every failure, so the choice is
deterministic). Every example, passing or failing, is then assigned to the nearest cluster
centre: a cluster's *region*. Per cluster: its failures and their share of all failures (Wilson
interval); the error rate in its region against the error rate outside it (the error gap,
Newcombe's interval for two independent proportions); the failing examples nearest its centre.
With a baseline, clusters are fitted on the failures of either run, and each cluster's change
is the paired difference, per example, of "fails and lies in this region" between the runs
(:func:`assay.stats.paired_binary_difference`: McNemar's test and its interval).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assay._util import check_int, check_rng
from assay.analysis._terms import class_tfidf_terms, proportion_difference
from assay.errors import DataError
from assay.stats import Estimate, PairedResult, paired_binary_difference, proportion_interval

__all__ = ["ClusterChange", "FailureCluster", "FailureTaxonomy", "failure_taxonomy"]

SHOWN = 5


@dataclass(frozen=True)
class FailureCluster:
    """One kind of failure."""

    cluster: int
    """Its number: 0 is the largest."""
    name: str
    """Its three most distinguishing terms, ``" / "``-joined (``cluster N`` without terms);
    named by slices instead (texts withheld), ``cluster N: attribute=value, ...``."""
    terms: tuple[str, ...]
    """Its distinguishing terms by class-based TF-IDF, strongest first (empty when named by
    slices)."""
    size: int
    """Failing examples in it."""
    share: Estimate
    """``size`` over all failures (Wilson interval)."""
    region_size: int
    """Examples of the suite, passing or failing, nearest its centre."""
    error_rate: Estimate
    """Failures over ``region_size`` (Wilson interval)."""
    error_gap: Estimate
    """The region's error rate minus the error rate of every other example (Newcombe)."""
    example_ids: tuple[str, ...]
    """The failing examples nearest its centre, nearest first (at most 5)."""


@dataclass(frozen=True)
class ClusterChange:
    """How one cluster's failures changed from the baseline run to the candidate."""

    cluster: int
    """The cluster's number."""
    name: str
    """Its name."""
    baseline_failures: int
    """The baseline's failures in its region."""
    candidate_failures: int
    """The candidate's failures in its region."""
    difference: PairedResult
    """Candidate minus baseline share of all examples that fail in this region, paired by
    example; a positive difference is a cluster that grew."""


@dataclass(frozen=True)
class FailureTaxonomy:
    """The failure clusters of a run, and how they changed against a baseline."""

    n_examples: int
    """Examples with an embedding and a pass/fail outcome."""
    n_failures: int
    """Failing examples (in the candidate; with a baseline, clusters are fitted on the failures
    of either run)."""
    k: int
    """Clusters."""
    selected_by: str
    """``given``, ``silhouette (0.xx)`` or ``too few failures``."""
    seed: int
    """Seed of k-means."""
    clusters: tuple[FailureCluster, ...]
    """Largest first."""
    changes: tuple[ClusterChange, ...] = ()
    """With a baseline: each cluster's change, in cluster order."""
    method: str = ""
    """How every number was made."""


def _fit(x: np.ndarray, k: int | None, max_k: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    def run(n: int) -> KMeans:
        return KMeans(n_clusters=n, random_state=seed, n_init=10).fit(x)

    if k is not None:
        model, how = run(min(k, len(x))), "given"
    elif len(np.unique(x, axis=0)) < 3:
        model, how = run(1), "too few distinct failures"
    else:
        best: tuple[float, KMeans] | None = None
        for n in range(2, min(max_k, len(np.unique(x, axis=0)) - 1) + 1):
            m = run(n)
            score = float(silhouette_score(x, m.labels_))
            if best is None or score > best[0] + 1e-12:
                best = (score, m)
        assert best is not None
        model, how = best[1], f"silhouette ({best[0]:.2f})"
    return np.asarray(model.labels_), np.asarray(model.cluster_centers_), how


def failure_taxonomy(
    example_ids: Sequence[str],
    texts: Sequence[str],
    embeddings: np.ndarray,
    failed: Sequence[bool] | np.ndarray,
    *,
    baseline_failed: Sequence[bool] | np.ndarray | None = None,
    k: int | None = None,
    max_k: int = 8,
    seed: int = 0,
    confidence: float = 0.95,
    slices: Mapping[str, Sequence[object]] | None = None,
) -> FailureTaxonomy:
    """Cluster the failing examples (``failed``) on ``embeddings`` (one row per example) and
    describe each cluster; with ``baseline_failed``, say which clusters grew or shrank.

    With ``slices`` (attribute → one value per example), clusters are named by their fitted
    failures' dominant slice values (:func:`_slice_name`) instead of words of ``texts``, and
    carry no terms: for texts that must not be shown (a red-team suite's prompts)."""
    where = "failure_taxonomy"
    check_rng(seed, where)
    if k is not None:
        check_int(k, "k", where, minimum=1)
    check_int(max_k, "max_k", where, minimum=2)
    x = np.asarray(embeddings, dtype=float)
    fail = np.asarray(failed, dtype=bool)
    n = len(example_ids)
    if x.ndim != 2 or len(x) != n or len(texts) != n or len(fail) != n:
        raise DataError(
            "the examples, texts, embeddings and outcomes differ in length",
            expected=f"{n} of each (embeddings as a 2-D array)",
            found=f"{len(texts)} texts, embeddings of shape {x.shape}, {len(fail)} outcomes",
        )
    base = None if baseline_failed is None else np.asarray(baseline_failed, dtype=bool)
    fitted = fail if base is None else fail | base
    rows = np.flatnonzero(fitted)
    if slices is not None:
        for attr, values in slices.items():
            if len(values) != n:
                raise DataError(
                    f"slice {attr!r} has {len(values)} values for {n} examples",
                    column=attr,
                    expected=f"{n} values",
                    found=f"{len(values)}",
                )
    naming = (
        "class-based TF-IDF"
        if slices is None
        else "dominant slice values (texts withheld, no words of them shown)"
    )
    method = (
        f"k-means (scikit-learn, seed {seed}, 10 starts) on the failing examples' embeddings; "
        f"names by {naming}; share of failures: Wilson; error gap: region error rate "
        "minus the rest, Newcombe hybrid score"
        + ("; change: paired by example (McNemar)" if base is not None else "")
    )
    if not len(rows):
        return FailureTaxonomy(n, 0, 0, "no failures", seed, (), (), method)
    labels, centres, how = _fit(x[rows], k, max_k, seed)
    region = np.argmin(((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
    region[rows] = labels  # a fitted failure keeps its own cluster
    order = sorted(range(len(centres)), key=lambda c: (-int((labels == c).sum()), c))
    renumber = {old: new for new, old in enumerate(order)}
    labels = np.array([renumber[int(c)] for c in labels])
    region = np.array([renumber[int(c)] for c in region])
    centres = centres[order]
    terms = (
        class_tfidf_terms([texts[int(i)] for i in rows], labels.tolist()) if slices is None else {}
    )
    total = int(fail.sum())
    clusters, changes = [], []
    for c in range(len(centres)):
        inside = region == c
        size = int((fail & inside).sum())
        members = rows[labels == c]
        nearest = members[np.argsort(((x[members] - centres[c]) ** 2).sum(axis=1), kind="stable")]
        shown = [example_ids[int(i)] for i in nearest if fail[i]][:SHOWN]
        words = terms.get(c, ())
        name = (
            " / ".join(words[:3]) or f"cluster {c}"
            if slices is None
            else _slice_name(c, {a: [v[int(i)] for i in members] for a, v in slices.items()})
        )
        n_in = int(inside.sum())
        clusters.append(
            FailureCluster(
                cluster=c,
                name=name,
                terms=words,
                size=size,
                share=proportion_interval(size, max(total, 1), confidence=confidence),
                region_size=n_in,
                error_rate=proportion_interval(size, max(n_in, 1), confidence=confidence),
                error_gap=proportion_difference(
                    size, n_in, total - size, n - n_in, confidence=confidence
                ),
                example_ids=tuple(shown),
            )
        )
        if base is not None:
            cand_in, base_in = (fail & inside).astype(float), (base & inside).astype(float)
            diff = paired_binary_difference(base_in, cand_in, confidence=confidence)
            changes.append(ClusterChange(c, name, int(base_in.sum()), int(cand_in.sum()), diff))
    return FailureTaxonomy(
        n, total, len(centres), how, seed, tuple(clusters), tuple(changes), method
    )


def _slice_name(cluster: int, members: Mapping[str, Sequence[object]]) -> str:
    """``cluster N: attribute=value, ...``: per attribute (in the order given), the value most
    of the cluster's ``members`` hold (ties: the smallest, as text) when at least half of them
    hold it, else ``attribute mixed``."""
    parts = []
    for attr, values in members.items():
        counts = Counter("" if v is None else str(v) for v in values)
        if not counts:
            continue
        value, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        parts.append(f"{attr}={value}" if 2 * count >= len(values) else f"{attr} mixed")
    return f"cluster {cluster}" + (": " + ", ".join(parts) if parts else "")
