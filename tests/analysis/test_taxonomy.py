"""Failure taxonomy: planted clusters recovered and named, numbers against statsmodels and
the data, deterministic for a seed, and the sentiment demo's runs through MiniLM."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from assay.analysis import class_tfidf_terms, failure_taxonomy, proportion_difference
from assay.cli import main
from assay.errors import DataError

WORDS = {
    0: "refund order delivery late parcel",
    1: "password login account locked reset",
    2: "screen battery phone broken charger",
}


def _planted(seed: int, n: int = 600):
    rng = np.random.default_rng(seed)
    topic = rng.integers(0, 3, n)
    centres = 6.0 * np.eye(3, 16)  # well separated: the planted truth is unambiguous
    x = centres[topic] + rng.normal(size=(n, 16))
    vocab = [w for t in WORDS.values() for w in t.split()]
    texts = [
        " ".join(rng.choice(WORDS[t].split(), 3)) + " " + " ".join(rng.choice(vocab, 1))
        for t in topic
    ]
    failed = rng.random(n) < np.where(topic == 1, 0.6, 0.1)
    baseline = rng.random(n) < 0.15
    ids = [f"e{i}" for i in range(n)]
    return ids, texts, x, failed, baseline, topic


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_clusters_are_recovered_named_and_counted(seed: int):
    ids, texts, x, failed, baseline, topic = _planted(seed)
    result = failure_taxonomy(ids, texts, x, failed, baseline_failed=baseline, seed=seed)
    assert result.k == 3 and result.selected_by.startswith("silhouette")
    assert sum(c.size for c in result.clusters) == result.n_failures == failed.sum()
    top = result.clusters[0]  # the login failures are the most numerous
    assert set(top.terms[:3]) <= set(WORDS[1].split())
    members = {ids.index(i) for i in top.example_ids}
    assert all(failed[i] and topic[i] == 1 for i in members)
    assert top.share.estimate == pytest.approx(top.size / failed.sum())
    # the error gap: the region's rate against the rest, with Newcombe's interval
    region = top.region_size
    low, high = confint_proportions_2indep(
        top.size, region, failed.sum() - top.size, len(ids) - region, method="newcomb"
    )
    assert (top.error_gap.low, top.error_gap.high) == pytest.approx((low, high), abs=1e-9)
    assert top.error_gap.low > 0
    change = result.changes[0].difference
    assert change.difference.estimate == pytest.approx(
        (top.size - result.changes[0].baseline_failures) / len(ids)
    )
    again = failure_taxonomy(ids, texts, x, failed, baseline_failed=baseline, seed=seed)
    assert again == result


def test_swapping_the_runs_flips_every_change():
    ids, texts, x, failed, baseline, _ = _planted(5)
    forward = failure_taxonomy(ids, texts, x, failed, baseline_failed=baseline, k=3)
    backward = failure_taxonomy(ids, texts, x, baseline, baseline_failed=failed, k=3)
    assert [c.difference.difference.estimate for c in forward.changes] == pytest.approx(
        [-c.difference.difference.estimate for c in backward.changes]
    )


def test_newcombe_matches_statsmodels_and_class_tfidf_ranks_distinct_terms():
    for x1, n1, x2, n2 in [(5, 20, 10, 80), (0, 10, 3, 40), (30, 30, 1, 50)]:
        d = proportion_difference(x1, n1, x2, n2)
        low, high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb")
        assert (d.low, d.high) == pytest.approx((low, high), abs=1e-9)
    texts = ["late parcel again", "parcel late", "login locked", "locked login again"]
    terms = class_tfidf_terms(texts, [0, 0, 1, 1])
    assert set(terms[0][:2]) == {"late", "parcel"} and set(terms[1][:2]) == {"locked", "login"}


def test_no_failures_and_mismatched_inputs():
    ids, texts, x, _, _, _ = _planted(0, 30)
    none = failure_taxonomy(ids, texts, x, np.zeros(30, bool))
    assert none.n_failures == 0 and none.clusters == ()
    with pytest.raises(DataError, match="differ in length"):
        failure_taxonomy(ids, texts[:-1], x, np.zeros(30, bool))


@pytest.mark.slow
@pytest.mark.filterwarnings(
    "ignore::DeprecationWarning:torch.*",
    "ignore::DeprecationWarning:transformers.*",
    "ignore::FutureWarning:transformers.*",
)
def test_sentiment_demo_regressions_through_minilm(home: Path, capsys):
    import assay

    assert main(["demo", "--example", "sentiment", "--sample", "400", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    base, cand = out["baseline"]["run"]["run_id"], out["candidate"]["run"]["run_id"]
    args = ["taxonomy", cand, "--against", base, "--json"]
    assert main(args) == 0
    body = json.loads(capsys.readouterr().out)
    records = assay.get_run(cand)
    t = body["taxonomy"]
    store = assay.default_store()
    table = store.runs.records(records.run_id).to_pylist()
    failing = {r["example_id"] for r in table if r["accuracy"] < 0.5 or r["error"]}
    assert t["n_failures"] == len(failing)
    assert sum(c["size"] for c in t["clusters"]) == len(failing)
    assert all(i in failing for c in t["clusters"] for i in c["example_ids"])
    assert all(c["name"] for c in t["clusters"])
    assert main(args) == 0 and json.loads(capsys.readouterr().out) == body  # deterministic
