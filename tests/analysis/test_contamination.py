"""Contamination: short examples undetectable, typographic variants matched, hits verified,
document boundaries respected, a suite without text refused, Welch's interval against scipy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from assay.analysis import check_contamination, contamination_effect, normalised_words
from assay.data import make_suite
from assay.errors import DataError, ParameterError

LONG = (
    "The committee said it would publish the final report on the river crossing next spring "
    "after the public hearings"
)


def _suite(texts: list[str | None]):
    rows = [{"example_id": f"e{i}", "input": t, "reference": "x"} for i, t in enumerate(texts)]
    return make_suite("s", rows, metrics=["accuracy"])


def _corpus(tmp_path: Path, lines: list[str], name: str = "corpus.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _status(result) -> dict[str, str]:
    return {e.example_id: e.status for e in result.examples}


def test_a_sentence_under_13_words_is_undetectable_never_clean(tmp_path: Path):
    short = "A short question about rivers and bridges"  # 7 words
    corpus = _corpus(tmp_path, ["Nothing here resembles the suite at all, not one word of it."])
    result = check_contamination(_suite([short, LONG]), [corpus], near_threshold=None)
    assert _status(result) == {"e0": "undetectable", "e1": "clean"}
    assert result.examples[0].words == 7 < result.parameters.n
    # exactly 13 words is detectable: one 13-gram
    thirteen = " ".join(LONG.split()[:13])
    again = check_contamination(_suite([thirteen]), [corpus], near_threshold=None)
    assert _status(again) == {"e0": "clean"}
    # the short sentence, copied verbatim into the corpus, is still undetectable to the 13-gram
    # search, and found by the near-duplicate search
    copied = _corpus(tmp_path, [short], "copied.txt")
    exact_only = check_contamination(_suite([short]), [copied], near_threshold=None)
    assert _status(exact_only) == {"e0": "undetectable"}
    near = check_contamination(_suite([short]), [copied])
    assert _status(near) == {"e0": "contaminated"}
    assert near.examples[0].best_jaccard == 1.0


@pytest.mark.parametrize(
    ("suite_text", "corpus_text"),
    [
        (
            "“Don’t stop,” she said — the river’s edge was close and the night was cold and dark",
            "\"Don't stop,\" she said - the river's edge was close and the night was cold and dark",
        ),
        (
            "ÉCOLE NORMALE SUPÉRIEURE admitted forty students in the autumn term of that year again",
            "école normale supérieure admitted forty students in the autumn term of that year again",
        ),
        (  # NFKC: full-width letters and the ﬁ ligature
            "Ｔｈｅ ﬁnal exam covers chapters one to twelve of the book and all the exercises too",
            "The final exam covers chapters one to twelve of the book and all the exercises too",
        ),
    ],
)
def test_typographic_variants_match_after_normalisation(
    tmp_path: Path, suite_text: str, corpus_text: str
):
    assert normalised_words(suite_text) == normalised_words(corpus_text)
    corpus = _corpus(tmp_path, ["unrelated words first", "prefix " + corpus_text + " suffix"])
    result = check_contamination(_suite([suite_text]), [corpus], near_threshold=None)
    assert _status(result) == {"e0": "contaminated"}
    words = len(normalised_words(suite_text))
    assert result.examples[0].ngram_hits == words - 13 + 1


def test_hits_count_every_occurrence_and_never_cross_a_document_boundary(tmp_path: Path):
    words = LONG.split()
    split = [" ".join(words[:10]), " ".join(words[10:])]  # the text across two lines
    corpus = _corpus(tmp_path, [*split, LONG, LONG])
    result = check_contamination(_suite([LONG]), [corpus], near_threshold=None)
    assert result.examples[0].ngram_hits == 2 * (len(words) - 13 + 1)
    crossing = check_contamination(_suite([LONG]), [_corpus(tmp_path, split, "b.txt")])
    assert crossing.examples[0].ngram_hits == 0


def test_examples_without_text_are_undetectable_and_a_suite_without_any_is_refused(
    tmp_path: Path,
):
    corpus = _corpus(tmp_path, [LONG])
    result = check_contamination(_suite([LONG, None]), [corpus])
    assert _status(result) == {"e0": "contaminated", "e1": "undetectable"}
    assert any("1 examples have no text" in n for n in result.notes)
    tabular = make_suite(
        "adult",
        [{"example_id": "a", "input": {"age": 30}, "reference": "1"}],
        metrics=["accuracy"],
    )
    with pytest.raises(DataError, match="no text to search for"):
        check_contamination(tabular, [corpus])
    with pytest.raises(ParameterError, match="'corpus'"):
        check_contamination(_suite([LONG]), [])
    with pytest.raises(DataError, match="does not exist"):
        check_contamination(_suite([LONG]), [tmp_path / "missing.txt"])


def test_result_names_its_parameters_and_corpus_digest(tmp_path: Path):
    import hashlib

    corpus = _corpus(tmp_path, [LONG])
    result = check_contamination(_suite([LONG]), [corpus], n=8, near_threshold=0.7)
    manifest = result.manifest()
    assert manifest["detector"]["n"] == 8
    assert (
        manifest["corpus"]["digest"] == "sha256:" + hashlib.sha256(corpus.read_bytes()).hexdigest()
    )
    assert result.retrieval_probability == pytest.approx(1 - (1 - 0.7**4) ** 32)
    assert "8-grams" in result.method and "0.7" in result.method


def test_contaminated_minus_clean_matches_scipy_welch(tmp_path: Path):
    rng = np.random.default_rng(3)
    texts = [f"{LONG} variant {i}" for i in range(60)]
    corpus = _corpus(tmp_path, texts[:20])  # the first 20 are in the corpus
    different = [
        f"entirely other words number {i} " + " ".join(f"w{i}x{k}" for k in range(14))
        for i in range(40)
    ]
    result = check_contamination(_suite(texts[:20] + different), [corpus], near_threshold=None)
    assert result.count("contaminated") == 20 and result.count("clean") == 40
    scores = {
        e.example_id: float(rng.normal(0.8 if e.status == "contaminated" else 0.6, 0.1))
        for e in result.examples
    }
    effect = contamination_effect(result, scores, metric="accuracy")
    a = [scores[i] for i in result.ids("contaminated")]
    b = [scores[i] for i in result.ids("clean")]
    ref = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (effect.difference.low, effect.difference.high) == pytest.approx((ref.low, ref.high))
    assert effect.difference.estimate == pytest.approx(np.mean(a) - np.mean(b))
    assert effect.contaminated.n == 20 and effect.clean.n == 40
    lonely = contamination_effect(result, {"e0": 1.0, "e20": 0.0}, metric="accuracy")
    assert math.isinf(lonely.difference.high) and lonely.difference.notes


def test_every_punctuation_character_lies_in_the_scanned_planes():
    import sys
    import unicodedata

    from assay.analysis._ngrams import PUNCTUATION_PLANES

    beyond = [
        c
        for c in range(PUNCTUATION_PLANES, sys.maxunicode + 1)
        if unicodedata.category(chr(c)).startswith("P")
    ]
    assert beyond == []
    assert normalised_words("«¡Hola!» — dijo『彼』。") == ["hola", "dijo彼"]
