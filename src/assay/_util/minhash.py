"""MinHash signatures and LSH banding over integer shingle hashes, vectorised with numpy.

A signature row holds, for each of ``num_perm`` seeded universal hash functions
``(a·x + b) mod (2³¹ − 1)``, the minimum over a set's shingles; two sets agree on one position
with probability equal to their Jaccard similarity. Banding cuts a signature into ``bands`` bands
of ``rows`` positions; two sets become candidates when any band agrees entirely, which happens
with probability ``1 − (1 − s^rows)^bands`` (:func:`retrieval_probability`), the S-curve. The
threshold of a search is not a recall bound: at 128 permutations in datasketch's default bands
for 0.9, a pair at exactly 0.9 is found about a third of the time; the probability is reported.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np

__all__ = [
    "band_keys",
    "minhash_signatures",
    "retrieval_probability",
    "shingle_hashes",
    "word_hashes",
]

PRIME = np.uint64((1 << 31) - 1)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_BLOCK = 16


def retrieval_probability(similarity: float, bands: int, rows: int) -> float:
    """The chance that a pair of Jaccard ``similarity`` shares at least one band."""
    return float(1.0 - (1.0 - similarity**rows) ** bands)


def word_hashes(words: Iterable[str]) -> np.ndarray:
    """A stable 32-bit hash (CRC-32 of the UTF-8 bytes) of each word."""
    return np.fromiter((zlib.crc32(w.encode("utf-8", "surrogatepass")) for w in words), np.uint64)


def shingle_hashes(hashes: np.ndarray, size: int) -> np.ndarray:
    """The distinct hashes of the runs of ``size`` consecutive word hashes (the whole text as
    one shingle when it has fewer words; none without words)."""
    if len(hashes) == 0:
        return hashes
    if len(hashes) < size:
        size = len(hashes)
    h = np.zeros(len(hashes) - size + 1, dtype=np.uint64)
    for k in range(size):
        h = h * _MIX + hashes[k : len(hashes) - size + 1 + k]
    return np.unique(h)


def _coefficients(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, int(PRIME), size=num_perm, dtype=np.uint64)
    b = rng.integers(0, int(PRIME), size=num_perm, dtype=np.uint64)
    return a, b


def minhash_signatures(
    values: np.ndarray, lengths: np.ndarray, *, num_perm: int, seed: int = 0
) -> np.ndarray:
    """One signature row per set, the sets given as their concatenated shingle hashes
    ``values`` and their sizes ``lengths`` (every size at least 1)."""
    a, b = _coefficients(num_perm, seed)
    reduced = values % PRIME
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    out = np.empty((len(lengths), num_perm), dtype=np.uint64)
    for lo in range(0, num_perm, _BLOCK):
        permuted = (
            a[lo : lo + _BLOCK, None] * reduced[None, :] + b[lo : lo + _BLOCK, None]
        ) % PRIME
        out[:, lo : lo + _BLOCK] = np.minimum.reduceat(permuted, starts, axis=1).T
    return out


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A 64-bit key per set and band (shape ``(sets, bands)``): equal rows give equal keys."""
    keys = np.zeros((len(signatures), bands), dtype=np.uint64)
    for r in range(rows):
        keys = keys * _MIX + signatures[:, r : bands * rows : rows]
    return keys + np.arange(bands, dtype=np.uint64)[None, :] * _MIX
