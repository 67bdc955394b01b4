"""Small real evidence for cards and datasheets: a sample of Adult with two rule models, and a
sample of the sentiment sentences scored by VADER."""

from __future__ import annotations

from pathlib import Path

import pytest
from card_evidence import log_rule, rebuild

import assay
from assay.data import SuiteData

ADULT_N = 300


@pytest.fixture(scope="session")
def adult_sample() -> SuiteData:
    from assay.demo._adult import adult_suite

    return rebuild(adult_suite(), ADULT_N, "adult-income")


@pytest.fixture()
def adult_store(home: Path, adult_sample: SuiteData) -> assay.Store:
    """A store with the Adult sample, two rule runs and a recorded decision."""
    store = assay.open_store()
    assay.register_suite(adult_sample, store=store)
    base = log_rule(adult_sample, "income-rule@1.0", "v1", store)
    cand = log_rule(adult_sample, "income-rule@2.0", "v2", store)
    assay.decide(base.run.run_id, cand.run.run_id, output=home / "reports", store=store)
    return store


SENTIMENT_N = 160


@pytest.fixture(scope="session")
def sentiment_sample() -> SuiteData:
    from assay.datasets import load_sentiment_corpus, sentiment_split, sentiment_suite

    test = sentiment_split(load_sentiment_corpus())[1]
    return sentiment_suite(test.sample(n=SENTIMENT_N, random_state=0).sort_values("id"))
