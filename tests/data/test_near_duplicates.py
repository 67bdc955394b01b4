"""Near duplicates: texts without words left out, big LSH buckets formed in blocks, and the
stated miss probability checked against its formula and by simulation."""

from __future__ import annotations

import hashlib
from collections import Counter
from itertools import combinations

import numpy as np
import pytest
from scipy import stats

from assay.data import _near_duplicates as nd
from assay.data import count_duplicates


def _brute_pairs(texts: list[str], threshold: float) -> int:
    keys = {hashlib.sha256(nd.normalise_text(t).encode()).hexdigest(): t for t in texts}
    sets = [nd.shingles(nd.normalise_text(t)) for t in keys.values()]
    return sum(
        1 for a, b in combinations(sets, 2) if a and b and len(a & b) >= threshold * len(a | b)
    )


def test_texts_without_words_are_not_near_duplicates_of_each_other():
    found = count_duplicates(["???", "!!!", "...", "😀", "ok fine"])
    assert (found.near_pairs, found.near_examples, found.near_left_out) == (0, 0, 4)
    # exact duplicates still count them; real near duplicates beside them still show
    texts = ["???", "???", "!!", "the cat sat on the mat", "The cat  sat on the mat!"]
    found = count_duplicates(texts)
    assert (found.exact_redundant, found.near_left_out) == (1, 3)
    assert (found.near_pairs, found.near_examples) == (1, 2)  # the "!" makes them distinct
    found = count_duplicates([*texts, "the cat sat on the mat today"], threshold=0.6)
    assert (found.near_pairs, found.near_examples) == (3, 3)
    assert found.near_pairs == _brute_pairs([*texts, "the cat sat on the mat today"], 0.6)


def test_a_big_bucket_is_formed_in_blocks_with_the_same_pairs(monkeypatch):
    # 400 texts sharing their first 40 words: every one lands in one bucket of every band
    stem = " ".join(f"w{i}" for i in range(40))
    texts = [f"{stem} tail{i} end{i % 7}" for i in range(400)]
    whole = count_duplicates(texts, threshold=0.9)
    assert whole.near_pairs == _brute_pairs(texts, 0.9) == 400 * 399 // 2
    monkeypatch.setattr(nd, "PAIR_BLOCK", 1000)
    blocks = list(nd._bucket_pairs(np.arange(400), 400))
    assert max(len(b) for b in blocks) <= 1000 and len(blocks) > 70
    assert len(np.unique(np.concatenate(blocks))) == 400 * 399 // 2
    assert count_duplicates(texts, threshold=0.9) == whole


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8, 0.95])
def test_the_stated_miss_probability_is_the_banding_formula(threshold: float):
    rows, bands = nd.HASHES // nd.BANDS, nd.BANDS
    expected = (1 - threshold**rows) ** bands
    found = count_duplicates(["a b c d", "a b c e"], threshold=threshold)
    assert found.miss_probability == pytest.approx(expected, rel=1e-12)
    assert f"= {expected:.2g}" in found.method
    assert f"(1 - {threshold}^{rows})^{bands}" in found.method


def test_the_miss_probability_holds_by_simulation():
    """Seeded pairs of exact Jaccard 0.5: the share the bands miss is (1 - 0.5^4)^32."""
    rng = np.random.default_rng(7)
    n_pairs, common, own = 600, 40, 20  # |A & B| = 40, |A | B| = 80
    sets: list[frozenset[str]] = []
    for _ in range(n_pairs):
        words = [f"t{x}" for x in rng.choice(10**9, size=common + 2 * own, replace=False)]
        sets.append(frozenset(words[: common + own]))
        sets.append(frozenset(words[:common] + words[common + own :]))
    pairs = nd._candidates(nd._signatures(sets), 0.5)
    found = Counter(int(x) // 2 for x, y in pairs.tolist() if y == x + 1 and x % 2 == 0)
    missed = n_pairs - len(found)
    p = nd.miss_probability(0.5)
    assert p == pytest.approx(0.1268, abs=1e-4)
    test = stats.binomtest(missed, n_pairs, p)
    assert test.pvalue > 0.001, (missed, n_pairs * p)
