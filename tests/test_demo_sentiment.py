"""`assay demo --example sentiment` on a small seeded sample, through the CLI, on a temp store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assay
from assay.cli import main

pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:torch.*",
    "ignore::DeprecationWarning:transformers.*",
    "ignore::FutureWarning:transformers.*",
)


@pytest.mark.slow
def test_sentiment_demo_on_a_sample_stores_gates_and_reports(home: Path, capsys):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    assert main(["demo", "--example", "sentiment", "--sample", "400", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["example"] == "sentiment"
    base, cand = out["baseline"]["run"], out["candidate"]["run"]
    suite = assay.get_suite(out["suite"]["digest"])
    n = suite.suite.n_examples
    assert base["n_records"] == cand["n_records"] == n and 60 <= n <= 100
    assert base["n_errors"] == cand["n_errors"] == 0
    # the baseline's accuracy, recomputed with vaderSentiment itself on the suite's examples
    neutral = base["manifest"]["provenance"]["adapter"]["neutral_label"]
    analyzer = SentimentIntensityAnalyzer()
    examples = suite.examples.to_pylist()
    hits = 0
    for ex in examples:
        c = analyzer.polarity_scores(json.loads(ex["input"]))["compound"]
        label = "positive" if c >= 0.05 else "negative" if c <= -0.05 else neutral
        hits += label == json.loads(ex["reference"])
    assert base["metrics"]["accuracy"]["estimate"] == pytest.approx(hits / n)
    # every domain is a slice of the comparison, next to the overall result
    labels = {(r["slice_attribute"], r["slice_value"]) for r in out["results"]}
    assert (None, None) in labels
    assert {v for a, v in labels if a == "domain"} == {
        "tweets",
        "movie_reviews",
        "product_reviews",
        "editorials",
    }
    assert out["verdict"]["verdict"] in ("SHIP", "BLOCK", "INCONCLUSIVE")
    html = Path(out["files"]["report_html"]).read_text()
    assert out["verdict"]["verdict"] in html
    # deterministic: the same sample again embeds nothing and stores nothing new, and says
    # so with the same lines as the Adult demo
    assert main(["demo", "--example", "sentiment", "--sample", "400"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # as read, whatever the terminal wrapped
    assert "embedding" not in text and "nothing new to embed or train" in text
    assert f"already stored: vader@3.3.2 as {base['run_id'][:12]}" in text
    assert text.count("an identical run exists as") == 2
    assert out["verdict"]["verdict"] in text
    b, c = base["run_id"][:12], cand["run_id"][:12]
    assert f"next: assay compare {b} {c}, assay runs diff {b} {c}" in text


def test_sample_is_for_the_sentiment_example_only(home: Path, capsys):
    assert main(["demo", "--sample", "400"]) == 4
    assert main(["demo", "--example", "imagenet"]) == 4
    assert main(["demo", "--example", "monitor", "--sample", "400"]) == 4
    assert main(["demo", "--example", "sentiment", "--sample", "50"]) == 4
    err = capsys.readouterr().err
    assert (
        "adult, sentiment, monitor or safety" in err
        and "The --sample value must be an integer >= 100" in err
    )
