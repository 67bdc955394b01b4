"""A fake OpenAI-compatible server per test, and a small question-answering suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_openai_server import FakeOpenAI, qa_suite

import assay


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
