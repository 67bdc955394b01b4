"""The OpenAI-compatible adapter against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import math
import time

import numpy as np
import pyarrow as pa
import pytest

import assay
from assay.errors import AdapterError, ConfigError
from assay.runners import OpenAIAdapter, evaluate_suite, get_adapter
from assay.testing import QA_TEMPLATE as TEMPLATE
from assay.testing import FakeOpenAI, closed_port, qa_examples
from assay.testing import fake_reply as reply
from assay.testing import word_count as words


def adapter(server: FakeOpenAI, **kwargs: object) -> OpenAIAdapter:
    settings: dict[str, object] = {
        "base_url": server.url,
        "prompt_template": TEMPLATE,
        "backoff_s": 0.01,
        "timeout_s": 10.0,
    }
    settings.update(kwargs)
    return OpenAIAdapter("fake-model", **settings)  # type: ignore[arg-type]


def errors_by_id(records: pa.Table) -> dict[str, str | None]:
    return dict(
        zip(
            records.column("example_id").to_pylist(),
            records.column("error").to_pylist(),
            strict=True,
        )
    )


def test_success_path_records_outputs_usage_cost_and_latency(server, suite):
    server.delay_s = 0.03
    model = adapter(
        server,
        parameters={"temperature": 0.0, "max_tokens": 16},
        price_per_1k_input=0.5,
        price_per_1k_output=1.5,
        api_key="sk-test",
    )
    records = evaluate_suite(suite, model).to_pylist()
    examples = qa_examples(12)
    assert [r["example_id"] for r in records] == [e["example_id"] for e in examples]
    for rec, ex in zip(records, examples, strict=True):
        prompt = f"Q: {ex['input']['question']}"
        assert rec["error"] is None
        assert rec["output"] == reply(prompt)
        assert rec["tokens_in"] == words(prompt)
        assert rec["tokens_out"] == words(reply(prompt))
        expected_cost = words(prompt) / 1000 * 0.5 + words(reply(prompt)) / 1000 * 1.5
        assert rec["cost"] == pytest.approx(expected_cost, rel=1e-12)
        assert rec["accuracy"] == float(ex["reference"] == reply(prompt))
        assert rec["latency_ms"] >= 30.0
        assert rec["sample_index"] == 0
    body = server.bodies[0]
    assert body["model"] == "fake-model"
    assert body["temperature"] == 0.0 and body["max_tokens"] == 16
    assert body["messages"][-1]["role"] == "user"
    assert all(h.get("Authorization") == "Bearer sk-test" for h in server.headers)
    assert server.requests == 12


def test_describe_carries_template_digest_and_decoding_settings(server, suite, store):
    model = adapter(server, parameters={"temperature": 0.7}, api_key="sk-secret")
    facts = model.describe()
    assert facts["prompt_template"] == TEMPLATE
    assert facts["prompt_template_digest"] == hashlib.sha256(TEMPLATE.encode()).hexdigest()
    assert facts["parameters"] == {"temperature": 0.7}
    assert "sk-secret" not in repr(facts)
    logged = assay.evaluate(model, suite=suite, model="fake-model@1", store=store)
    stored = logged.run.manifest.provenance["adapter"]
    assert stored["prompt_template_digest"] == facts["prompt_template_digest"]
    assert stored["parameters"] == {"temperature": 0.7}
    assert logged.run.n_errors == 0


def test_registered_as_openai(server):
    built = get_adapter("openai", "fake-model", base_url=server.url)
    assert isinstance(built, OpenAIAdapter)
    assert built.predict(["hello there"]) == ["HELLO THERE"]


def test_repeated_samples_have_sample_indexes(server, suite):
    records = evaluate_suite(suite, adapter(server), samples=3)
    assert records.num_rows == 36
    assert records.column("sample_index").to_pylist() == [0, 1, 2] * 12
    ids = records.column("example_id").to_pylist()
    assert ids[:3] == ["q0000"] * 3
    assert server.requests == 36


def test_retry_after_is_honoured(server):
    server.fail_first = 1
    server.retry_after = "1"
    data = assay.make_suite(
        "one", [{"example_id": "a", "input": {"question": "x"}}], metrics=["accuracy"]
    )
    t0 = time.monotonic()
    records = evaluate_suite(data, adapter(server), scorers={"accuracy": lambda o, r: 1.0})
    assert time.monotonic() - t0 < 10
    assert records.column("error").to_pylist() == [None]
    assert server.requests == 2
    assert server.times[1] - server.times[0] >= 1.0


def test_server_errors_are_retried_with_backoff(server):
    server.fail_first = 2
    server.fail_status = 503
    data = assay.make_suite(
        "one", [{"example_id": "a", "input": {"question": "x"}}], metrics=["accuracy"]
    )
    model = adapter(server, backoff_s=0.2, max_retries=3)
    records = evaluate_suite(data, model, scorers={"accuracy": lambda o, r: 1.0})
    assert records.column("error").to_pylist() == [None]
    assert server.requests == 3
    gaps = np.diff(server.times)
    # waits are backoff * 2**k scaled by [0.5, 1]: at least 0.1 s, then at least 0.2 s
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2


def test_persistent_server_error_becomes_a_record_error(server, suite):
    server.status = 500
    records = evaluate_suite(suite, adapter(server, max_retries=2))
    errors = records.column("error").to_pylist()
    assert all(e.startswith("HTTP 500 after 2 retries") for e in errors)
    assert server.requests == 12 * 3
    assert np.isnan(records.column("accuracy").to_numpy()).all()


def test_client_errors_are_not_retried(server, suite):
    server.status = 400
    records = evaluate_suite(suite, adapter(server, max_retries=3))
    assert all(e.startswith("HTTP 400") for e in records.column("error").to_pylist())
    assert server.requests == 12


def test_unreachable_endpoint_fails_the_run_and_stores_nothing(suite, store):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    model = OpenAIAdapter(
        "fake-model",
        base_url=url,
        prompt_template=TEMPLATE,
        max_retries=1,
        backoff_s=0.01,
        timeout_s=5.0,
    )
    with pytest.raises(AdapterError) as caught:
        assay.evaluate(model, suite=suite, model="down@1", store=store)
    message = str(caught.value)
    assert f"{url}/chat/completions" in message
    assert "(12 of 12)" in message
    assert "connection failed" in message and "after 1 retry" in message
    assert store.runs.list() == []


@pytest.mark.parametrize("status", [401, 403, 404])
def test_an_endpoint_that_refuses_every_request_fails_the_run(server, suite, store, status):
    server.status = status
    with pytest.raises(AdapterError, match=rf"{server.url}/chat/completions.*HTTP {status}"):
        assay.evaluate(adapter(server), suite=suite, model="refused@1", store=store)
    assert server.requests == 12  # not retried
    assert store.runs.list() == []


def test_a_run_where_some_requests_are_refused_is_stored_with_their_errors(server, suite, store):
    server.fail_first = 3
    server.fail_status = 401
    logged = assay.evaluate(adapter(server, concurrency=1), suite=suite, model="m@1", store=store)
    errors = store.runs.records(logged.run.run_id).column("error").to_pylist()
    assert [e is not None and e.startswith("HTTP 401") for e in errors] == [True] * 3 + [False] * 9
    assert logged.run.n_errors == 3


def test_example_errors_alone_do_not_fail_the_run(server, suite, store):
    server.status = 500
    logged = assay.evaluate(adapter(server, max_retries=0), suite=suite, model="m@1", store=store)
    assert logged.run.n_errors == 12  # a server error is this request's, not the endpoint's


def test_malformed_json_fails_only_that_example(server, store):
    examples = [
        {"example_id": "ok", "input": {"question": "fine"}, "reference": "Q: FINE"},
        {"example_id": "bad", "input": {"question": "MALFORMED please"}},
    ]
    data = assay.make_suite("m", examples, metrics=[{"name": "accuracy", "scorer": "exact_match"}])
    logged = assay.evaluate(adapter(server), suite=data, model="m@1", store=store)
    records = store.runs.records(logged.run.run_id)
    errors = errors_by_id(records)
    assert errors["ok"] is None
    assert errors["bad"].startswith("malformed JSON response: ")
    assert server.requests == 2  # a malformed answer is not asked again
    assert logged.run.n_errors == 1
    assert logged.run.metrics["accuracy"].n_missing == 1
    assert logged.run.metrics["accuracy"].estimate == 1.0


def test_template_with_a_missing_field_fails_only_that_example(server):
    examples = [
        {"example_id": "has", "input": {"question": "where"}},
        {"example_id": "lacks", "input": {"query": "where"}},
    ]
    data = assay.make_suite("t", examples, metrics=["accuracy"])
    records = evaluate_suite(data, adapter(server), scorers={"accuracy": lambda o, r: 1.0})
    errors = errors_by_id(records)
    assert errors == {"has": None, "lacks": "template: 'question' is undefined"}
    assert server.requests == 1


def test_a_scorer_that_raises_fails_only_its_examples(server, suite):
    def picky(output: str, reference: object) -> float:
        if output.endswith("3"):
            raise ValueError("cannot score this")
        return 1.0

    records = evaluate_suite(suite, adapter(server), scorers={"accuracy": picky}).to_pylist()
    bad = [r for r in records if r["output"].endswith("3")]
    good = [r for r in records if not r["output"].endswith("3")]
    assert bad and good
    assert all(r["error"].startswith("scorer 'accuracy' failed: ValueError") for r in bad)
    assert all(math.isnan(r["accuracy"]) for r in bad)
    assert all(r["error"] is None and r["accuracy"] == 1.0 for r in good)


def test_a_model_that_always_times_out(server, suite):
    server.hang_s = 3.0
    t0 = time.monotonic()
    records = evaluate_suite(suite, adapter(server, timeout_s=0.2, max_retries=1, concurrency=12))
    elapsed = time.monotonic() - t0
    errors = records.column("error").to_pylist()
    assert all(e.startswith("timeout") and "after 1 retry" in e for e in errors)
    assert server.requests == 24
    assert elapsed < 2.5  # two 0.2 s attempts per example, all in parallel


def test_request_rate_limit(server):
    data = assay.make_suite(
        "r",
        [{"example_id": f"e{i}", "input": {"question": str(i)}} for i in range(30)],
        metrics=["accuracy"],
    )
    model = adapter(server, requests_per_minute=1200, concurrency=30)  # 20/s, burst of 20
    evaluate_suite(data, model, scorers={"accuracy": lambda o, r: 1.0})
    assert server.requests == 30
    # 10 requests past the burst of 20 at 20/s take 0.5 s; unlimited, all 30 land within ~0.1 s
    assert server.times[-1] - server.times[0] >= 0.4


def test_completions_and_embeddings_endpoints(server):
    data = assay.make_suite("e", [{"example_id": "a", "input": "two words"}], metrics=["accuracy"])
    done = {"accuracy": lambda o, r: 1.0}
    text = evaluate_suite(
        data, adapter(server, endpoint="completions", prompt_template=None), scorers=done
    )
    assert text.column("output").to_pylist() == ["TWO WORDS"]
    vec = evaluate_suite(
        data, adapter(server, endpoint="embeddings", prompt_template=None), scorers=done
    )
    assert vec.column("output").to_pylist() == ["[9, 2]"]
    assert vec.column("tokens_in").to_pylist() == [2]
    assert vec.column("tokens_out").to_pylist() == [0]


def test_progress_reaches_the_total(server, suite):
    seen: list[tuple[int, int]] = []
    evaluate_suite(suite, adapter(server), on_progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (12, 12)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"endpoint": "images"}, "endpoint"),
        ({"concurrency": 0}, "concurrency"),
        ({"requests_per_minute": -1}, "requests_per_minute"),
        ({"price_per_1k_input": -0.1}, "price_per_1k_input"),
        ({"timeout_s": 0}, "timeout_s"),
    ],
)
def test_bad_settings_name_the_parameter(kwargs, parameter):
    with pytest.raises(ConfigError, match=f"The '{parameter}' parameter"):
        OpenAIAdapter("m", **kwargs)  # type: ignore[arg-type]


def test_token_rate_limit(server):
    data = assay.make_suite(
        "t",
        [{"example_id": f"e{i:02d}", "input": {"question": str(i % 10)}} for i in range(40)],
        metrics=["accuracy"],
    )
    model = adapter(server, tokens_per_minute=6000, concurrency=40)  # 100/s, burst of 100
    evaluate_suite(data, model, scorers={"accuracy": lambda o, r: 1.0})
    used = sum(words(b["messages"][-1]["content"]) * 2 for b in server.bodies)
    assert used == 160  # 2 prompt and 2 completion tokens per request
    # before the last request, at least 39 * 4 used tokens and its own guess of 10 were
    # taken from a bucket of 100 refilled at 100/s: at least 0.66 s; unlimited, ~0.05 s
    assert server.times[-1] - server.times[0] >= 0.45


def test_evaluate_suite_inside_a_running_event_loop(server, suite):
    async def notebook_cell() -> pa.Table:
        return evaluate_suite(suite, adapter(server))

    records = asyncio.run(notebook_cell())
    assert records.num_rows == 12
    assert records.column("error").null_count == 12


def test_the_suites_prompt_template_is_used_when_the_adapter_has_none(server):
    with_task = assay.make_suite(
        "qa-task",
        qa_examples(4),
        metrics=[{"name": "accuracy", "scorer": "exact_match"}],
        task={"prompt_template": TEMPLATE},
    )
    plain = OpenAIAdapter("fake-model", base_url=server.url, backoff_s=0.01)
    records = evaluate_suite(with_task, plain).to_pylist()
    prompts = [body["messages"][-1]["content"] for body in server.bodies]
    assert prompts == [f"Q: {ex['input']['question']}" for ex in qa_examples(4)]
    assert [r["output"] for r in records] == [reply(p) for p in prompts]
    assert plain.prompt_template is None  # the caller's adapter is left as it was
    own = adapter(server, prompt_template="Question: {{ question }}")
    server.reset()
    evaluate_suite(with_task, own)
    assert server.bodies[0]["messages"][-1]["content"].startswith("Question: ")


def test_assay_run_reaches_an_endpoint_through_adapter_settings(server, suite, store, tmp_path):
    from assay.cli import main

    assay.register_suite(suite, store=store)
    args = [
        "run",
        "--suite",
        "qa",
        "--model",
        "fake-model@cli",
        "--adapter",
        "openai",
        "--adapter-arg",
        "model=fake-model",
        "--adapter-arg",
        f"base_url={server.url}",
        "--adapter-arg",
        f"prompt_template={TEMPLATE}",
        "--adapter-arg",
        "concurrency=4",
        "--samples",
        "2",
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    assert main(args) == 0
    (info,) = assay.list_runs(store=store)
    run = assay.get_run(info.run_id, store=store)
    assert run.n_records == 24 and run.n_errors == 0
    assert run.manifest.provenance["adapter"]["prompt_template"] == TEMPLATE
    assert server.requests == 24
    assert main([*args[:4], "fake-model@again", *args[5:]]) == 0
    assert server.requests == 24  # answered from the response cache
    assert (
        main(
            [
                "run",
                "--suite",
                "qa",
                "--model",
                "x@1",
                "--adapter",
                "openai",
                "--adapter-arg",
                "nonsense=1",
            ]
        )
        == 4
    )


def test_the_manifest_records_the_suites_template_the_run_used(server, store):
    with_task = assay.make_suite(
        "qa-task",
        qa_examples(3),
        metrics=[{"name": "accuracy", "scorer": "exact_match"}],
        task={"prompt_template": TEMPLATE},
    )
    plain = OpenAIAdapter("fake-model", base_url=server.url, backoff_s=0.01)
    logged = assay.evaluate(plain, suite=with_task, model="fake-model@task", store=store)
    facts = logged.run.manifest.provenance["adapter"]
    assert facts["prompt_template"] == TEMPLATE
    assert facts["prompt_template_digest"] == hashlib.sha256(TEMPLATE.encode()).hexdigest()
