"""Small real evidence for cards and datasheets: a sample of Adult with two rule models, and a
sample of the sentiment sentences scored by VADER."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import assay
from assay.data import SuiteData, make_suite

ADULT_N = 300


def _rebuild(data: SuiteData, n: int, name: str) -> SuiteData:
    rows = data.examples.slice(0, n).to_pylist()
    s = data.suite
    examples = [
        {
            "example_id": r["example_id"],
            "cluster": r["cluster"],
            "slices": {k: r[k] for k in s.slice_names},
            "input": json.loads(r["input"]),
            "reference": json.loads(r["reference"]),
        }
        for r in rows
    ]
    return make_suite(
        name,
        examples,
        version=s.version,
        description=s.description,
        metrics=[m.model_dump() for m in s.metrics],
        slices=[x.model_dump() for x in s.slices],
        catalog=s.catalog.model_dump(),
    )


@pytest.fixture(scope="session")
def adult_sample() -> SuiteData:
    from assay.demo._adult import adult_suite

    return _rebuild(adult_suite(), ADULT_N, "adult-income")


def rule(kind: str) -> Callable[[dict[str, Any]], str]:
    """Two simple, real income rules over the census attributes."""

    def predict(x: dict[str, Any]) -> str:
        rich = x["education_num"] >= 13
        if kind == "v2":
            rich = (rich and x["age"] >= 30) or x["capital_gain"] > 5000
        return ">50K" if rich else "<=50K"

    return predict


def log_rule(data: SuiteData, model: str, kind: str, store: assay.Store) -> assay.LoggedRun:
    """Score a rule on the suite's examples and store the run."""
    predict = rule(kind)
    records = [
        {"example_id": r["example_id"], "output": predict(json.loads(r["input"]))}
        for r in data.examples.to_pylist()
    ]
    return assay.log_run(records, suite=data, model=model, store=store)


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


def log_vader(data: SuiteData, store: assay.Store) -> assay.LoggedRun:
    """VADER, the rule-based sentiment model, on the suite's sentences."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    records = []
    for r in data.examples.to_pylist():
        compound = analyzer.polarity_scores(json.loads(r["input"]))["compound"]
        label = "positive" if compound >= 0 else "negative"
        records.append({"example_id": r["example_id"], "output": label})
    return assay.log_run(records, suite=data, model="vader@3.3.2", store=store)
