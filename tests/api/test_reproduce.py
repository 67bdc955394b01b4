"""Reproducing stored runs: rebuild the model from the manifest, run again, compare."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
import typer
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
from typer.testing import CliRunner

import assay
from assay import Reproduction, reproduce
from assay.cli._reproduce import reproduce_command
from assay.core import Manifest, ModelRef
from assay.errors import ConfigError
from assay.runners import AdapterSpec, OpenAIAdapter, register_adapter
from assay.testing import synthetic_suite
from assay.workflows import capture_manifest
from assay.workflows._reproduce import rebuild_adapter

MODELS = """
calls = {"n": 0}


def answer(question):
    i = int(question.split()[1])
    return "wrong" if i % 3 == 0 else question.replace("question", "answer")


def answer_v2(question):
    return answer(question)


def drifting(question):
    # right on the first 60 calls (the first run), wrong afterwards: state, not the input
    calls["n"] += 1
    return question.replace("question", "answer") if calls["n"] <= 60 else "changed"
"""


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of an importable module of model callables, fresh for each test."""
    name = f"repro_models_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(MODELS))
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_deterministic_callable_reproduces_exactly(store, models):
    data = synthetic_suite(60, seed=1)
    original = assay.evaluate(
        f"{models}:answer", suite=data, model="qa@1", store=store, seeds={"model": 3}
    ).run
    rep = reproduce(original.run_id[:10], store=store)
    assert isinstance(rep, Reproduction)
    assert rep.original_run == original.run_id
    assert rep.output_agreement == 1.0 and rep.n_compared == 60
    # identical outputs and scores: the store keeps one run
    assert rep.identical and rep.reproduction_run == original.run_id
    assert len(assay.list_runs(store=store)) == 1
    assert rep.manifest_differences == []
    assert rep.metric_results[0].metric == "accuracy"
    # all 60 examples ran in one batch per run: one timing, so latency has no interval
    assert {r.metric for r in rep.metric_results} == {"accuracy"}
    acc = rep.metric_results[0]
    # closed form: 20 of 60 ids are multiples of 3, so both runs score 40/60
    assert acc.baseline.estimate == pytest.approx(40 / 60)
    assert acc.difference.estimate == 0.0 and acc.difference.low <= 0.0 <= acc.difference.high
    assert rep.summary.startswith("reproduced: 100.0% of outputs identical; no metric differs")


def test_stateful_callable_shows_output_and_metric_differences(store, models):
    data = synthetic_suite(60, seed=2)
    original = assay.evaluate(f"{models}:drifting", suite=data, model="qa@1", store=store).run
    assert original.metrics["accuracy"].estimate == 1.0
    rep = reproduce(original.run_id, store=store)
    assert not rep.identical and rep.reproduction_run not in (None, original.run_id)
    assert rep.output_agreement == 0.0 and rep.n_compared == 60
    acc = rep.metric_results[0]
    assert acc.difference.estimate == pytest.approx(-1.0)
    assert acc.difference.high < 0.0
    assert rep.summary.startswith("not reproduced: 0.0% of outputs identical; accuracy differs")
    tagged = assay.list_runs(store=store, tags={"reproduces": original.run_id})
    assert [r.run_id for r in tagged] == [rep.reproduction_run]
    again = assay.get_run(rep.reproduction_run, store=store)
    assert again.model == original.model and again.suite_digest == original.suite_digest


def test_manifest_differences_name_the_changed_model(store, models):
    data = synthetic_suite(45, seed=3)
    original = assay.evaluate(f"{models}:answer", suite=data, model="qa@1", store=store).run
    rep = reproduce(original.run_id, store=store, adapter=f"{models}:answer_v2", record=False)
    assert rep.reproduction_run is None and not rep.identical
    assert len(assay.list_runs(store=store)) == 1
    assert rep.output_agreement == 1.0
    paths = {d.path: (d.a, d.b) for d in rep.manifest_differences}
    assert paths["provenance.adapter.callable"] == (f"{models}:answer", f"{models}:answer_v2")
    assert "config_digest" in paths


def test_repeated_samples_are_paired_by_sample_index(store, models):
    data = synthetic_suite(30, seed=4)
    original = assay.evaluate(f"{models}:answer", suite=data, model="qa@1", store=store, samples=3)
    rep = reproduce(original.run.run_id, store=store)
    assert rep.n_compared == 90 and rep.output_agreement == 1.0


def _iris_suite() -> tuple[assay.SuiteData, np.ndarray, np.ndarray]:
    x, y = load_iris(return_X_y=True)
    rows = [
        {
            "example_id": f"iris-{i:03d}",
            "input": {f"f{j}": float(v) for j, v in enumerate(x[i])},
            "reference": int(y[i]),
        }
        for i in range(0, len(y), 2)
    ]
    data = assay.make_suite(
        "iris-half", rows, metrics=[{"name": "accuracy", "scorer": "exact_match"}]
    )
    return data, x[1::2], y[1::2]


def test_sklearn_run_needs_the_fitted_estimator(store):
    data, x_train, y_train = _iris_suite()
    est = DecisionTreeClassifier(max_depth=2, random_state=0).fit(_frame(x_train), y_train)
    original = assay.evaluate(est, suite=data, model="tree@1", store=store).run
    with pytest.raises(ConfigError, match=r"fitted estimator.*adapter="):
        reproduce(original.run_id, store=store)
    rep = reproduce(original.run_id, store=store, adapter=est)
    assert rep.output_agreement == 1.0 and rep.identical
    assert rep.manifest_differences == []
    # the reference: the estimator's own predictions on the suite's inputs
    stored = assay.get_run(original.run_id, store=store).metrics["accuracy"].estimate
    x_test = np.array([[ex["input"][f"f{j}"] for j in range(4)] for ex in _rows(data)])
    truth = np.array([ex["reference"] for ex in _rows(data)])
    assert stored == pytest.approx(float(np.mean(est.predict(_frame(x_test)) == truth)))


def _frame(x: np.ndarray):
    import pandas as pd

    return pd.DataFrame({f"f{j}": x[:, j] for j in range(x.shape[1])})


def _rows(data: assay.SuiteData) -> list[dict]:
    t = data.examples
    return [
        {"input": json.loads(i), "reference": json.loads(r)}
        for i, r in zip(
            t.column("input").to_pylist(), t.column("reference").to_pylist(), strict=True
        )
    ]


def test_ingested_run_without_adapter_says_what_to_pass(store):
    data = synthetic_suite(20, seed=5)
    from assay.testing import synthetic_records

    run = assay.log_run(synthetic_records(data, seed=5), suite=data, model="m@1", store=store).run
    with pytest.raises(ConfigError, match=r"without an adapter description.*adapter="):
        reproduce(run.run_id, store=store)


def _manifest_of(adapter_description: dict) -> Manifest:
    return capture_manifest(
        suite_digest="0" * 64,
        model=ModelRef.parse("m@1"),
        provenance={"adapter": adapter_description},
    )


def test_openai_adapter_is_rebuilt_from_its_description():
    adapter = OpenAIAdapter(
        "served-model",
        base_url="http://127.0.0.1:9/v1",
        endpoint="completions",
        prompt_template="Q: {{ input }}\nA:",
        system_prompt="be brief",
        parameters={"temperature": 0.0, "max_tokens": 16},
        concurrency=3,
        price_per_1k_input=0.5,
    )
    rebuilt = rebuild_adapter(_manifest_of(adapter.describe()))
    assert isinstance(rebuilt, OpenAIAdapter)
    assert rebuilt.describe() == adapter.describe()
    example = {"input": "2+2?", "example_id": "e1"}
    assert rebuilt.build_request(example, 0) == adapter.build_request(example, 0)
    tampered = {**adapter.describe(), "prompt_template": "Q: {{ input }}"}
    with pytest.raises(ConfigError, match="does not match its digest"):
        rebuild_adapter(_manifest_of(tampered))
    with pytest.raises(ConfigError, match="does not record base_url"):
        rebuild_adapter(_manifest_of({"adapter": "openai", "model": "x", "endpoint": "chat"}))


def test_cli_prints_report_and_json(store, models):
    data = synthetic_suite(30, seed=6)
    original = assay.evaluate(f"{models}:answer", suite=data, model="qa@1", store=store).run
    app = typer.Typer()
    app.command("reproduce")(reproduce_command)
    app.command("noop")(lambda: None)  # two commands, so the command name is required
    runner = CliRunner()
    out = runner.invoke(app, ["reproduce", original.run_id[:12], "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["original_run"] == original.run_id
    assert payload["output_agreement"] == 1.0 and payload["n_compared"] == 30
    assert payload["metric_results"][0]["metric"] == "accuracy"
    text = runner.invoke(app, ["reproduce", original.run_id[:12]])
    assert text.exit_code == 0 and "reproduced: 100.0% of outputs identical" in text.stdout
    other = runner.invoke(
        app,
        [
            "reproduce",
            original.run_id,
            "--callable",
            f"{models}:answer_v2",
            "--no-record",
            "--json",
        ],
    )
    assert other.exit_code == 0, other.output
    changed = [d["path"] for d in json.loads(other.stdout)["manifest_differences"]]
    assert "provenance.adapter.callable" in changed
    assert len(assay.list_runs(store=store)) == 1
    missing = runner.invoke(app, ["reproduce", "ffffffffffff"])
    assert missing.exit_code != 0


def test_hugging_face_adapter_is_rebuilt_and_refused_when_the_weights_changed(tmp_path):
    from assay.runners import HuggingFaceAdapter

    folder = tmp_path / "checkpoint"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "llama"}')
    (folder / "model.safetensors").write_bytes(b"\x01" * 1024)
    adapter = HuggingFaceAdapter(
        folder,
        task="choice",
        choices=["Yes", "No"],
        prompt_template="Is {{ input }} true?",
        seed=7,
        batch_size=2,
        device="cpu",
        dtype="float32",
    )
    recorded = adapter.describe()
    rebuilt = rebuild_adapter(_manifest_of(recorded))
    assert isinstance(rebuilt, HuggingFaceAdapter)
    assert rebuilt.describe() == recorded
    (folder / "model.safetensors").write_bytes(b"\x02" * 1024)  # same size, new weights
    with pytest.raises(ConfigError, match="not the ones the run used"):
        rebuild_adapter(_manifest_of(recorded))


@register_adapter("suffix-for-tests")
class SuffixAdapter:
    """A third-party adapter: answers each question, with a suffix that is one of its settings."""

    name = "suffix-for-tests"

    def __init__(self, suffix: str = "", *, batched: bool = True) -> None:
        self.suffix = suffix
        self.batched = batched

    def predict(self, inputs):
        return [x.replace("question", "answer") + self.suffix for x in inputs]

    def describe(self) -> AdapterSpec:
        return AdapterSpec(self.name, {"suffix": self.suffix, "batched": self.batched})


def test_a_third_party_adapter_is_rebuilt_from_its_spec_and_reproduced(store):
    data = synthetic_suite(24, seed=8)
    # the suffix makes every answer wrong: rebuilt without its settings, it would be right
    original = assay.evaluate(SuffixAdapter("!"), suite=data, model="sfx@1", store=store).run
    assert original.metrics["accuracy"].estimate == 0.0
    assert original.manifest.provenance["adapter"] == {
        "adapter": "suffix-for-tests",
        "suffix": "!",
        "batched": True,
    }
    rebuilt = rebuild_adapter(assay.get_run(original.run_id, store=store).manifest)
    assert isinstance(rebuilt, SuffixAdapter) and rebuilt.suffix == "!"
    rep = reproduce(original.run_id, store=store)
    assert rep.output_agreement == 1.0 and rep.n_compared == 24
    assert rep.identical and rep.manifest_differences == []
    with pytest.raises(ConfigError, match=r"no rebuild is known for the adapter 'gone-adapter'"):
        rebuild_adapter(_manifest_of({"adapter": "gone-adapter", "suffix": "!"}))
    with pytest.raises(ConfigError, match=r"does not take its recorded settings.*adapter="):
        rebuild_adapter(_manifest_of({"adapter": "suffix-for-tests", "prefix": "?"}))


def test_the_old_keywords_of_reproduce_still_work_with_a_warning(store, models):
    data = synthetic_suite(12, seed=9)
    original = assay.evaluate(f"{models}:answer", suite=data, model="qa@1", store=store).run
    with pytest.warns(DeprecationWarning, match="'model' parameter of reproduce"):
        rep = reproduce(original.run_id, store=store, model=f"{models}:answer", record=False)
    assert rep.output_agreement == 1.0
    with pytest.warns(DeprecationWarning, match="'seed' parameter of reproduce"):
        again = reproduce(original.run_id, store=store, seed=3, record=False)
    assert (
        again.metric_results
        == reproduce(original.run_id, store=store, rng=3, record=False).metric_results
    )
