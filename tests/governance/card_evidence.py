"""Real evidence for the card and datasheet tests: suites rebuilt smaller, two income rules
over the census attributes, and VADER on the sentiment sentences, logged as runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import assay
from assay.data import SuiteData, make_suite


def rebuild(data: SuiteData, n: int, name: str) -> SuiteData:
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
