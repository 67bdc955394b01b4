"""Corpus BLEU and chrF against sacrebleu on real text; ROUGE against hand counts."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from assay.errors import DataError, ParameterError
from assay.metrics import (
    bleu_statistics,
    bleu_value,
    chrf_statistics,
    chrf_value,
    compare_metric,
    get_metric,
    rouge_scores,
    tokenize_13a,
)

GOLDEN = json.loads(
    (Path(__file__).parent.parent / "golden" / "metrics_text_reference.json").read_text()
)
HYPS, REFS, REFS2 = GOLDEN["hypotheses"], GOLDEN["references"], GOLDEN["second_references"]


def _corpus(stats_fn, value_fn, refs) -> float:
    return float(value_fn(stats_fn(HYPS, refs).sum(axis=0)[None, :])[0])


def test_corpus_bleu_and_chrf_equal_the_stored_sacrebleu_scores() -> None:
    scores = GOLDEN["scores"]
    both = [[a, b] for a, b in zip(REFS, REFS2, strict=True)]
    assert _corpus(bleu_statistics, bleu_value, REFS) == pytest.approx(scores["bleu"], abs=1e-9)
    assert _corpus(bleu_statistics, bleu_value, both) == pytest.approx(
        scores["bleu_two_references"], abs=1e-9
    )
    assert _corpus(chrf_statistics, chrf_value, REFS) == pytest.approx(scores["chrf"], abs=1e-9)
    assert _corpus(chrf_statistics, chrf_value, both) == pytest.approx(
        scores["chrf_two_references"], abs=1e-9
    )


@pytest.mark.parametrize(
    ("hyp", "ref"),
    [
        ("a b c", "a b c d e"),
        ("the", "cat"),
        ("x y", "x y"),
        ("", "a b"),
        ("a b c d e f", "a b"),
        ("It costs $3.50, doesn't it?", "It costs $3.50 - doesn't it?"),
        ("A&amp;B <skipped>", "A&B"),
    ],
)
def test_segment_edge_cases_match_live_sacrebleu(hyp: str, ref: str) -> None:
    sacrebleu = pytest.importorskip("sacrebleu")
    assert float(bleu_value(bleu_statistics([hyp], [ref]))[0]) == pytest.approx(
        sacrebleu.corpus_bleu([hyp], [[ref]]).score, abs=1e-9
    )
    assert float(chrf_value(chrf_statistics([hyp], [ref]))[0]) == pytest.approx(
        sacrebleu.corpus_chrf([hyp], [[ref]]).score, abs=1e-9
    )
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    assert tokenize_13a(hyp) == Tokenizer13a()(hyp)


def test_live_sacrebleu_on_a_slice_of_the_corpus() -> None:
    sacrebleu = pytest.importorskip("sacrebleu")
    h, r = HYPS[:80], REFS[:80]
    assert float(bleu_value(bleu_statistics(h, r).sum(0)[None])[0]) == pytest.approx(
        sacrebleu.corpus_bleu(h, [r]).score, abs=1e-9
    )


def test_bleu_paired_bootstrap_on_segments() -> None:
    better = [r if i % 3 == 0 else h for i, (h, r) in enumerate(zip(HYPS, REFS, strict=True))]
    base = {"hypotheses": HYPS, "references": REFS}
    cand = {"hypotheses": better, "references": REFS}
    r = compare_metric("bleu", base, cand, rng=0, resamples=1000)
    assert r.baseline.estimate == pytest.approx(GOLDEN["scores"]["bleu"], abs=1e-9)
    assert r.difference.low > 0 and r.p_value < 0.01
    assert get_metric("chrf").direction == "higher"


def _brute_lcs(a: list[str], b: list[str]) -> int:
    for size in range(min(len(a), len(b)), 0, -1):
        subs = set(itertools.combinations(a, size))
        if any(c in subs for c in itertools.combinations(b, size)):
            return size
    return 0


def test_rouge_by_hand() -> None:
    hyp, ref = "The cat sat on the mat.", "the cat was on the mat"
    # tokens: [the cat sat on the mat] vs [the cat was on the mat]
    r1 = 5 / 6
    r2 = 2 * (3 / 5) * (3 / 5) / (6 / 5)  # bigrams: the-cat, on-the, the-mat
    lcs = _brute_lcs(
        ["the", "cat", "sat", "on", "the", "mat"], ["the", "cat", "was", "on", "the", "mat"]
    )
    assert lcs == 5
    np.testing.assert_allclose(rouge_scores([hyp], [ref], "rouge1"), [r1])
    np.testing.assert_allclose(rouge_scores([hyp], [ref], "rouge2"), [r2])
    np.testing.assert_allclose(rouge_scores([hyp], [ref], "rougeL"), [lcs / 6])
    assert rouge_scores(["x"], [["nothing", "x"]], "rouge1")[0] == 1.0
    assert rouge_scores([""], ["a"], "rougeL")[0] == 0.0
    d = get_metric("rougeL")
    assert d.is_mean and d.compute(hypotheses=[hyp, "a"], references=[ref, "a"]) == pytest.approx(
        (5 / 6 + 1) / 2
    )


@pytest.mark.parametrize("seed", range(5))
def test_rouge_l_matches_brute_force_lcs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    words = ["a", "b", "c", "d"]
    h = list(rng.choice(words, 7))
    r = list(rng.choice(words, 6))
    lcs = _brute_lcs(h, r)
    want = 0.0 if lcs == 0 else 2 * (lcs / 7) * (lcs / 6) / (lcs / 7 + lcs / 6)
    assert rouge_scores([" ".join(h)], [" ".join(r)], "rougeL")[0] == pytest.approx(want)


def test_bad_text_inputs() -> None:
    with pytest.raises(ParameterError, match="'references'"):
        bleu_statistics(["a"], ["a", "b"])
    with pytest.raises(DataError, match="segment 1"):
        chrf_statistics(["a", None], ["a", "b"])
    with pytest.raises(ParameterError, match="'variant'"):
        rouge_scores(["a"], ["a"], "rouge3")
