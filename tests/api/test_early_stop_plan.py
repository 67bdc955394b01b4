"""An early-stop plan from a policy's primary comparison and a stored baseline run; the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import assay
from assay.cli import main
from assay.errors import ConfigError, CoverageWarning
from assay.testing import synthetic_suite

N = 2000


def _answers(right: np.ndarray) -> list[str]:
    return [f"answer {i}" if ok else "wrong" for i, ok in enumerate(right)]


def _log(
    store: assay.Store, data: assay.SuiteData, right: np.ndarray, name: str, **scores: list[float]
) -> str:
    """A stored run whose accuracy is ``right`` (and other metrics as given)."""
    table = {
        "example_id": data.examples.column("example_id").to_pylist(),
        "accuracy": right.astype(float).tolist(),
        **scores,
    }
    return assay.log_run(pa.table(table), suite=data, model=name, store=store).run.run_id


def _policy(tmp_path: Path, rules: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(f"name: planned\nconfidence: 0.9\nrules:\n  quality:\n{rules}")
    return path


@pytest.fixture
def data(store: assay.Store) -> assay.SuiteData:
    made = synthetic_suite(N, seed=3, metrics=("accuracy",))
    # brevity is a share, not a 0/1 match: it declares no scorer
    metrics = [*made.suite.metrics, {"name": "brevity"}]
    suite = assay.make_suite(made.name, made.examples, metrics=metrics, slices=["lang"])
    return assay.register_suite(suite, store=store)


@pytest.fixture
def scored(store: assay.Store) -> assay.SuiteData:
    """The suite with a scorer for every metric, as a runner needs."""
    made = synthetic_suite(N, seed=3, metrics=("accuracy", "brevity"))
    return assay.register_suite(made, store=store)


@pytest.fixture
def right() -> np.ndarray:
    return np.random.default_rng(0).random(N) < 0.7


def test_default_policy_plans_non_inferiority_on_the_first_metric(
    store: assay.Store, data: assay.SuiteData, right: np.ndarray
) -> None:
    base = _log(store, data, right, "base@1", brevity=[0.5] * N)
    plan = assay.early_stop_plan(base, suite=data, store=store, seed=4)
    # default policy: non_inferiority on "*" with a 0.01 margin, at 95%
    assert (plan.metric, plan.margin, plan.confidence, plan.seed) == ("accuracy", 0.01, 0.95, 4)
    assert isinstance(plan.baseline, dict) and len(plan.baseline) == N
    assert plan.baseline["ex-000003"] == float(right[3])
    assert sum(plan.baseline.values()) == int(right.sum())
    other = assay.early_stop_plan(base, suite=data, store=store, metric="brevity")
    assert other.metric == "brevity" and set(other.baseline.values()) == {0.5}


def test_the_first_primary_rule_of_a_policy_file_gives_metric_and_margin(
    store: assay.Store, data: assay.SuiteData, right: np.ndarray, tmp_path: Path
) -> None:
    base = _log(store, data, right, "base@1", brevity=[0.5] * N)
    rules = (
        "    - {name: sliced, metric: accuracy, slice: 'lang=de', kind: superiority}\n"
        "    - {name: report_only, metric: accuracy, kind: superiority, blocking: false}\n"
        "    - {name: brevity_ni, metric: brevity, kind: non_inferiority, relative_margin: 0.1}\n"
        "    - {name: accuracy_sup, metric: accuracy, kind: superiority}\n"
    )
    policy = _policy(tmp_path, rules)
    plan = assay.early_stop_plan(base, suite=data, store=store, policy=policy)
    assert plan.metric == "brevity" and plan.confidence == 0.9
    assert plan.margin == pytest.approx(0.1 * 0.5)  # relative margin of the baseline's mean
    sup = assay.early_stop_plan(base, suite=data, store=store, policy=policy, metric="accuracy")
    assert sup.metric == "accuracy" and sup.margin == 0.0


def test_baseline_scores_average_samples_and_leave_out_errors(
    store: assay.Store, data: assay.SuiteData
) -> None:
    ids = data.examples.column("example_id").to_pylist()
    records = pa.table(
        {
            "example_id": [ids[0], ids[0], ids[1], ids[2]],
            "sample_index": [0, 1, 0, 0],
            "accuracy": [1.0, 0.0, 1.0, None],
            "brevity": [1.0, 1.0, 1.0, None],
            "error": [None, None, None, "timeout"],
        }
    )
    with pytest.warns(CoverageWarning, match="records cover 3 of the suite's 2000"):
        base = assay.log_run(records, suite=data, model="base@1", store=store).run.run_id
    plan = assay.early_stop_plan(base, suite=data, store=store)
    assert plan.baseline == {ids[0]: 0.5, ids[1]: 1.0}


def test_plans_that_cannot_be_made_say_why(
    store: assay.Store, data: assay.SuiteData, right: np.ndarray, tmp_path: Path
) -> None:
    base = _log(store, data, right, "base@1", brevity=[3.0] * N)
    with pytest.raises(ConfigError, match="'brevity' scores range from 3 to 3, outside"):
        assay.early_stop_plan(base, suite=data, store=store, metric="brevity")
    wide = assay.early_stop_plan(base, suite=data, store=store, metric="brevity", bounds=(0, 5))
    assert wide.bounds == (0.0, 5.0)
    with pytest.raises(ConfigError, match=r"two finite numbers, low < high\. Got"):
        assay.early_stop_plan(base, suite=data, store=store, bounds=(1, 0))
    with pytest.raises(ConfigError, match="'f1' is not a metric of suite"):
        assay.early_stop_plan(base, suite=data, store=store, metric="f1")
    budget_only = _policy(tmp_path, "    - {name: cov, kind: coverage, max_missing: 0.0}\n")
    with pytest.raises(ConfigError, match="no primary comparison"):
        assay.early_stop_plan(base, suite=data, store=store, policy=budget_only)
    other = assay.register_suite(synthetic_suite(50, name="other", seed=1), store=store)
    with pytest.raises(ConfigError, match="an early stop pairs examples of one suite"):
        assay.early_stop_plan(base, suite=other, store=store)


MODELS = """\
import numpy as np

RIGHT = np.random.default_rng(1).random({n}) < {p}

def answer(question):
    i = int(question.rsplit(" ", 1)[-1])
    return f"answer {{i}}" if RIGHT[i] else "wrong"
"""


def test_cli_run_stops_early_on_the_policy_comparison(
    store: assay.Store,
    scored: assay.SuiteData,
    right: np.ndarray,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = scored
    base = _log(store, data, right, "base@1", brevity=[1.0] * N)
    (tmp_path / "better_model.py").write_text(MODELS.format(n=N, p=0.95))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("better_model", None)
    argv = ["run", "--suite", data.digest, "--model", "cand@1", "--callable"]
    argv += ["better_model:answer", "--early-stop", base, "--early-stop-seed", "5"]
    assert main([*argv, "--json"]) == 0
    run = json.loads(capsys.readouterr().out)["run"]
    stop = run["manifest"]["provenance"]["early_stop"]
    assert stop["decision"] == "not_worse" and stop["planned"] is True
    assert stop["comparison"] == "paired" and stop["margin"] == 0.01
    assert stop["parameters"]["seed"] == 5 and stop["parameters"]["baseline_run"] == base
    assert 100 <= stop["n_used"] < N and run["n_records"] == stop["n_used"]
    # the stored records are the first n_used examples of the seeded order
    order = np.random.default_rng(5).permutation(N)[: stop["n_used"]]
    got = store.runs.records(run["run_id"]).column("example_id").to_pylist()
    assert sorted(got) == sorted(f"ex-{i:06d}" for i in order)
    assert main([*argv[:4], "cand@2", *argv[5:]]) == 0
    text = capsys.readouterr().out
    assert "early stop: decided: not worse after" in text and f"of {N:,} examples" in text
    assert main([*argv, "--early-stop-bounds", "1"]) == 4
    assert "--early-stop-bounds is LOW:HIGH" in capsys.readouterr().err
    policy = tmp_path / "p.yaml"  # a file that exists: a missing one is exit 5 before this check
    policy.write_text("name: p\n")
    assert main([*argv[:-4], "--policy", str(policy), "--early-stop-seed", "3"]) == 4
    assert "--policy, --early-stop-seed: only with --early-stop BASELINE_RUN" in (
        capsys.readouterr().err
    )
