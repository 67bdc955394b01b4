"""The shipped sentiment corpus: counts against the raw files, the label rule, the split."""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources

import pytest

from assay.datasets import (
    SENTIMENT_DOMAINS,
    length_band,
    load_sentiment_corpus,
    sentiment_split,
    sentiment_suite,
)
from assay.errors import ParameterError

# sha256 of the original *_GroundTruth.txt files in vaderSentiment-3.3.2.tar.gz
# (additional_resources/hutto_ICWSM_2014.tar.gz), computed from the source distribution
ORIGINAL_SHA256 = {
    "tweets": "dfbe7102e2f92579ed8b19df9a3822491880697c67adf712fb66e520cc05102f",
    "movie_reviews": "c8293b0d942e90e223ea2c0955d969040d1a1be514a978b9af0698940bd13350",
    "product_reviews": "11a9807a0974a2506a2d3b4851eaf69b3d6d20688ce4923adda2312a4f6dd6c2",
    "editorials": "7d8fbcce7dde5d716da53e78f4ef4be6b706e9ef1e1d51887e6d0ad4b69cc27e",
}
# sizes stated in the data set's own README (_README_.txt of the archive)
DOCUMENTED_SIZES = {
    "tweets": 4200,
    "movie_reviews": 10605,
    "product_reviews": 3708,
    "editorials": 5190,
}


def _raw(domain: str) -> bytes:
    path = resources.files("assay.datasets").joinpath("data", SENTIMENT_DOMAINS[domain])
    return gzip.decompress(path.read_bytes())


def _raw_ratings(domain: str) -> list[float]:
    # an independent reading: CRLF lines, the rating is the second tab-separated field
    lines = [x for x in _raw(domain).decode("utf-8").split("\r\n") if x]
    return [float(x.split("\t")[1]) for x in lines]


@pytest.fixture(scope="module")
def corpus():
    return load_sentiment_corpus()


@pytest.mark.parametrize("domain", sorted(SENTIMENT_DOMAINS))
def test_shipped_files_are_the_unchanged_originals(domain):
    assert hashlib.sha256(_raw(domain)).hexdigest() == ORIGINAL_SHA256[domain]
    assert len(_raw_ratings(domain)) == DOCUMENTED_SIZES[domain]


def test_counts_per_domain_match_the_raw_files(corpus):
    assert set(corpus["domain"]) == set(SENTIMENT_DOMAINS)
    zeros = 0
    for domain in SENTIMENT_DOMAINS:
        ratings = _raw_ratings(domain)
        rows = corpus[corpus["domain"] == domain]
        assert len(rows) == sum(r != 0 for r in ratings)
        assert (rows["label"] == "positive").sum() == sum(r > 0 for r in ratings)
        zeros += sum(r == 0 for r in ratings)
    assert corpus.attrs["neutral_dropped"] == zeros == 383
    assert corpus["id"].is_unique
    assert len(corpus) == sum(DOCUMENTED_SIZES.values()) - zeros


def test_label_is_the_sign_of_the_mean_rating(corpus):
    assert set(corpus["label"]) == {"positive", "negative"}
    assert ((corpus["rating"] > 0) == (corpus["label"] == "positive")).all()
    assert ((corpus["rating"] < 0) == (corpus["label"] == "negative")).all()
    assert corpus["rating"].between(-4, 4).all()
    everything = load_sentiment_corpus(keep_neutral=True)
    assert len(everything) == sum(DOCUMENTED_SIZES.values())
    assert everything.attrs["neutral_dropped"] == 0
    neutral = everything[everything["label"] == "neutral"]
    assert len(neutral) == 383 and (neutral["rating"] == 0).all()


def test_documents_are_clusters_of_their_sentences():
    everything = load_sentiment_corpus(keep_neutral=True)
    for domain in ("product_reviews", "editorials"):  # ids are <document>_<sentence>
        lines = [x for x in _raw(domain).decode("utf-8").split("\r\n") if x]
        documents = {x.split("\t")[0].split("_")[0] for x in lines}
        clusters = everything.loc[everything["domain"] == domain, "cluster"]
        assert clusters.notna().all()
        assert clusters.nunique() == len(documents) > 100
    for domain in ("tweets", "movie_reviews"):
        assert everything.loc[everything["domain"] == domain, "cluster"].isna().all()


def test_split_is_stratified_disjoint_and_keeps_documents_whole(corpus):
    train, test = sentiment_split(corpus, test_fraction=0.2, seed=0)
    assert len(train) + len(test) == len(corpus)
    assert not set(train["id"]) & set(test["id"])
    clusters = test["cluster"].dropna()
    assert not set(clusters) & set(train["cluster"].dropna())
    for (domain, label), n in corpus.groupby(["domain", "label"]).size().items():
        k = ((test["domain"] == domain) & (test["label"] == label)).sum()
        if domain in ("tweets", "movie_reviews"):  # one text per unit: exact up to rounding
            assert abs(k - 0.2 * n) <= 1
        else:  # whole documents: close
            assert abs(k / n - 0.2) < 0.06


def test_split_is_seeded(corpus):
    a = sentiment_split(corpus, seed=3)[1]["id"].tolist()
    assert a == sentiment_split(corpus, seed=3)[1]["id"].tolist()
    assert a != sentiment_split(corpus, seed=4)[1]["id"].tolist()
    with pytest.raises(
        ParameterError,
        match=r"^The 'test_fraction' parameter of sentiment_split must be a number in \(0, 1\)\. "
        r"Got 1\.0\.$",
    ):
        sentiment_split(corpus, test_fraction=1.0)


def test_length_bands():
    assert length_band("one two") == "short"
    assert length_band(" ".join(["w"] * 10)) == "short"
    assert length_band(" ".join(["w"] * 11)) == "medium"
    assert length_band(" ".join(["w"] * 25)) == "medium"
    assert length_band(" ".join(["w"] * 26)) == "long"


def test_suite_holds_the_test_split_with_slices(corpus):
    test = sentiment_split(corpus)[1].sample(n=300, random_state=1)
    data = sentiment_suite(test, version="t")
    assert data.suite.n_examples == 300
    assert [s.name for s in data.suite.slices] == ["domain", "length"]
    table = data.examples.to_pandas()
    assert set(table["example_id"]) == set(test["id"])
    assert table["cluster"].notna().sum() == test["cluster"].notna().sum()
    assert sentiment_suite(test, version="t").digest == data.digest
