"""Exact and near duplicates among a suite's example texts.

Texts are normalised first (Unicode NFKC, case folded, runs of white space made one space), so
``"Great  movie"`` and ``"great movie"`` are exact duplicates. Two distinct normalised texts are
near duplicates when the Jaccard similarity of their sets of word 3-shingles (three consecutive
words; a text of fewer words is one shingle) is at least the threshold (0.8 by default).

Candidate pairs are found with MinHash and locality-sensitive hashing (128 hash functions in 32
bands of 4 rows, seeded), candidates whose MinHash estimate is within 0.25 of the threshold are checked with the
exact Jaccard similarity of their shingle sets, so no reported pair is a false one; a pair at
the threshold is missed with probability about (1 − 0.8⁴)³² ≈ 5 × 10⁻⁸ by the bands, and below
10⁻⁸ by the estimate (more than five standard deviations), a more similar pair less often.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["DuplicateCount", "count_duplicates", "normalise_text", "shingles"]

_WORDS = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_PRIME = np.uint64((1 << 31) - 1)
HASHES, BANDS = 128, 32
SHINGLE = 3
METHOD = (
    "exact duplicates: identical text after NFKC, case folding and white-space collapsing; "
    "near duplicates: Jaccard similarity of word 3-shingle sets >= {threshold}, candidates "
    f"by MinHash LSH ({HASHES} hashes, {BANDS} bands of {HASHES // BANDS} rows, seed 0) with "
    "an estimated similarity within 0.25 of the threshold, each verified exactly"
)


def normalise_text(text: str) -> str:
    """The text as duplicates are judged: NFKC, case folded, white space collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def shingles(text: str) -> frozenset[str]:
    """The word 3-shingles of a normalised text (the whole text when it has fewer words)."""
    words = _WORDS.findall(text)
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
    method: str
    """How the counts were made."""


def _signatures(sets: Sequence[frozenset[str]]) -> np.ndarray:
    rng = np.random.default_rng(0)
    a = rng.integers(1, int(_PRIME), size=HASHES, dtype=np.uint64)
    b = rng.integers(0, int(_PRIME), size=HASHES, dtype=np.uint64)
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    values = (
        np.fromiter(
            (zlib.crc32(x.encode()) for s in sets for x in s),
            dtype=np.uint64,
            count=int(lengths.sum()),
        )
        % _PRIME
    )
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    out = np.empty((len(sets), HASHES), dtype=np.uint64)
    for lo in range(0, HASHES, 16):
        permuted = (a[lo : lo + 16, None] * values[None, :] + b[lo : lo + 16, None]) % _PRIME
        out[:, lo : lo + 16] = np.minimum.reduceat(permuted, starts, axis=1).T
    return out


def _candidates(signatures: np.ndarray, threshold: float) -> np.ndarray:
    """Pairs ``(x, y)``, x < y, sharing a band whose signatures agree on enough hashes."""
    n, rows = len(signatures), HASHES // BANDS
    found: list[np.ndarray] = []
    for band in range(BANDS):
        block = np.ascontiguousarray(signatures[:, band * rows : (band + 1) * rows])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel()
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        order = np.argsort(inverse, kind="stable")
        for group in np.split(order, np.cumsum(counts)[:-1]):
            if len(group) > 1:
                i, j = np.triu_indices(len(group), 1)
                x, y = np.minimum(group[i], group[j]), np.maximum(group[i], group[j])
                found.append(x.astype(np.int64) * n + y)
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    codes = np.sort(np.concatenate(found))
    codes = codes[np.concatenate([[True], codes[1:] != codes[:-1]])]
    pairs = np.stack([codes // n, codes % n], axis=1)
    # Agreement of the 128 hashes estimates the similarity (sd <= 0.045); a pair estimated
    # 0.25 below the threshold is left unchecked (a true one is, with probability < 1e-8).
    keep = np.empty(len(pairs), dtype=bool)
    for lo in range(0, len(pairs), 1 << 16):
        part = pairs[lo : lo + (1 << 16)]
        agree = (signatures[part[:, 0]] == signatures[part[:, 1]]).mean(axis=1)
        keep[lo : lo + len(part)] = agree >= threshold - 0.25
    return pairs[keep]


def count_duplicates(
    texts: Sequence[str | None],
    references: Sequence[str | None] | None = None,
    *,
    threshold: float = 0.8,
    near: bool = True,
) -> DuplicateCount:
    """Exact and near duplicates among ``texts`` (``None`` is a missing input, not counted);
    with ``near=False`` only exact ones (near-duplicate counts are then 0)."""
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
    distinct = [shingles(normalise_text(texts[g[0]] or "")) for g in members] if near else []
    similar: set[int] = set()
    n_pairs = 0
    if len(distinct) > 1:
        for x, y in _candidates(_signatures(distinct), threshold).tolist():
            sx, sy = distinct[x], distinct[y]
            if len(sx & sy) >= threshold * len(sx | sy):
                n_pairs += 1
                similar.update((x, y))
    return DuplicateCount(
        n_texts=n_texts,
        n_distinct=len(members),
        exact_redundant=n_texts - len(members),
        exact_in_groups=sum(len(g) for g in members if len(g) > 1),
        label_conflicts=conflicts,
        near_pairs=n_pairs,
        near_examples=sum(len(members[g]) for g in similar),
        threshold=threshold,
        method=METHOD.format(threshold=threshold),
    )
