"""The worked example: a real model on Adult, fairness by sex and race from the CLI, and a
fairness policy gating a candidate; the printed numbers are Fairlearn's on the stored records."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import assay
from assay.cli import main


@pytest.fixture(scope="module")
def adult_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[assay.Store, str, str]:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    from assay.datasets import load_adult
    from assay.demo._adult import CATEGORICAL, NUMERIC, adult_suite

    home = tmp_path_factory.mktemp("fair")
    store = assay.open_store(f"sqlite:///{home / 'assay.db'}")
    suite = assay.register_suite(adult_suite(), store=store)
    train = load_adult("train")
    features = ColumnTransformer(
        [
            ("c", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("n", StandardScaler(), NUMERIC),
        ]
    )
    ids = []
    for name, model in (
        ("tree@1", DecisionTreeClassifier(max_depth=4, random_state=0)),
        ("logreg@1", LogisticRegression(max_iter=500, random_state=0)),
    ):
        pipeline = Pipeline([("f", features), ("m", model)]).fit(
            train[CATEGORICAL + NUMERIC], train.income
        )
        ids.append(assay.evaluate(pipeline, suite=suite, model=name, store=store).run.run_id)
    return store, ids[0], ids[1]


def _text(value: str) -> str:
    # references are JSON text; a classifier's outputs are its labels as plain text
    try:
        return str(json.loads(value))
    except ValueError:
        return value


@pytest.mark.slow
@pytest.mark.parametrize("by", ["sex", "race"])
def test_assay_fairness_prints_fairlearns_numbers_with_intervals(
    adult_runs: tuple[assay.Store, str, str], by: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from fairlearn.metrics import MetricFrame, equalized_odds_difference, true_positive_rate

    store, _, run = adult_runs
    args = ["fairness", run, "--by", by, "--positive", ">50K", "--db", store.url, "--json"]
    code = main([*args, "--max-disparity", "equalized_odds_difference=0.1"])
    payload = json.loads(capsys.readouterr().out)
    assert code == {"SHIP": 0, "BLOCK": 1, "INCONCLUSIVE": 2}[payload["verdict"]]
    records = store.runs.records(run).to_pylist()
    y = np.array([_text(r["reference"]) == ">50K" for r in records], dtype=int)
    p = np.array([_text(r["output"]) == ">50K" for r in records], dtype=int)
    groups = [r[by] for r in records]
    frame = MetricFrame(metrics=true_positive_rate, y_true=y, y_pred=p, sensitive_features=groups)
    result = payload["result"]
    assert result["n"] == len(records)
    for g in result["groups"]:
        assert g["n"] == groups.count(g["group"])
        tpr = g["values"]["true_positive_rate"]
        assert tpr["estimate"] == pytest.approx(frame.by_group[g["group"]], abs=1e-12)
        assert tpr["low"] < tpr["estimate"] < tpr["high"]
    eod = next(d for d in result["disparities"] if d["name"] == "equalized_odds_difference")
    expected = equalized_odds_difference(y, p, sensitive_features=groups)
    assert eod["estimate"]["estimate"] == pytest.approx(expected, abs=1e-12)
    check = payload["checks"][0]
    low, high = eod["estimate"]["low"], eod["estimate"]["high"]
    assert check["outcome"] == ("pass" if high <= 0.1 else "fail" if low > 0.1 else "inconclusive")


@pytest.mark.slow
def test_a_fairness_policy_gates_the_candidate(
    adult_runs: tuple[assay.Store, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, baseline, candidate = adult_runs
    policy = tmp_path / "fair.yaml"
    policy.write_text(
        "name: fairness\nrules:\n  quality:\n"
        "    - {name: worst_sex, metric: accuracy, slice: 'every:sex', kind: worst_group, min: 0.7}\n"
        "    - {name: sex_gap, metric: accuracy, slice: 'every:sex', kind: max_disparity, max: 0.02}\n"
    )
    code = main(["gate", baseline, candidate, "--policy", str(policy), "--db", store.url, "--json"])
    verdict = json.loads(capsys.readouterr().out)
    outcomes = {r["rule"]: r["outcome"] for r in verdict["verdict"]["rules"]}
    # women's and men's accuracy differ by about ten points on Adult: the 2-point gap fails
    assert outcomes == {"worst_sex": "pass", "sex_gap": "fail"}
    assert code == 1


@pytest.mark.slow
def test_bad_requests_exit_with_the_configuration_code(
    adult_runs: tuple[assay.Store, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    store, _, run = adult_runs
    base = ["--db", store.url]
    assert main(["fairness", run, "--by", "zodiac", "--positive", ">50K", *base]) == 4
    assert "no slice attribute 'zodiac'" in capsys.readouterr().err
    assert main(["fairness", run, "--by", "sex", "--positive", "rich", *base]) == 4
    assert "labels: <=50K, >50K" in capsys.readouterr().err
    args = ["fairness", run, "--by", "sex", "--positive", ">50K", *base]
    assert main([*args, "--max-disparity", "equalized_odds_difference=low"]) == 4
    assert main([*args, "--max-disparity", "parity=0.1"]) == 4
    assert main(["robustness", run, *base]) == 4
    assert "no 'perturbation' slice" in capsys.readouterr().err


@pytest.mark.slow
def test_html_report_and_text_at_80_columns(
    adult_runs: tuple[assay.Store, str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    store, _, run = adult_runs
    page = tmp_path / "fair.html"
    args = ["fairness", run, "--by", "race", "--positive", ">50K", "--db", store.url]
    rule = ["--max-disparity", "equalized_odds_difference=0.1"]
    main([*args, *rule, "--json"])
    payload = json.loads(capsys.readouterr().out)
    main([*args, *rule, "--html", str(page)])
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 80, text
    flat = " ".join(text.split())
    assert f"{payload['result']['n']:,} examples" in flat and "verdict:" in flat
    html = page.read_text()
    assert "<script" not in html and "http" not in html.split("</style>", 1)[1]
    for g in payload["result"]["groups"]:
        assert f'<td>{g["group"]}</td><td class="num">{g["n"]:,}</td>' in html
    assert payload["checks"][0]["reason"].split(":")[0] in html


@pytest.mark.slow
def test_against_a_baseline_prints_fairlearns_numbers_and_their_change(
    adult_runs: tuple[assay.Store, str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fairlearn.metrics import MetricFrame, demographic_parity_difference, selection_rate

    monkeypatch.setenv("COLUMNS", "80")
    store, baseline, candidate = adult_runs
    args = ["fairness", candidate, "--against", baseline, "--by", "sex", "--positive", ">50K"]
    assert main([*args, "--db", store.url, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    change = payload["change"]
    assert payload["baseline_id"] == baseline and "paired percentile bootstrap" in change["method"]
    values, parity = {}, {}
    for role, run in (("baseline", baseline), ("candidate", candidate)):
        records = store.runs.records(run).to_pylist()
        y = np.array([_text(r["reference"]) == ">50K" for r in records], dtype=int)
        p = np.array([_text(r["output"]) == ">50K" for r in records], dtype=int)
        groups = [r["sex"] for r in records]
        values[role] = MetricFrame(
            metrics=selection_rate, y_true=y, y_pred=p, sensitive_features=groups
        ).by_group
        parity[role] = demographic_parity_difference(y, p, sensitive_features=groups)
    assert change["n"] == len(records)
    for g in change["groups"]:
        before, after = values["baseline"][g["group"]], values["candidate"][g["group"]]
        got = g["change"]["selection_rate"]
        assert g["baseline"]["values"]["selection_rate"]["estimate"] == pytest.approx(before)
        assert got["estimate"] == pytest.approx(after - before, abs=1e-12)
        assert got["low"] <= got["estimate"] <= got["high"]
    dp = next(d for d in change["disparities"] if d["name"] == "demographic_parity_difference")
    assert dp["change"]["estimate"] == pytest.approx(
        parity["candidate"] - parity["baseline"], abs=1e-12
    )
    assert main([*args, "--db", store.url]) == 0
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 80, text
    flat = " ".join(text.split())
    assert f"against baseline {baseline[:12]}: {len(records):,} paired examples" in flat
    low, high = dp["change"]["low"], dp["change"]["high"]
    assert f"change {dp['change']['estimate']:+.3f} [{low:+.3f}, {high:+.3f}]" in flat
