"""Fixtures shared by every test: an isolated embedded store in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import assay


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ASSAY_HOME, with ASSAY_DB unset and the working directory inside it."""
    monkeypatch.delenv("ASSAY_DB", raising=False)
    monkeypatch.delenv("ASSAY_ARTIFACTS", raising=False)
    monkeypatch.setenv("ASSAY_HOME", str(tmp_path / ".assay"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / ".assay"


@pytest.fixture
def store(home: Path) -> Iterator[assay.Store]:
    """The embedded store of :func:`home`."""
    st = assay.open_store()
    yield st
    st.close()
