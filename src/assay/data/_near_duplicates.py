"""Exact and near duplicates among a suite's example texts.

Texts are normalised first (Unicode NFKC, case folded, runs of white space made one space), so
``"Great  movie"`` and ``"great movie"`` are exact duplicates. Two distinct normalised texts are
near duplicates when the Jaccard similarity of their sets of word 3-shingles (three consecutive
words; a text of fewer words is one shingle) is at least the threshold (0.8 by default). A text
without any word (only punctuation, symbols or emoji) has no shingles and is left out of the
near-duplicate check (it is still counted for exact duplicates); how many were left out is
reported.

Candidate pairs are found with MinHash and locality-sensitive hashing (128 hash functions in 32
bands of 4 rows, seeded), candidates whose MinHash estimate is within 0.25 of the threshold are
checked with the exact Jaccard similarity of their shingle sets, so no reported pair is a false
one. A pair of similarity s shares no band with probability (1 − s⁴)³²
(:func:`miss_probability`): about 5 × 10⁻⁸ at the default threshold 0.8, but 0.13 at 0.5, so
the method text states it for the threshold used; the estimate misses a pair at the threshold
with probability below 10⁻⁸ (more than five standard deviations); a more similar pair is missed
less often. The pairs of one band bucket are formed in blocks and filtered by the estimate as
they are formed, so memory grows with the candidates kept, not with the square of a bucket.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from assay._util import check_number
from assay._util.minhash import minhash_signatures

__all__ = [
    "DuplicateCount",
    "count_duplicates",
    "miss_probability",
    "normalise_text",
    "shingles",
]

_WORDS = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
HASHES, BANDS = 128, 32
SHINGLE = 3
PAIR_BLOCK = 1 << 18
"""The most candidate pairs of one band bucket formed at once."""
METHOD = (
    "exact duplicates: identical text after NFKC, case folding and white-space collapsing; "
    "near duplicates: Jaccard similarity of word 3-shingle sets >= {threshold}, texts without "
    "words left out, candidates "
    f"by MinHash LSH ({HASHES} hashes, {BANDS} bands of {HASHES // BANDS} rows, seed 0) with "
    "an estimated similarity within 0.25 of the threshold, each verified exactly; a pair at "
    f"the threshold is missed with probability (1 - {{threshold}}^{HASHES // BANDS})^{BANDS} "
    "= {miss:.2g}"
)


def miss_probability(similarity: float) -> float:
    """The probability that the LSH bands miss a pair of Jaccard ``similarity``:
    ``(1 - s**rows) ** bands`` with 32 bands of 4 rows."""
    return float((1.0 - similarity ** (HASHES // BANDS)) ** BANDS)


def normalise_text(text: str) -> str:
    """The text as duplicates are judged: NFKC, case folded, white space collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def shingles(text: str) -> frozenset[str]:
    """The word 3-shingles of a normalised text (its words as one shingle when it has fewer;
    none when it has no words)."""
    words = _WORDS.findall(text)
    if not words:
        return frozenset()
    if len(words) < SHINGLE:
        return frozenset({" ".join(words)})
    return frozenset(" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


@dataclass(frozen=True)
class DuplicateCount:
    """How many examples repeat or nearly repeat another."""

    n_texts: int
    """Examples counted (those with an input)."""
    n_distinct: int
    """Distinct normalised texts."""
    exact_redundant: int
    """Examples whose text equals an earlier example's (``n_texts - n_distinct``)."""
    exact_in_groups: int
    """Examples in a group of two or more with the same text."""
    label_conflicts: int
    """Groups of identical texts whose references differ."""
    near_pairs: int
    """Pairs of distinct texts at or above the threshold."""
    near_examples: int
    """Examples whose text has at least one near duplicate."""
    threshold: float
    """The Jaccard threshold."""
    near_left_out: int
    """Examples left out of the near-duplicate check: their text has no words."""
    miss_probability: float
    """The probability that a pair exactly at the threshold is missed (:func:`miss_probability`)."""
    method: str
    """How the counts were made."""


def _signatures(sets: Sequence[frozenset[str]]) -> np.ndarray:
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    values = np.fromiter(
        (zlib.crc32(x.encode()) for s in sets for x in s),
        dtype=np.uint64,
        count=int(lengths.sum()),
    )
    return minhash_signatures(values, lengths, num_perm=HASHES, seed=0)


def _bucket_pairs(group: np.ndarray, n: int) -> Iterator[np.ndarray]:
    """Pair codes ``x * n + y`` (x < y) of one bucket, at most about :data:`PAIR_BLOCK` at a
    time (whole rows of the upper triangle; one row when a row alone is longer)."""
    g = len(group)
    per_row = np.arange(g - 1, 0, -1)  # member i pairs with the g - 1 - i after it
    ends = np.cumsum(per_row)
    first = 0
    while first < g - 1:
        done = int(ends[first - 1]) if first else 0
        last = max(first + 1, int(np.searchsorted(ends, done + PAIR_BLOCK, side="right")))
        counts = per_row[first:last]
        i = np.repeat(np.arange(first, last), counts)
        j = i + 1 + np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        x, y = np.minimum(group[i], group[j]), np.maximum(group[i], group[j])
        yield x.astype(np.int64) * n + y
        first = last


def _candidates(signatures: np.ndarray, threshold: float) -> np.ndarray:
    """Pairs ``(x, y)``, x < y, sharing a band whose signatures agree on enough hashes.

    Agreement of the 128 hashes estimates the similarity (sd <= 0.045); a pair estimated 0.25
    below the threshold is dropped as it is formed (a true one is, with probability < 1e-8)."""
    n, rows = len(signatures), HASHES // BANDS
    found: list[np.ndarray] = []
    for band in range(BANDS):
        block = np.ascontiguousarray(signatures[:, band * rows : (band + 1) * rows])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel()
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        order = np.argsort(inverse, kind="stable")
        for group in np.split(order, np.cumsum(counts)[:-1]):
            for codes in _bucket_pairs(group, n) if len(group) > 1 else ():
                x, y = codes // n, codes % n
                agree = (signatures[x] == signatures[y]).mean(axis=1)
                found.append(codes[agree >= threshold - 0.25])
        if len(found) > 1:
            found = [np.unique(np.concatenate(found))]
    codes = np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
    return np.stack([codes // n, codes % n], axis=1)


def count_duplicates(
    texts: Sequence[str | None],
    references: Sequence[str | None] | None = None,
    *,
    threshold: float = 0.8,
    near: bool = True,
) -> DuplicateCount:
    """Exact and near duplicates among ``texts`` (``None`` is a missing input, not counted);
    with ``near=False`` only exact ones (near-duplicate counts are then 0)."""
    check_number(threshold, "threshold", "count_duplicates", low=0.0, high=1.0, low_open=True)
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        if text is not None:
            key = hashlib.sha256(normalise_text(text).encode()).hexdigest()
            groups.setdefault(key, []).append(i)
    members = list(groups.values())
    n_texts = sum(len(g) for g in members)
    conflicts = 0
    if references is not None:
        conflicts = sum(len({references[i] for i in g}) > 1 for g in members if len(g) > 1)
    sets = [shingles(normalise_text(texts[g[0]] or "")) for g in members] if near else []
    usable = [k for k, s in enumerate(sets) if s]  # a text without words has no shingles
    distinct = [sets[k] for k in usable]
    similar: set[int] = set()
    n_pairs = 0
    if len(distinct) > 1:
        for x, y in _candidates(_signatures(distinct), threshold).tolist():
            sx, sy = distinct[x], distinct[y]
            if len(sx & sy) >= threshold * len(sx | sy):
                n_pairs += 1
                similar.update((usable[x], usable[y]))
    return DuplicateCount(
        n_texts=n_texts,
        n_distinct=len(members),
        exact_redundant=n_texts - len(members),
        exact_in_groups=sum(len(g) for g in members if len(g) > 1),
        label_conflicts=conflicts,
        near_pairs=n_pairs,
        near_examples=sum(len(members[g]) for g in similar),
        threshold=threshold,
        near_left_out=sum(len(members[k]) for k, s in enumerate(sets) if not s),
        miss_probability=miss_probability(threshold),
        method=METHOD.format(threshold=threshold, miss=miss_probability(threshold)),
    )
