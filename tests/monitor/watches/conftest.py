"""A store holding a real decision (two logged runs, compared and gated), and the machine's
Prometheus tools: skipped when absent, except under ``CI=true``, where that fails."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import assay
from assay.storage import Store, open_store
from assay.testing import synthetic_records, synthetic_suite


@dataclass(frozen=True)
class Decided:
    """A store and the id of the decision recorded in it."""

    store: Store
    decision_id: str
    folder: Path


@pytest.fixture
def decided(tmp_path: Path) -> Iterator[Decided]:
    store = open_store(f"sqlite:///{tmp_path / 'assay.db'}", artifacts=str(tmp_path / "files"))
    suite = synthetic_suite(200, seed=5)
    baseline, candidate = (
        assay.log_run(
            synthetic_records(suite, seed=s), suite=suite, model=f"m@{s}", store=store
        ).run.run_id
        for s in (1, 2)
    )
    record = assay.decide(baseline, candidate, output=tmp_path / "reports", store=store)
    yield Decided(store, record.decision.decision_id, tmp_path)
    store.close()


def _tool(name: str) -> str:
    found = shutil.which(name) or (
        f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
    )
    if found is None:
        reason = f"{name} is not installed (apt-get install prometheus)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI=true requires it")
        pytest.skip(reason)
    return found


@pytest.fixture
def promtool() -> str:
    """The path of ``promtool``."""
    return _tool("promtool")


@pytest.fixture
def prometheus() -> str:
    """The path of the ``prometheus`` server."""
    return _tool("prometheus")
