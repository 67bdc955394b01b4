"""Monitors and named profiles through a team server (``ASSAY_DB=http://…``) with a token: the
same watches, looks, alarms and status as on the server's own store, over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import assay
import assay.workflows as wf
from assay.errors import ConfigError
from assay.monitor import MonitorSpec, WatchSpec, profile
from assay.server import ServerSettings, create_app
from assay.storage import RemoteStore
from assay.testing import running_server


def _window(rng: np.random.Generator, p: float, n: int = 400) -> pa.Table:
    return pa.table(
        {"accuracy": rng.binomial(1, p, n).astype(float), "lang": rng.choice(["en", "fr"], n)}
    )


def test_watches_and_profiles_work_through_a_server_with_a_token(decided: Any) -> None:
    backend = decided.store
    token = backend.users.add("ops", "editor").token
    spec = MonitorSpec(
        name="live", decision=decided.decision_id, watches=(WatchSpec(metric="accuracy"),)
    )
    with running_server(create_app(backend, ServerSettings(auth="token"))) as url:
        remote = RemoteStore(url, token=token)
        registered = wf.register_monitor(spec, store=remote)
        assert wf.register_monitor(spec, store=remote) == registered  # same spec: no-op
        with pytest.raises(ConfigError, match="already registered"):
            wf.register_monitor(spec.model_copy(update={"alpha": 0.01}), store=remote)
        reference = registered.watches[0].reference
        rng = np.random.default_rng(4)
        clean = wf.record_window("live", _window(rng, reference), store=remote)
        assert clean.looks == 1 and clean.state != "alarm"
        for _ in range(5):
            status = wf.record_window("live", _window(rng, reference - 0.3), store=remote)
        assert status.state == "alarm" and status.looks == 6
        prof = profile(_window(rng, reference), name="ref")
        digest = wf.save_profile(prof, store=remote)
        assert wf.load_profile("ref", store=remote).digest == digest
        listed = wf.stored_profiles(store=remote)
        remote.close()
    # what the server's own store holds is what the client saw
    (local,) = wf.monitor_status(store=backend)
    assert local == status
    assert [h["look"] for h in wf.monitor_history("live", store=backend)] == list(range(1, 7))
    challenges = [e for e in backend.decisions.ledger() if e.kind == "challenge"]
    assert [e.sequence for e in challenges] == list(status.challenges)
    assert challenges[0].payload["by"] == "ops"  # the server names the token's user
    assert listed == [{"name": "ref", "digest": digest, "versions": 1}]
    assert wf.load_profile("ref", store=backend).digest == digest


@pytest.mark.slow
def test_the_monitor_commands_run_against_a_server(decided: Any, tmp_path: Path) -> None:
    backend = decided.store
    token = backend.users.add("ops", "editor").token
    client = tmp_path / "laptop"
    client.mkdir()
    (client / "monitor.yaml").write_text(
        f"name: cli-live\ndecision: {decided.decision_id}\nalpha: 0.05\n"
        "watches:\n  - metric: accuracy\n    margin: 0.02\n",
        encoding="utf-8",
    )
    rng = np.random.default_rng(9)
    pq.write_table(_window(rng, 0.99, 600), client / "window.parquet")
    with running_server(create_app(backend, ServerSettings(auth="token"))) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
        env.update(ASSAY_DB=url, ASSAY_TOKEN=token, ASSAY_HOME=str(client / ".assay"))
        source = str(Path(assay.__file__).parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))

        def cli(*args: str) -> tuple[int, Any]:
            done = subprocess.run(
                [sys.executable, "-m", "assay", "monitor", *args, "--json"],
                cwd=client,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode in (0, 1, 2), done.stderr
            return done.returncode, json.loads(done.stdout)

        _, registered = cli("watch", "register", "monitor.yaml")
        code, looked = cli("watch", "look", "cli-live", "window.parquet")
        _, status = cli("status")
        _, profiled = cli("profile", "window.parquet", "--name", "ref")
    assert not (client / ".assay").exists(), "the client kept a local store"
    assert registered["name"] == "cli-live" and registered["looks"] == 0
    assert looked["looks"] == 1 and looked["watches"][0]["n"] == 600
    assert code == {"ok": 0, "alarm": 1, "inconclusive": 2}[looked["state"]]
    assert status["monitors"] == [looked]
    (stored,) = wf.monitor_status(store=backend)
    assert stored.to_dict() == looked
    assert wf.load_profile("ref", store=backend).digest == profiled["digest"]
