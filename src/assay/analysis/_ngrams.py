"""Word n-grams of normalised text, hashed into 64-bit integers for overlap search.

Text is normalised the same way on both sides of a contamination check: Unicode NFKC (so
full-width letters, ligatures and composed accents agree), case folding (``"ÉCOLE"`` and
``"école"`` agree), and every Unicode punctuation character (general category ``P*``: curly and
straight quotes, em and en dashes, hyphens, guillemets, CJK full stops) removed, then split on
white space. lm-evaluation-harness's janitor lower-cases ASCII and strips ASCII punctuation only,
so ``“don’t”`` and ``"don't"`` differ there and agree here.

An n-gram is hashed from the integer ids of its words in a vocabulary (a polynomial over the ids,
modulo 2⁶⁴); ids rather than strings let the corpus side map every word it has never seen in the
suite to "unknown" and drop every window holding one, which is most of a corpus.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["BOUNDARY", "Vocabulary", "batch_words", "ngram_hashes", "normalised_words"]


PUNCTUATION_PLANES = 0x20000
"""Every punctuation character is in Unicode's planes 0 and 1 (a test checks it for the
running Python's Unicode database), so only they are scanned."""


@functools.cache
def _punctuation() -> dict[int, None]:
    # every code point of general category P*, built once, on first use
    return {c: None for c in range(PUNCTUATION_PLANES) if unicodedata.category(chr(c))[0] == "P"}


_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd, so the polynomial mixes every id
UNKNOWN = -1


def normalised_words(text: str) -> list[str]:
    """The words of ``text`` after NFKC, case folding and removal of all Unicode punctuation."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_punctuation()).split()


BOUNDARY = "\x00"
"""The token that separates documents; never in a vocabulary, so no n-gram spans two."""


def batch_words(texts: Sequence[str]) -> list[str]:
    """The normalised words of many texts in one list, a :data:`BOUNDARY` token between texts
    (normalising them as one string is several times faster than one call per text)."""
    joined = f" {BOUNDARY} ".join(t.replace(BOUNDARY, " ") for t in texts)
    return normalised_words(joined)


class Vocabulary:
    """Word ↔ integer id for the words of the texts being searched for."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def add(self, words: Iterable[str]) -> np.ndarray:
        """The ids of ``words``, adding new words (never :data:`BOUNDARY`)."""
        ids, words = self.ids, list(words)
        for w in words:
            if w not in ids and w != BOUNDARY:
                ids[w] = len(ids)
        return self.lookup(list(words))

    def lookup(self, words: list[str]) -> np.ndarray:
        """The ids of ``words``, :data:`UNKNOWN` (-1) for a word not in the vocabulary."""
        found = map(self.ids.get, words, itertools.repeat(UNKNOWN))  # no Python frame per word
        return np.fromiter(found, dtype=np.int64, count=len(words))


def ngram_hashes(ids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The hash of every window of ``n`` consecutive ids, and where each window starts;
    windows holding an unknown id (-1) are left out."""
    count = len(ids) - n + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    known = ids >= 0
    if known.all():
        starts = np.arange(count)
    else:
        # a window is usable when none of its n ids is unknown
        bad = np.concatenate([[0], np.cumsum(~known)])
        starts = np.flatnonzero(bad[n:] - bad[:-n] == 0)
        if not len(starts):
            return np.empty(0, dtype=np.uint64), starts
    values = ids.astype(np.uint64) + np.uint64(1)
    h = np.zeros(len(starts), dtype=np.uint64)
    for k in range(n):
        h = h * _BASE + values[starts + k]
    return h, starts
