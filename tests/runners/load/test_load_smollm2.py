"""SmolLM2-135M-Instruct end to end: two deployments load-tested, compared and gated.

The shipped GGUF model is served on loopback in float32 (baseline) and with dynamic int8
linear layers (candidate) by model_server.py; ``assay load run --log`` sends each the same
seeded workload (prompts drawn from the sentiment suite, one request in flight at a time),
then ``assay compare`` pairs the two runs by request slot and ``assay gate`` judges a load
policy. The request count is small enough for a 2-core machine: at 8 requests no p99 has a
finite upper bound and most paired differences straddle zero, which the test checks is what
the output says rather than a verdict it cannot support.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import assay
from assay.datasets import sentiment_suite

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gguf")

REQUESTS = 8
POLICY = """\
name: smollm2-int8-serving
description: The int8 deployment may not miss more objectives nor answer much slower.
confidence: 0.95
rules:
  quality:
    - name: attainment_non_inferior
      metric: slo_met
      kind: non_inferiority
      margin: 0.1
  cost:
    - name: errors
      kind: max_error_rate
      max: 0.05
    - name: e2e_p95_budget
      metric: latency_p95
      kind: budget
      max_increase: 0.5
"""


def _assay(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "assay", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)


@pytest.mark.slow
def test_full_precision_against_int8_is_load_tested_compared_and_gated(tmp_path: Path) -> None:
    from model_server import ModelServer, int8_dynamic, load_smollm2

    db = f"sqlite:///{tmp_path / 'a.db'}"
    store = assay.open_store(db)
    assay.register_suite(sentiment_suite(), store=store)
    env = dict(os.environ, ASSAY_DB=db, ASSAY_HOME=str(tmp_path / "home"), COLUMNS="100")
    tok, full = load_smollm2()
    deployments = {"smollm2-f32": full, "smollm2-int8": int8_dynamic(full)}
    reports = {}
    for name, model in deployments.items():
        with ModelServer(tok, model, name=name) as server:
            done = _assay(
                [
                    *("load", "run", server.url, "--suite", "sentiment", "--seed", "3"),
                    *("--concurrency", "1", "--requests", str(REQUESTS), "--max-tokens", "4"),
                    *("--model", name, "--name", "smollm2", "--timeout", "600"),
                    *("--slo", "ttft<=60s", "--slo", "attainment>=0.5", "--slo", "e2e_p99<=60s"),
                    *("--log", "--json"),
                ],
                env,
            )
        assert done.returncode in (0, 1, 2), done.stderr
        reports[name] = json.loads(done.stdout)
    for report in reports.values():
        assert report["n_requests"] == report["n_ok"] == REQUESTS
        # 8 requests: the upper end of a p99 interval is infinite and the p99 objective says so
        assert report["metrics"]["e2e_p99_ms"]["high"] == "inf"
        p99 = next(o for o in report["objectives"] if o["objective"] == "e2e_p99<=60s")
        assert p99["outcome"] == "inconclusive" and "too few requests" in p99["reason"]
        assert report["verdict"] == "INCONCLUSIVE"
    base, cand = (reports[n]["run_id"] for n in deployments)
    runs = [store.runs.get(base), store.runs.get(cand)]
    assert runs[0].suite_digest == runs[1].suite_digest  # same prompts in the same slots
    for run in runs:
        records = store.runs.records(run.run_id).to_pylist()
        assert len(records) == REQUESTS and all(0 < r["tokens_out"] <= 4 for r in records)
    compared = _assay(["compare", base, cand, "--json"], env)
    assert compared.returncode == 0, compared.stderr
    comparison = json.loads(compared.stdout)
    assert "ttft_ms" in json.dumps(comparison) and "e2e_ms" in json.dumps(comparison)
    policy = tmp_path / "load-policy.yaml"
    policy.write_text(POLICY)
    gated = _assay(["gate", base, cand, "--policy", str(policy)], env)
    codes = {"SHIP": 0, "BLOCK": 1, "INCONCLUSIVE": 2}
    verdict = next(v for v in codes if v in gated.stdout)
    assert gated.returncode == codes[verdict], gated.stdout + gated.stderr
    assert "e2e_p95_budget" in gated.stdout and "attainment_non_inferior" in gated.stdout
