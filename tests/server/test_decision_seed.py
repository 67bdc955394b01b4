"""``PUT /decisions`` re-gates a decision with the resampling seed its comparison used
(``gate --record --seed N``), through the server's comparison cache, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from fastapi import FastAPI

from assay.core import Comparison, Verdict, VerdictResult
from assay.errors import GateError
from assay.server import ServerSettings, create_app
from assay.server._check_decision import decision_seed
from assay.storage import RemoteStore, Store, open_store
from assay.testing import running_server
from assay.testing._gated import gated_decision
from assay.testing._stored import make_records, make_run, make_suite_model
from assay.workflows import decide


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'server' / 'assay.db'}") as opened:
        yield opened


@pytest.fixture
def app(store: Store) -> FastAPI:
    return create_app(store, ServerSettings())


@pytest.fixture
def remote(app: FastAPI) -> Iterator[RemoteStore]:
    with running_server(app) as url:
        client = RemoteStore(url)
        yield client
        client.close()


def _pair(remote: RemoteStore) -> tuple[str, str]:
    """Two runs whose accuracy and serving latency differ (latency_p95 is resampled)."""
    suite, examples = make_suite_model("seeded", n=200, seed=1)
    remote.suites.put(suite, examples)
    ids = []
    for run_id, correct, seed in (("base", 150, 2), ("cand", 160, 3)):
        records = make_records(200, seed=seed).append_column("lang", examples.column("lang"))
        accuracy = pa.array([1.0] * correct + [0.0] * (200 - correct))
        records = records.set_column(records.column_names.index("accuracy"), "accuracy", accuracy)
        latency_ms = np.random.default_rng(seed).gamma(2.0, 40.0, size=200)
        records = records.append_column("latency_ms", pa.array(latency_ms))
        stored, _ = remote.runs.put(make_run(suite, records, run_id=run_id), records)
        ids.append(stored.run_id)
    return ids[0], ids[1]


def _cached_seeds(app: FastAPI) -> set[object]:
    cache = app.state.assay.caches["comparisons"]
    return {key[-1] for key in cache.items}


def test_a_decision_made_with_seed_7_is_checked_with_seed_7(
    app: FastAPI, store: Store, remote: RemoteStore, tmp_path: Path
) -> None:
    baseline, candidate = _pair(remote)
    record = decide(baseline, candidate, rng=7, output=tmp_path / "out", store=remote)
    assert record.created
    comparison = Comparison.model_validate_json(
        store.artifacts.get(record.decision.artifacts["comparison"])
    )
    assert {r.seed for r in comparison.results if r.seed is not None} == {7}
    assert decision_seed(store, record.decision) == 7
    assert _cached_seeds(app) == {7}  # the server compared with the decision's own seed
    assert store.decisions.get(record.decision.decision_id).verdict == record.verdict.verdict


def test_a_forged_verdict_with_a_seeded_comparison_is_still_refused(
    app: FastAPI, store: Store, remote: RemoteStore, tmp_path: Path
) -> None:
    baseline, candidate = _pair(remote)
    record = decide(baseline, candidate, rng=7, output=tmp_path / "out", store=remote)
    claimed = VerdictResult.model_validate_json(
        store.artifacts.get(record.decision.artifacts["verdict"])
    )
    other = Verdict.BLOCK if claimed.verdict != Verdict.BLOCK else Verdict.SHIP
    forged_verdict = claimed.model_copy(update={"verdict": other, "summary": f"{other.value}: ok"})
    forged = gated_decision(
        remote, baseline, candidate, decision_id="forged-seeded", verdict=forged_verdict
    )
    forged = forged.model_copy(
        update={
            "artifacts": {
                **forged.artifacts,
                "comparison": record.decision.artifacts["comparison"],
            }
        }
    )
    with pytest.raises(GateError, match="not stored"):
        remote.decisions.put(forged)
    with pytest.raises(LookupError):
        store.decisions.get("forged-seeded")
    assert _cached_seeds(app) == {7}  # checked with the comparison's seed, from the cache


def test_a_decision_without_a_comparison_artifact_is_checked_with_seed_0(
    app: FastAPI, store: Store, remote: RemoteStore
) -> None:
    baseline, candidate = _pair(remote)
    gated = gated_decision(remote, baseline, candidate, decision_id="no-comparison")
    kept = {role: d for role, d in gated.artifacts.items() if role != "comparison"}
    honest = gated.model_copy(update={"artifacts": kept})  # as recorded before comparisons were
    assert decision_seed(store, honest) == 0
    remote.decisions.put(honest)
    assert store.decisions.get("no-comparison").verdict == honest.verdict
    assert _cached_seeds(app) == {0}
