"""Answers and settings that must neither crash a run nor let a bad run through.

Everything runs against the real fake server on loopback: lone surrogates in an answer, a
damaged response cache, a server asking for an endless wait, a template field that is null,
and two servers that serve a model of the same name.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time

import pytest

import assay
from assay.errors import AdapterError, AssayWarning, ParameterError, StorageError
from assay.runners import CallableAdapter, OpenAIAdapter, ResponseCache, evaluate_suite
from assay.testing import QA_TEMPLATE as TEMPLATE
from assay.testing import FakeOpenAI, closed_port, qa_examples
from assay.testing import fake_reply as reply

SURROGATE_ANSWER = (
    b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": "ok \\ud800 \\udfff!"}}],'
    b' "usage": {"prompt_tokens": 2, "completion_tokens": 3}}'
)
ALWAYS = {"accuracy": lambda o, r: 1.0}


def model(server: FakeOpenAI, **kwargs: object) -> OpenAIAdapter:
    settings: dict[str, object] = {
        "base_url": server.url,
        "prompt_template": TEMPLATE,
        "backoff_s": 0.01,
        "concurrency": 4,
    }
    settings.update(kwargs)
    return OpenAIAdapter("fake-model", **settings)  # type: ignore[arg-type]


def one_question(question: object = "x") -> assay.SuiteData:
    return assay.make_suite(
        "one", [{"example_id": "a", "input": {"question": question}}], metrics=["accuracy"]
    )


def test_a_lone_surrogate_is_recorded_as_U_FFFD_and_cached_readably(server, suite, store, tmp_path):
    server.raw_body = SURROGATE_ANSWER
    cache = tmp_path / "cache"
    first = assay.evaluate(model(server), suite=suite, model="s@1", store=store, cache_dir=cache)
    records = store.runs.records(first.run.run_id)
    assert records.column("output").to_pylist() == ["ok \ufffd \ufffd!"] * 12
    assert records.column("error").null_count == 12
    assert len(ResponseCache(cache)) == 12
    server.reset()
    again = assay.evaluate(model(server), suite=suite, model="s@2", store=store, cache_dir=cache)
    assert server.requests == 0  # the rerun reads every mended answer back
    assert store.runs.records(again.run.run_id).column("output").equals(records.column("output"))


def test_assay_run_with_a_surrogate_answer_exits_0(server, suite, store, tmp_path):
    from assay.cli import main

    server.raw_body = SURROGATE_ANSWER
    assay.register_suite(suite, store=store)
    args = ["run", "--suite", "qa", "--model", "s@1", "--adapter", "openai"]
    for setting in ("model=fake-model", f"base_url={server.url}", f"prompt_template={TEMPLATE}"):
        args += ["--adapter-arg", setting]
    args += ["--cache-dir", str(tmp_path / "cache")]
    assert main(args) == 0
    assert main([*args[:4], "s@2", *args[5:]]) == 0
    assert server.requests == 12


def test_the_cache_refuses_what_it_could_not_read_back(tmp_path):
    with ResponseCache(tmp_path) as cache:
        assert cache.put("k1", {"output": "bad \ud800"}) is False
        assert cache.put("k2", {"output": "good \ufffd"}) is True
        assert len(cache) == 1
        assert cache.get("k2") == {"output": "good \ufffd"}


def test_a_damaged_cache_entry_is_a_miss_that_is_reported_and_replaced(server, suite, tmp_path):
    first = evaluate_suite(suite, model(server), cache_dir=tmp_path)
    with sqlite3.connect(tmp_path / "responses.sqlite") as db:
        keys = [k for (k,) in db.execute("SELECT key FROM responses_v1 ORDER BY key")]
        db.execute("UPDATE responses_v1 SET value = '{\"output\": [' WHERE key = ?", keys[:1])
        db.execute("UPDATE responses_v1 SET value = '[1, 2]' WHERE key = ?", keys[1:2])
        wrong = json.dumps({"output": "kept", "tokens_in": "many", "latency_ms": "slow"})
        db.execute("UPDATE responses_v1 SET value = ? WHERE key = ?", (wrong, keys[2]))
    db.close()
    server.reset()
    with pytest.warns(AssayWarning, match=r"holds 2 entries that cannot be read"):
        second = evaluate_suite(suite, model(server), cache_dir=tmp_path)
    assert server.requests == 2  # the two unreadable rows are asked again, nothing else
    outputs = second.column("output").to_pylist()
    assert outputs.count("kept") == 1  # readable, with the fields that make no sense dropped
    kept = outputs.index("kept")
    assert second.column("tokens_in")[kept].as_py() is None
    assert [o for i, o in enumerate(outputs) if i != kept] == [
        o for i, o in enumerate(first.column("output").to_pylist()) if i != kept
    ]
    server.reset()
    evaluate_suite(suite, model(server), cache_dir=tmp_path)  # no warning: the rows were replaced
    assert server.requests == 0


def test_two_servers_with_one_model_name_never_share_cached_answers(server, suite, tmp_path):
    with FakeOpenAI() as other:
        other.raw_body = SURROGATE_ANSWER
        ours = evaluate_suite(suite, model(server), cache_dir=tmp_path)
        theirs = evaluate_suite(suite, model(other), cache_dir=tmp_path)
        assert other.requests == 12
        assert theirs.column("output").to_pylist() == ["ok \ufffd \ufffd!"] * 12
        assert ours.column("output").to_pylist() == [
            reply(f"Q: {e['input']['question']}") for e in qa_examples(12)
        ]
        server.reset()
        completions = model(server, endpoint="completions")
        evaluate_suite(suite, completions, cache_dir=tmp_path)
        assert server.requests == 12  # another endpoint kind of the same server: no sharing
    assert len(ResponseCache(tmp_path)) == 36


def test_retry_after_is_capped(server):
    server.fail_first = 1
    server.retry_after = "86400"
    fast = model(server)
    fast.retry = dataclasses.replace(fast.retry, max_retry_after_s=0.3)
    t0 = time.monotonic()
    records = evaluate_suite(one_question(), fast, scorers=ALWAYS)
    assert records.column("error").to_pylist() == [None]
    assert server.times[1] - server.times[0] >= 0.3 and time.monotonic() - t0 < 5


@pytest.mark.parametrize("wait", ["inf", "1e400", "nan", "-5", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_absurd_retry_after_values_wait_at_most_the_cap(server, wait):
    server.fail_first = 1
    server.retry_after = wait
    fast = model(server)
    fast.retry = dataclasses.replace(fast.retry, max_retry_after_s=0.2)
    t0 = time.monotonic()
    records = evaluate_suite(one_question(), fast, scorers=ALWAYS)
    assert records.column("error").to_pylist() == [None]
    assert time.monotonic() - t0 < 5
    assert server.requests == 2


def test_the_default_retry_after_cap_is_60_seconds():
    assert OpenAIAdapter("m").retry.max_retry_after_s == 60.0


def test_a_null_template_field_fails_that_example_and_sends_nothing(server):
    examples = [
        {"example_id": "null", "input": {"question": None}},
        {"example_id": "nested", "input": {"question": "q", "meta": {"source": None}}},
        {"example_id": "fine", "input": {"question": "q", "meta": {"source": "s"}}},
    ]
    data = assay.make_suite("n", examples, metrics=["accuracy"])
    template = "{{ question }} from {{ meta.source }}{% if reference %}, expected {{ reference }}{% endif %}"
    records = evaluate_suite(data, model(server, prompt_template=template), scorers=ALWAYS)
    errors = dict(
        zip(
            records.column("example_id").to_pylist(),
            records.column("error").to_pylist(),
            strict=True,
        )
    )
    assert errors == {
        "null": "template: 'question' is null in this example",
        "nested": "template: 'source' is null in this example",
        "fine": None,
    }
    assert [b["messages"][-1]["content"] for b in server.bodies] == ["q from s"]


def test_a_null_reference_in_a_template_is_an_error_not_the_text_None(server):
    plain = model(server, prompt_template="{{ question }} -> {{ reference }}")
    records = evaluate_suite(one_question(), plain, scorers=ALWAYS)
    assert records.column("error").to_pylist() == ["template: 'reference' is null in this example"]
    assert server.requests == 0


def test_assay_run_against_an_unreachable_endpoint_exits_6_and_stores_nothing(suite, store):
    from assay.cli import main

    assay.register_suite(suite, store=store)
    url = f"http://127.0.0.1:{closed_port()}/v1"
    args = ["run", "--suite", "qa", "--model", "down@1", "--adapter", "openai"]
    for setting in ("model=fake-model", f"base_url={url}", f"prompt_template={TEMPLATE}"):
        args += ["--adapter-arg", setting]
    assert main([*args, "--adapter-arg", "max_retries=0"]) == 6
    assert assay.list_runs(store=store) == []


def test_an_invalid_base_url_fails_the_run(suite):
    broken = OpenAIAdapter("fake-model", base_url="not a url", prompt_template=TEMPLATE)
    with pytest.raises(AdapterError, match=r"not a url/chat/completions.*invalid URL"):
        evaluate_suite(suite, broken)


def test_a_synchronous_model_answering_a_lone_surrogate_is_recorded_mended():
    records = evaluate_suite(one_question(), CallableAdapter(lambda x: "a\ud800"), scorers=ALWAYS)
    assert records.column("output").to_pylist() == ["a\ufffd"]
    assert records.column("error").to_pylist() == [None]


def test_a_cache_file_that_is_not_a_database_is_a_storage_error_naming_the_fix(
    server, suite, tmp_path
):
    (tmp_path / "responses.sqlite").write_bytes(b"garbage" * 100)
    with pytest.raises(StorageError, match=r"responses\.sqlite.*Delete that file"):
        evaluate_suite(suite, model(server), cache_dir=tmp_path)
    (tmp_path / "responses.sqlite").unlink()
    assert evaluate_suite(suite, model(server), cache_dir=tmp_path).column("error").null_count == 12


def test_a_plain_function_is_refused_rather_than_erroring_every_record():
    with pytest.raises(ParameterError, match=r"'adapter' parameter of evaluate_suite"):
        evaluate_suite(one_question(), lambda x: "a", scorers=ALWAYS)  # type: ignore[arg-type]
