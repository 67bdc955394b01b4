"""``assay load run --suite NAME``: prompts drawn (seeded) from a registered suite's inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from streaming_server import StreamingServer

import assay
from assay.datasets import sentiment_suite
from assay.errors import DataError, ParameterError
from assay.workflows import load_prompts


@pytest.fixture
def store(tmp_path: Path) -> assay.Store:
    st = assay.open_store(f"sqlite:///{tmp_path / 'a.db'}")
    assay.register_suite(sentiment_suite(), store=st)
    return st


def _inputs(store: assay.Store) -> list[str]:
    data = assay.get_suite("sentiment", store=store)
    return [json.loads(x) for x in data.examples.column("input").to_pylist()]


def test_prompts_are_the_suites_inputs_in_a_seeded_order(store: assay.Store) -> None:
    texts = _inputs(store)
    drawn = load_prompts("sentiment", 200, seed=7, store=store)
    assert drawn == load_prompts("sentiment", 200, seed=7, store=store)
    assert drawn != load_prompts("sentiment", 200, seed=8, store=store)
    assert set(drawn) <= set(texts)
    assert len(set(drawn)) == len({texts.index(t) for t in drawn}) == 200  # no repeats
    lengths = sorted(len(t) for t in drawn)
    assert lengths[0] < lengths[-1] / 4  # real, varied lengths, not one synthetic prompt


def test_more_requests_than_examples_start_a_fresh_order() -> None:
    small = assay.make_suite(
        "three",
        [{"example_id": f"e{i}", "input": f"prompt {i}"} for i in range(3)],
        metrics=[{"name": "m", "goal": "higher"}],
    )
    drawn = load_prompts(small, 7, seed=1)
    assert sorted(drawn[:3]) == sorted(drawn[3:6]) == ["prompt 0", "prompt 1", "prompt 2"]


def test_non_text_inputs_and_bad_arguments_are_refused(store: assay.Store) -> None:
    chat = assay.make_suite(
        "chat",
        [{"example_id": "a", "input": [{"role": "user", "content": "hi"}]}],
        metrics=[{"name": "m", "goal": "higher"}],
    )
    with pytest.raises(DataError, match="text prompts"):
        load_prompts(chat, 3)
    with pytest.raises(ParameterError, match="'n' parameter of load_prompts"):
        load_prompts("sentiment", 0, store=store)


def test_the_command_sends_the_drawn_prompts_and_stores_them(
    store: assay.Store, tmp_path: Path
) -> None:
    expected = load_prompts("sentiment", 30, seed=5, store=store)
    env = dict(os.environ, ASSAY_DB=f"sqlite:///{tmp_path / 'a.db'}")
    with StreamingServer(tokens=3) as server:
        args = [server.url, "--suite", "sentiment", "--requests", "30", "--rate", "200"]
        command = [sys.executable, "-m", "assay", "load", "run", *args, "--seed", "5", "--log"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        sent = sorted(b["messages"][0]["content"] for b in server.bodies)
    assert done.returncode == 0, done.stderr
    assert sent == sorted(expected)
    run_id = done.stdout.split("stored as run ")[1].split()[0]
    run = store.runs.get(run_id)
    examples = store.suites.examples(run.suite_digest).to_pylist()
    assert [json.loads(e["input"]) for e in examples] == expected
    both = [*command, "--prompt", "hi"]
    refused = subprocess.run(both, capture_output=True, text=True, env=env, timeout=60)
    assert refused.returncode != 0 and "not both" in refused.stderr
