"""`assay monitor rules` and `assay monitor serve-metrics` as users run them, and a CBPE watch
registered from YAML with its labelled hold-out."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import assay.workflows as wf
from assay.cli import main


def _register(decided: Any, tmp_path: Path) -> Path:
    rng = np.random.default_rng(8)
    p = rng.uniform(0, 1, size=2000)
    pq.write_table(
        pa.table({"probability": p, "label": rng.binomial(1, p)}), tmp_path / "hold.parquet"
    )
    spec = tmp_path / "monitor.yaml"
    spec.write_text(
        f"name: ops\ndecision: {decided.decision_id}\nalpha: 0.02\nevery_seconds: 300\n"
        "watches:\n  - metric: accuracy\n  - metric: accuracy\n    method: cbpe\n"
        "    column: probability\n    holdout: hold.parquet\n"
        "slos:\n  - name: latency\n    objective: 0.99\n"
        "    errors: 'requests_slow_total'\n    total: requests_total\n",
        encoding="utf-8",
    )
    status = wf.register_monitor(spec, store=decided.store)
    cbpe = status.watches[1]
    assert cbpe.method == "cbpe" and cbpe.calibration is not None
    assert sum(cbpe.calibration.counts) == 2000
    assert any("no concept drift" in n for n in cbpe.notes)
    window = pa.table(
        {"accuracy": rng.binomial(1, 0.8, 300).astype(float), "probability": rng.uniform(0, 1, 300)}
    )
    after = wf.record_window("ops", window, store=decided.store).watches[1]
    assert after.n == 300 and after.calibration_term > 0
    return spec


def test_rules_from_the_store_pass_promtool(
    decided: Any, tmp_path: Path, promtool: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(decided, tmp_path)
    decided.store.close()
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(decided.folder / "files"))
    out = tmp_path / "rules.yml"
    assert (
        main(
            ["monitor", "rules", "-o", str(out), "--db", f"sqlite:///{decided.folder / 'assay.db'}"]
        )
        == 0
    )
    done = subprocess.run(
        [promtool, "check", "rules", str(out)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = out.read_text(encoding="utf-8")
    assert "AssaySloBurnRateFast" in text and "> 900" in text  # stale after 3 × 300 s


def test_serve_metrics_serves_the_store_over_http(decided: Any, tmp_path: Path) -> None:
    _register(decided, tmp_path)
    expected = wf.render_metrics(decided.store)
    decided.store.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "ASSAY_ARTIFACTS": str(decided.folder / "files")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assay",
            "monitor",
            "serve-metrics",
            "--port",
            str(port),
            "--db",
            f"sqlite:///{decided.folder / 'assay.db'}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while body is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                    body = r.read().decode()
            except OSError:
                time.sleep(0.3)
        assert body == expected
        assert 'watch="accuracy:cbpe"' in body
    finally:
        process.terminate()
        process.wait(timeout=20)
