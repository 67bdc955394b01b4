"""``GET /metrics`` on the server over real HTTP: a viewer's bearer token reads the monitors'
state, whose values equal ``assay.workflows.monitor_status`` of the served store; without a
token it is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pytest

import assay
import assay.workflows as wf
from assay.monitor import MonitorSpec, WatchSpec
from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import running_server, synthetic_records, synthetic_suite

SAMPLE = re.compile(r"^(assay_\w+)\{([^}]*)\} (\S+)$")


@pytest.fixture
def monitored(tmp_path: Path) -> Iterator[Store]:
    """A store with a decision and a monitor on it that has looked at three windows."""
    with open_store(
        f"sqlite:///{tmp_path / 'assay.db'}", artifacts=str(tmp_path / "files")
    ) as store:
        suite = synthetic_suite(120, seed=5)
        baseline, candidate = (
            assay.log_run(
                synthetic_records(suite, seed=s), suite=suite, model=f"m@{s}", store=store
            ).run.run_id
            for s in (1, 2)
        )
        decided = assay.decide(baseline, candidate, output=tmp_path / "reports", store=store)
        spec = MonitorSpec(
            name="live",
            decision=decided.decision.decision_id,
            alpha=0.05,
            every_seconds=60,
            watches=(WatchSpec(metric="accuracy"), WatchSpec(metric="accuracy", slice="lang=en")),
        )
        wf.register_monitor(spec, store=store)
        rng = np.random.default_rng(3)
        for _ in range(3):
            window = pa.table(
                {
                    "accuracy": rng.binomial(1, 0.6, 300).astype(float),
                    "lang": rng.choice(["en", "fr"], 300),
                }
            )
            wf.record_window("live", window, store=store)
        yield store


def _labels(text: str) -> dict[str, str]:
    return dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', text))


def test_metrics_equal_the_monitor_status_for_a_viewer_token(monitored: Store) -> None:
    viewer = monitored.users.add("prometheus", "viewer").token
    with running_server(create_app(monitored, ServerSettings(auth="token"))) as url:
        refused = httpx.get(f"{url}/metrics")
        assert refused.status_code == 401 and refused.json()["error"]["status"] == 401
        response = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {viewer}"})
        schema = httpx.get(
            f"{url}/api/v1/openapi.json", headers={"Authorization": f"Bearer {viewer}"}
        )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == wf.METRICS_CONTENT_TYPE
    assert response.text == wf.render_metrics(monitored)
    assert "/metrics" not in schema.json()["paths"]

    (status,) = wf.monitor_status(store=monitored)
    watches = {w.name: w for w in status.watches}
    seen: dict[tuple[str, str], float] = {}
    for line in response.text.splitlines():
        found = SAMPLE.match(line)
        if found is None:
            continue
        labels = _labels(found.group(2))
        if "watch" in labels:
            assert labels["monitor"] == "live" and labels["decision"] == status.decision_id
            seen[(found.group(1), labels["watch"])] = float(found.group(3))
    assert {w for _, w in seen} == set(watches)
    for name, attribute in (
        ("assay_watch_estimate_lower", "low"),
        ("assay_watch_estimate_upper", "high"),
        ("assay_watch_threshold", "threshold"),
        ("assay_watch_remaining_alpha", "remaining"),
        ("assay_watch_observations_total", "n"),
    ):
        for watch_name, watch in watches.items():
            expected = getattr(watch, attribute)
            assert seen[(name, watch_name)] == pytest.approx(expected, rel=1e-12), name
    assert all(w.n == 900 or w.slice for w in watches.values())


def test_metrics_need_no_sign_in_without_authentication(live_server: str) -> None:
    response = httpx.get(f"{live_server}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
