"""The numbered method footnotes of a report: every interval method, test and adjustment its
results used, with the resamples and seeds of each, and the resampling settings in one line
each."""

from __future__ import annotations

import re

from assay.core import Comparison

__all__ = ["MethodIndex", "method_index", "resampling_summary"]

_RESAMPLING_WORDS = ("bootstrap", "permutation", "resampl", "randomi")


_CLUSTERS = re.compile(r"expanded for (\d[\d,]*) clusters")


def _family(method: str) -> tuple[str, int | None]:
    """The footnote a method belongs to: methods that differ only in the clusters their tails
    were expanded for share one (``expanded for G clusters``), or a report of many clustered
    slices would carry a footnote per cluster count. Also the count, if any."""
    found = _CLUSTERS.search(method)
    if found is None:
        return method, None
    return _CLUSTERS.sub("expanded for G clusters", method), int(found[1].replace(",", ""))


def _counts_text(counts: set[int]) -> str:
    ordered = sorted(counts)
    if len(ordered) <= 6:
        listed = ", ".join(f"{g:,}" for g in ordered[:-1]) + f" and {ordered[-1]:,}"
        return f"G is each result's number of clusters: {listed}"
    return (
        f"G is each result's number of clusters: {len(ordered):,} counts "
        f"from {ordered[0]:,} to {ordered[-1]:,}"
    )


class MethodIndex:
    """Numbered footnotes for every method string, with the resamples and seeds each used.

    Methods expanded for different numbers of clusters share a footnote that lists the counts
    (each result's own count is in its test's text and its row's clusters)."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.uses: dict[str, int] = {}
        self.resampling: dict[str, set[tuple[int, int | None]]] = {}
        self.texts: dict[str, set[str]] = {}
        self.clusters: dict[str, set[int]] = {}

    def add(
        self, method: str | None, resamples: int | None = None, seed: int | None = None
    ) -> None:
        """Count one use of ``method`` (and its resampling, if any)."""
        if not method:
            return
        key, g = _family(method)
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
            self.uses[key] = 0
            self.resampling[key] = set()
            self.texts[key] = set()
            self.clusters[key] = set()
        self.uses[key] += 1
        self.texts[key].add(method)
        if g is not None:
            self.clusters[key].add(g)
        if resamples is not None and any(k in method.lower() for k in _RESAMPLING_WORDS):
            self.resampling[key].add((resamples, seed))

    def ref(self, method: str | None) -> int | None:
        """The footnote number of ``method``."""
        return self.numbers.get(_family(method)[0]) if method else None

    def entries(self) -> list[tuple[int, str, int, str]]:
        """``(number, method, results using it, resampling note)`` in footnote order."""
        out = []
        for key, num in self.numbers.items():
            pairs = sorted(self.resampling[key], key=lambda p: (p[0], p[1] is None, p[1] or 0))
            note = "; ".join(
                f"{b:,} resamples, seed {'not recorded' if s is None else s}" for b, s in pairs
            )
            texts = self.texts[key]
            method = next(iter(texts)) if len(texts) == 1 else key
            if len(texts) > 1 and self.clusters[key]:
                method = f"{key} ({_counts_text(self.clusters[key])})"
            out.append((num, method, self.uses[key], note))
        return out


def method_index(comparison: Comparison) -> MethodIndex:
    """Footnotes for every interval method, test and adjustment of the comparison's results."""
    index = MethodIndex()
    for r in comparison.results:
        index.add(r.difference.method, r.resamples, r.seed)
        index.add(r.baseline.method, r.resamples, r.seed)
        index.add(r.candidate.method, r.resamples, r.seed)
        index.add(r.test, r.resamples, r.seed)
        index.add(r.adjustment)
    return index


def resampling_summary(comparison: Comparison) -> list[str]:
    """``B resamples, seed S: k results`` for every resampling setting the results record."""
    counts: dict[tuple[int, int | None], int] = {}
    for r in comparison.results:
        if r.resamples is not None:
            counts[(r.resamples, r.seed)] = counts.get((r.resamples, r.seed), 0) + 1
    return [
        f"{b:,} resamples, seed {'not recorded' if s is None else s}: {k:,} results"
        for (b, s), k in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))
    ]
