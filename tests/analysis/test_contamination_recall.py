"""MinHash-LSH recall at the threshold, measured on pairs of known Jaccard similarity, against
the S-curve and against datasketch's own MinHashLSH on the same sets."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from assay._util.minhash import retrieval_probability
from assay.analysis import check_contamination
from assay.data import make_suite

datasketch = pytest.importorskip("datasketch")


def _pairs(
    n_pairs: int, size: int, shared: int, seed: int
) -> tuple[list[list[str]], list[list[str]]]:
    """Example word sets and corpus word sets of Jaccard ``shared / (2·size − shared)``."""
    rng = np.random.default_rng(seed)
    examples, documents = [], []
    for p in range(n_pairs):
        words = [f"p{p}w{k}" for k in range(size + size - shared)]
        rng.shuffle(words)
        examples.append(words[:size])
        documents.append(words[:shared] + words[size:])
    return examples, documents


def _ours(tmp_path: Path, examples, documents, threshold: float, bands: int, rows: int):
    rows_ = [{"example_id": f"e{i}", "input": " ".join(w)} for i, w in enumerate(examples)]
    suite = make_suite("recall", rows_, metrics=["accuracy"])
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(d) for d in documents) + "\n")
    return check_contamination(
        suite, [corpus], n=10_000, near_threshold=threshold, shingle=1, bands=bands, rows=rows
    )


def _datasketch_recall(examples, documents, threshold: float, num_perm: int) -> float:
    lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=num_perm)
    encoded = [[w.encode() for w in words] for words in examples]
    for i, m in enumerate(datasketch.MinHash.bulk(encoded, num_perm=num_perm, seed=1)):
        lsh.insert(f"e{i}", m)
    queries = datasketch.MinHash.bulk(
        [[w.encode() for w in d] for d in documents], num_perm=num_perm, seed=1
    )
    return float(np.mean([f"e{i}" in lsh.query(m) for i, m in enumerate(queries)]))


def test_recall_at_datasketch_default_threshold_is_the_s_curve_not_the_threshold(tmp_path: Path):
    # datasketch's defaults (threshold 0.9, 128 permutations) choose 5 bands of 25 rows
    assert datasketch.lsh._optimal_param(0.9, 128, 0.5, 0.5) == (5, 25)
    n = 600
    examples, documents = _pairs(n, size=95, shared=90, seed=0)  # Jaccard 90/100 = 0.9
    result = _ours(tmp_path, examples, documents, 0.9, bands=5, rows=25)
    found = [e.best_jaccard for e in result.examples if e.best_jaccard is not None]
    assert set(found) <= {0.9}  # every retrieved pair verified at its true Jaccard
    ours = len(found) / n
    theirs = _datasketch_recall(examples, documents, 0.9, 128)
    expected = retrieval_probability(0.9, 5, 25)
    assert expected == pytest.approx(result.retrieval_probability)
    assert expected == pytest.approx(0.311, abs=0.001)
    sd = math.sqrt(expected * (1 - expected) / n)
    assert abs(ours - expected) < 4 * sd
    assert abs(theirs - expected) < 4 * sd
    assert abs(ours - theirs) < 4 * math.sqrt(2) * sd
    assert result.count("contaminated") == len(found)  # retrieved at 0.9 >= threshold


def test_default_bands_retrieve_nearly_every_pair_at_the_threshold(tmp_path: Path):
    examples, documents = _pairs(300, size=40, shared=32, seed=1)  # Jaccard 32/48 = 0.667
    result = _ours(tmp_path, examples, documents, 2 / 3, bands=32, rows=4)
    expected = retrieval_probability(2 / 3, 32, 4)
    assert expected > 0.999
    assert result.count("contaminated") >= 297
    # below the threshold a retrieved pair is verified and not counted
    low_ex, low_docs = _pairs(200, size=40, shared=20, seed=2)  # Jaccard 20/60 = 0.333
    low = _ours(tmp_path, low_ex, low_docs, 2 / 3, bands=32, rows=4)
    assert low.count("contaminated") == 0
    retrieved = [e.best_jaccard for e in low.examples if e.best_jaccard is not None]
    assert retrieved and all(j == pytest.approx(1 / 3) for j in retrieved)
    rate = len(retrieved) / 200
    p = retrieval_probability(1 / 3, 32, 4)
    assert abs(rate - p) < 4 * math.sqrt(p * (1 - p) / 200)
