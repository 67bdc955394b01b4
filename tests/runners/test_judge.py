"""Model-graded scores: a real judge (SmolLM2-135M-Instruct) and a real HTTP judge on loopback.

The small model's answers are compared with what the same adapter answers to prompts written
out here by hand; the HTTP judge (the loopback server replies with the prompt in upper case)
covers reading a text answer, failures, de-duplication and the response cache.
"""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import assay
from assay.errors import AdapterError, ConfigError
from assay.runners import (
    CallableAdapter,
    EarlyStop,
    HuggingFaceAdapter,
    ModelGradedScorer,
    OpenAIAdapter,
    evaluate_suite,
    grade_records,
    shipped_model,
)
from assay.testing import FakeOpenAI

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

RUBRIC = "Statement about {{ topic }}: {{ output }}\nIs the statement true? Answer Yes or No."
STATEMENTS = {
    "s0": ("geography", "Paris is the capital of France."),
    "s1": ("astronomy", "The sun rises in the west."),
    "s2": ("arithmetic", "Two plus two is four."),
    "s3": ("animals", "Cats are a kind of fish."),
}


def statement_suite(metrics: list[dict[str, Any]]) -> assay.SuiteData:
    rows = [
        {"example_id": k, "input": {"topic": topic}, "reference": text}
        for k, (topic, text) in STATEMENTS.items()
    ]
    return assay.make_suite("statements", rows, metrics=metrics)


def said() -> pa.Table:
    """Records whose output is the statement itself (a model that repeats its reference)."""
    return pa.table(
        {
            "example_id": list(STATEMENTS),
            "sample_index": pa.array([0] * len(STATEMENTS), pa.int32()),
            "output": [text for _, text in STATEMENTS.values()],
            "error": pa.nulls(len(STATEMENTS), pa.string()),
        }
    )


# --- a real judge model ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def smol(smollm2: HuggingFaceAdapter) -> HuggingFaceAdapter:
    return smollm2.with_options(
        task="choice", choices=["Yes", "No"], system="Answer Yes or No.", batch_size=4
    )


@pytest.fixture(scope="module")
def judge_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("judge-cache")


@pytest.fixture(scope="module")
def graded(smol: HuggingFaceAdapter, judge_cache: Path) -> pa.Table:
    data = statement_suite(
        [{"name": "true", "scorer": "model_graded"}, {"name": "p_true", "scorer": "model_graded"}]
    )
    scorers = {
        "true": ModelGradedScorer(RUBRIC, smol),
        "p_true": ModelGradedScorer(RUBRIC, smol, score="probability"),
    }
    return grade_records(data, said(), scorers, cache_dir=judge_cache)


def test_real_judge_scores_are_its_answers_to_the_rendered_rubric(smol, graded):
    prompts = [
        f"Statement about {topic}: {text}\nIs the statement true? Answer Yes or No."
        for topic, text in STATEMENTS.values()
    ]
    answers = smol.predict(prompts)
    assert graded.column("error").null_count == len(STATEMENTS)
    for row, answer in zip(graded.to_pylist(), answers, strict=True):
        assert row["true"] == (1.0 if answer["choice"] == "Yes" else 0.0)
        p_yes = answer["probs"]["Yes"] / (answer["probs"]["Yes"] + answer["probs"]["No"])
        assert row["p_true"] == pytest.approx(p_yes, abs=1e-9)
        assert row["true"] == float(row["p_true"] > 0.5)


def test_real_judge_answers_come_from_the_cache_the_second_time(graded, judge_cache):
    folder, gguf = shipped_model("smollm2")
    fresh = HuggingFaceAdapter(
        folder,
        gguf_file=gguf,
        task="choice",
        choices=["Yes", "No"],
        system="Answer Yes or No.",
        device="cpu",
        dtype="float32",
    )
    data = statement_suite([{"name": "p_true", "scorer": "model_graded"}])
    again = grade_records(
        data,
        said(),
        {"p_true": ModelGradedScorer(RUBRIC, fresh, score="probability")},
        cache_dir=judge_cache,
    )
    assert not fresh.is_loaded  # the model never ran
    assert again.column("p_true").to_pylist() == graded.column("p_true").to_pylist()


def test_evaluate_records_the_judge_in_the_manifest(smol, store):
    data = statement_suite([{"name": "true", "scorer": "model_graded"}])
    judge = ModelGradedScorer(RUBRIC, smol, score="probability")
    logged = assay.evaluate(
        lambda example: STATEMENTS_BY_TOPIC[example["topic"]],
        suite=data,
        model="echo@1",
        store=store,
        judges={"true": judge},
    )
    records = store.runs.records(logged.run.run_id).to_pylist()
    assert all(r["error"] is None and 0.0 <= r["true"] <= 1.0 for r in records)
    described = logged.run.manifest.provenance["judges"]["true"]
    assert described["rubric"] == RUBRIC
    assert described["rubric_digest"] == hashlib.sha256(RUBRIC.encode()).hexdigest()
    assert described["score"] == "probability"
    assert described["judge"]["model_digest"] == smol.model_digest
    assert described["choices"] == {"Yes": 1.0, "No": 0.0}


STATEMENTS_BY_TOPIC = {topic: text for topic, text in STATEMENTS.values()}


# --- a real HTTP judge on loopback: text answers ---------------------------------------------


def http_judge(server: FakeOpenAI, **kwargs: Any) -> OpenAIAdapter:
    return OpenAIAdapter(
        "fake-judge", base_url=server.url, backoff_s=0.01, timeout_s=10.0, **kwargs
    )


def echo_suite(outputs: dict[str, str]) -> assay.SuiteData:
    rows = [{"example_id": k, "input": v, "reference": v} for k, v in outputs.items()]
    return assay.make_suite(
        "echo",
        rows,
        metrics=[{"name": "exact", "scorer": "exact_match"}, {"name": "judged"}],
    )


def run_echo(data: assay.SuiteData) -> pa.Table:
    return evaluate_suite(data, CallableAdapter(lambda x: x), scorers={"judged": lambda o, r: 0.0})


def test_text_answers_are_read_and_a_failure_leaves_only_that_metric_missing(server):
    outputs = {
        "yes": "yes, indeed",
        "no": "No way",
        "none": "nothing to say",  # 'NOTHING' is not the word 'no'
        "boom": "SERVER_ERROR please",
        "again": "yes, indeed",
    }
    data = echo_suite(outputs)
    records = run_echo(data)
    failures: dict[str, dict[str, str]] = {}
    graded = grade_records(
        data,
        records,
        {"judged": ModelGradedScorer("{{ output }}", http_judge(server, max_retries=0))},
        failures=failures,
    )
    rows = {r["example_id"]: r for r in graded.to_pylist()}
    assert server.requests == 4  # two records with the same prompt are asked once
    assert rows["yes"]["judged"] == 1.0 and rows["again"]["judged"] == 1.0
    assert rows["no"]["judged"] == 0.0
    assert rows["yes"]["exact"] == 1.0 and rows["yes"]["error"] is None
    for failed in ("none", "boom"):
        assert math.isnan(rows[failed]["judged"])  # the judge's metric is missing
        assert rows[failed]["exact"] == 1.0  # the record keeps its other scores
        assert rows[failed]["error"] is None  # and is not an errored record
    assert sorted(failures["judged"]) == ["boom", "none"]
    assert failures["judged"]["none"].startswith("judge 'judged' failed: ")
    assert "names none of the choices" in failures["judged"]["none"]
    assert "500" in failures["judged"]["boom"]
    assert graded.column_names == records.column_names


def test_custom_choices_probability_needs_probs_and_errored_records_are_skipped(server):
    outputs = {"a": "answer: a", "b": "Answer: B.", "c": "c"}
    data = echo_suite(outputs)
    records = run_echo(data)
    errors = records.column("error").to_pylist()
    errors[2] = "the model timed out"
    records = records.set_column(records.column_names.index("error"), "error", pa.array(errors))
    choices = {"A": 1.0, "B": 0.5, "C": 0.0}
    label = ModelGradedScorer("{{ output }}", http_judge(server), choices=choices)
    graded = grade_records(data, records, {"judged": label})
    assert graded.column("judged").to_pylist()[:2] == [1.0, 0.5]
    assert graded.column("error").to_pylist()[2] == "the model timed out"
    assert server.requests == 2  # the errored record was not judged
    prob = ModelGradedScorer(
        "{{ output }}", http_judge(server), choices=choices, score="probability"
    )
    failures: dict[str, dict[str, str]] = {}
    graded = grade_records(data, records, {"judged": prob}, failures=failures)
    assert math.isnan(graded.column("judged").to_pylist()[0])
    assert graded.column("error").to_pylist()[0] is None
    assert "choice probabilities" in failures["judged"]["a"]


def test_the_cache_answers_a_second_grading(server, tmp_path):
    data = echo_suite({"x": "yes", "y": "no"})
    records = run_echo(data)
    scorer = ModelGradedScorer("Verdict: {{ output }}", http_judge(server))
    first = grade_records(data, records, {"judged": scorer}, cache_dir=tmp_path)
    assert server.requests == 2
    second = grade_records(data, records, {"judged": scorer}, cache_dir=tmp_path)
    assert server.requests == 2
    assert second.equals(first)
    other = ModelGradedScorer("Verdict:  {{ output }}", http_judge(server))  # another rubric
    grade_records(data, records, {"judged": other}, cache_dir=tmp_path)
    assert server.requests == 4


def test_a_rubric_that_names_a_missing_field_leaves_that_metric_missing(server):
    data = echo_suite({"x": "yes"})
    failures: dict[str, dict[str, str]] = {}
    graded = grade_records(
        data,
        run_echo(data),
        {"judged": ModelGradedScorer("{{ rating }}", http_judge(server))},
        failures=failures,
    )
    assert "'rating' is undefined" in failures["judged"]["x"]
    assert graded.column("error").to_pylist() == [None]
    assert math.isnan(graded.column("judged").to_pylist()[0])
    assert server.requests == 0


def test_describe_holds_rubric_digest_choices_and_judge(server):
    scorer = ModelGradedScorer("Is it {{ output }}?", http_judge(server), score="label")
    described = scorer.describe()
    assert described["rubric"] == "Is it {{ output }}?"
    assert described["rubric_digest"] == hashlib.sha256(b"Is it {{ output }}?").hexdigest()
    assert described["judge"]["model"] == "fake-judge"
    assert described["choices"] == {"Yes": 1.0, "No": 0.0}


# --- misuse ---------------------------------------------------------------------------------


def test_misuse_is_refused_with_clear_messages(server, store):
    judge = http_judge(server)
    with pytest.raises(ConfigError, match="'choices' parameter of ModelGradedScorer"):
        ModelGradedScorer("{{ output }}", judge, choices={"Yes": 1.0})
    with pytest.raises(ConfigError, match="'choices' parameter"):
        ModelGradedScorer("{{ output }}", judge, choices={"yes": 1.0, "YES": 0.0})
    with pytest.raises(ConfigError, match="'score' parameter"):
        ModelGradedScorer("{{ output }}", judge, score="logit")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'judge' parameter"):
        ModelGradedScorer("{{ output }}", CallableAdapter(str))  # type: ignore[arg-type]
    data = echo_suite({"x": "yes"})
    records = run_echo(data)
    scorer = ModelGradedScorer("{{ output }}", judge)
    with pytest.raises(ConfigError, match="not a metric of suite 'echo'"):
        grade_records(data, records, {"fluency": scorer})
    with pytest.raises(ConfigError, match="ModelGradedScorer"):
        grade_records(data, records, {"judged": judge})  # type: ignore[dict-item]
    folder = Path("unused")
    ab = HuggingFaceAdapter(folder, task="choice", choices=["A", "B"])
    with pytest.raises(ConfigError, match="answers \\['A', 'B'\\]"):
        grade_records(data, records, {"judged": ModelGradedScorer("{{ output }}", ab)})
    graded_suite = statement_suite([{"name": "true", "scorer": "model_graded"}])
    with pytest.raises(ConfigError, match="model-graded; pass judges="):
        assay.evaluate(str, suite=graded_suite, model="m@1", store=store)
    with pytest.raises(ConfigError, match="takes judges or early_stop, not both"):
        assay.evaluate(
            str,
            suite=graded_suite,
            model="m@1",
            store=store,
            judges={"true": scorer},
            early_stop=EarlyStop(metric="true", baseline=0.5),
        )
    assert np.isnan(
        evaluate_suite(graded_suite, CallableAdapter(str)).column("true").to_numpy()
    ).all()  # the runner alone leaves a judged metric empty


def test_a_judge_whose_endpoint_refuses_every_request_fails_the_grading(server):
    server.status = 401
    data = echo_suite({"a": "yes", "b": "no"})
    with pytest.raises(AdapterError, match=rf"{server.url}/chat/completions.*HTTP 401"):
        grade_records(
            data, run_echo(data), {"judged": ModelGradedScorer("{{ output }}", http_judge(server))}
        )
