"""A real Prometheus on loopback scrapes the exporter every second with the generated rules
loaded; the series read back through its HTTP API equal the store's, the rules are loaded and
a watch's alarm fires as an alert."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import yaml

import assay.workflows as wf
from assay.monitor import MonitorSpec, SloSpec, WatchSpec, rules_yaml


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _query(base: str, expr: str) -> list[dict[str, Any]]:
    data = _get(f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    assert data["status"] == "success", data
    result: list[dict[str, Any]] = data["data"]["result"]
    return result


def _wait(check: Any, what: str, timeout: float = 40.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"Prometheus did not show {what} within {timeout:.0f} s")


@pytest.fixture
def exporter(decided: Any) -> Iterator[tuple[Any, str]]:
    spec = MonitorSpec(
        name="live",
        decision=decided.decision_id,
        alpha=0.05,
        every_seconds=60,
        watches=(WatchSpec(metric="accuracy"), WatchSpec(metric="accuracy", slice="lang=en")),
        slos=(
            SloSpec(
                name="availability",
                objective=0.999,
                errors="assay_requests_failed_total",
                total="assay_requests_total",
            ),
        ),
    )
    wf.register_monitor(spec, store=decided.store)
    rng = np.random.default_rng(2)
    for _ in range(4):
        table = pa.table(
            {
                "accuracy": rng.binomial(1, 0.2, 500).astype(float),
                "lang": rng.choice(["en", "fr"], 500),
            }
        )
        wf.record_window("live", table, store=decided.store)
    server = wf.metrics_server(decided.store, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield decided, f"{host!s}:{port}"
    server.shutdown()
    server.server_close()


def test_prometheus_scrapes_the_exporter_and_loads_the_rules(
    prometheus: str, exporter: tuple[Any, str], tmp_path: Path
) -> None:
    decided, target = exporter
    specs = [s.spec for s in wf.monitor_status(store=decided.store) if s.spec is not None]
    (tmp_path / "rules.yml").write_text(rules_yaml(specs), encoding="utf-8")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(tmp_path / "rules.yml")],
        "scrape_configs": [{"job_name": "assay", "static_configs": [{"targets": [target]}]}],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            prometheus,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        series = _wait(lambda: _query(base, "assay_watch_estimate_upper"), "a scrape")
        statuses = wf.monitor_status(store=decided.store)
        watches = {w.name: w for w in statuses[0].watches}
        assert {s["metric"]["watch"] for s in series} == set(watches)
        for sample in series:
            labels = sample["metric"]
            watch = watches[labels["watch"]]
            assert labels["monitor"] == "live" and labels["decision"] == decided.decision_id
            assert labels["job"] == "assay"
            assert float(sample["value"][1]) == pytest.approx(watch.high, rel=1e-12)
        for name, attribute in (
            ("assay_watch_estimate_lower", "low"),
            ("assay_watch_threshold", "threshold"),
            ("assay_watch_remaining_alpha", "remaining"),
            ("assay_watch_observations_total", "n"),
        ):
            for sample in _query(base, name):
                expected = getattr(watches[sample["metric"]["watch"]], attribute)
                assert float(sample["value"][1]) == pytest.approx(expected, rel=1e-12), name
        looks = _query(base, 'assay_monitor_looks_total{monitor="live"}')
        assert float(looks[0]["value"][1]) == 4
        rules = _get(f"{base}/api/v1/rules")["data"]["groups"]
        assert {g["name"] for g in rules} == {"assay-monitor-live", "assay-slo-live-availability"}
        assert all(r["health"] != "err" for g in rules for r in g["rules"])
        alerts = _wait(
            lambda: [
                a
                for a in _get(f"{base}/api/v1/alerts")["data"]["alerts"]
                if a["labels"]["alertname"] == "AssayWatchAlarm" and a["state"] == "firing"
            ],
            "the watch's alarm firing",
        )
        assert {a["labels"]["watch"] for a in alerts} == {
            w.name for w in watches.values() if w.state == "alarm"
        }
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_the_exporter_answers_only_metrics(exporter: tuple[Any, str]) -> None:
    decided, target = exporter
    with urllib.request.urlopen(f"http://{target}/metrics", timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert response.read().decode() == wf.render_metrics(decided.store)
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(f"http://{target}/other", timeout=5)
    assert raised.value.code == 404
    raised.value.close()
