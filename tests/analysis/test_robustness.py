"""Flip rates and accuracy under perturbation: counts, the paired methods, bad records."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats as sps

from assay.analysis import check_robustness, robustness_of_records
from assay.errors import ConfigError, DataError
from assay.stats import binary_mean_interval, paired_binary_difference


def _records(pairs: list[tuple[float | None, float | None]], kind: str = "typo") -> pa.Table:
    ids, kinds, scores, clusters = [], [], [], []
    for i, (orig, pert) in enumerate(pairs):
        for ident, k, score in ((f"e{i}", "original", orig), (f"e{i}~{kind}", kind, pert)):
            ids.append(ident)
            kinds.append(k)
            scores.append(score)
            clusters.append(f"e{i}")
    return pa.table(
        {
            "example_id": ids,
            "cluster": clusters,
            "perturbation": kinds,
            "accuracy": pa.array(scores, pa.float64()),
        }
    )


def test_flip_counts_and_rates_equal_the_hand_counts() -> None:
    rng = np.random.default_rng(3)
    orig = (rng.random(300) < 0.8).astype(float)
    pert = np.where(rng.random(300) < 0.1, 1.0 - orig, orig)
    result = robustness_of_records(_records(list(zip(orig, pert, strict=True))), "accuracy")
    (effect,) = result.effects
    flips = int(((orig == 1) & (pert == 0)).sum())
    assert (effect.kind, effect.pairs, effect.flips) == ("typo", 300, flips)
    assert effect.unflips == int(((orig == 0) & (pert == 1)).sum())
    assert effect.flip_rate.estimate == pytest.approx(flips / 300)
    assert effect.original.estimate == pytest.approx(orig.mean())
    assert effect.perturbed.estimate == pytest.approx(pert.mean())
    # one pair per original and no shared clusters: the unclustered paired methods
    expected = paired_binary_difference(orig, pert)
    assert effect.difference.low == pytest.approx(expected.difference.low)
    flip = binary_mean_interval(((orig == 1) & (pert == 0)).astype(float))
    assert (effect.flip_rate.low, effect.flip_rate.high) == pytest.approx((flip.low, flip.high))


def test_the_flip_rate_interval_agrees_with_scipys_wilson_interval() -> None:
    # 6 flips in 200 pairs: under 10 successes, so the Wilson interval (scipy's "wilson")
    pairs = [(1.0, 0.0)] * 6 + [(1.0, 1.0)] * 156 + [(0.0, 0.0)] * 38
    (effect,) = robustness_of_records(_records(pairs), "accuracy").effects
    ci = sps.binomtest(6, 200).proportion_ci(0.95, method="wilson")
    assert (effect.flip_rate.low, effect.flip_rate.high) == pytest.approx((ci.low, ci.high))


def test_an_errored_side_leaves_the_pair_out_and_counts_it() -> None:
    table = _records([(1.0, 0.0), (1.0, None), (None, 1.0), (0.0, 0.0)])
    (effect,) = robustness_of_records(table, "accuracy").effects
    assert (effect.pairs, effect.left_out, effect.flips) == (2, 2, 1)


def test_records_that_cannot_be_paired_or_are_not_right_or_wrong_are_refused() -> None:
    table = _records([(1.0, 0.5)])
    with pytest.raises(DataError, match="right-or-wrong score"):
        robustness_of_records(table, "accuracy")
    orphan = _records([(1.0, 1.0)]).filter(pa.array([False, True]))
    with pytest.raises(DataError, match="no original in the run"):
        robustness_of_records(orphan, "accuracy")
    with pytest.raises(DataError, match="not of a perturbed suite"):
        robustness_of_records(_records([(1.0, 1.0)]).drop(["perturbation"]), "accuracy")


@pytest.mark.slow
def test_vader_on_the_perturbed_sentiment_suite_end_to_end(
    store: object,
    home: object,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Real data, real model, real store: the CLI's numbers equal counts in the records; the
    HTML report and the text at 80 columns."""
    monkeypatch.setenv("COLUMNS", "80")
    import assay
    from assay.cli import main
    from assay.datasets import load_sentiment_corpus, sentiment_split, sentiment_suite
    from assay.runners import VaderAdapter

    test = sentiment_split(load_sentiment_corpus())[1]
    sample = test.groupby("domain", group_keys=False).head(150)
    base = assay.register_suite(sentiment_suite(sample, version="sample"), store=store)
    assert (
        main(
            [
                "suites",
                "perturb",
                base.digest,
                "--kinds",
                "typo,casing,distractor",
                "--seed",
                "0",
                "--json",
            ]
        )
        == 0
    )
    perturbed = [s for s in assay.list_suites(store=store) if s.name == "sentiment-perturbed"]
    (suite,) = perturbed
    data = assay.get_suite(suite.digest, store=store)
    run = assay.evaluate(
        VaderAdapter(neutral_label="positive"), suite=data, model="vader@3.3.2", store=store
    )
    assert main(["robustness", run.run.run_id, "--json"]) == 0
    page = tmp_path / "robust.html"
    flip = ["--max-flip-rate", "*=0.01", "--html", str(page)]
    capsys.readouterr()
    assert main(["robustness", run.run.run_id, *flip]) in (1, 2)
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 80, text
    assert "verdict:" in text and "<script" not in page.read_text()
    assert all(f"<td>{k}</td>" in page.read_text() for k in ("typo", "casing", "distractor"))
    from assay import workflows

    result = workflows.robustness(run.run.run_id, store=store).result
    records = store.runs.records(run.run.run_id).to_pylist()  # type: ignore[attr-defined]
    right = {r["example_id"]: r["accuracy"] for r in records}
    for effect in result.effects:
        copies = [i for i in right if i.endswith(f"~{effect.kind}")]
        flips = sum(right[i.rsplit("~", 1)[0]] == 1 and right[i] == 0 for i in copies)
        assert (effect.pairs, effect.flips) == (len(copies), flips)
    kinds = {e.kind for e in result.effects}
    assert kinds == {"typo", "casing", "distractor"}
    typo = next(e for e in result.effects if e.kind == "typo")
    assert typo.flips > 0 and typo.flip_rate.method  # typos do flip VADER's answers
    json.dumps([e.flip_rate.estimate for e in result.effects])


def test_flip_rate_limits_are_judged_on_the_bounds() -> None:
    pairs = [(1.0, 0.0)] * 6 + [(1.0, 1.0)] * 194  # 3% [1.4%, 6.4%] by Wilson
    result = robustness_of_records(_records(pairs), "accuracy")
    outcomes = [
        check_robustness(result, max_flip_rate={"typo": limit})[0].outcome
        for limit in (0.1, 0.01, 0.05)
    ]
    assert outcomes == ["pass", "fail", "inconclusive"]
    (every,) = check_robustness(result, max_flip_rate={"*": 0.1})
    assert every.rule == "typo flip rate <= 0.1" and "6 of 200 pairs" in every.reason
    with pytest.raises(ConfigError, match="no pairs of; kinds: typo"):
        check_robustness(result, max_flip_rate={"casing": 0.1})
