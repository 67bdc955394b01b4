"""SmolLM2-135M-Instruct end to end: two deployments load-compared in interleaved blocks.

The shipped GGUF model is served on loopback in float32 (baseline) and with dynamic int8
linear layers (candidate) by model_server.py, one request at a time per server (requests
queue). ``assay load compare`` replays one seeded workload (prompts from the sentiment suite,
Poisson arrivals at 4 requests/s, 4 tokens per answer) against both in 8 ABBA block pairs of
10 requests, so drift of the shared machine moves both blocks of a pair alike instead of
faking a difference between deployments run one after the other. A load policy judges the
paired comparison; the verdict, the reports and the ledger entry are checked against the
stored records and against the policy's rules applied by hand to the printed intervals.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import assay
from assay.datasets import sentiment_suite

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gguf")

PAIRS, BLOCK, RATE, MAX_TOKENS = 8, 10, 4.0, 4
PER_ARM = PAIRS * BLOCK  # 80: enough for a p95 interval with a finite upper end
SLO = "ttft<=3s"
POLICY = """\
name: smollm2-int8-serving
description: The int8 deployment answers fast enough and no slower than float32.
confidence: 0.95
rules:
  quality:
    - {name: ttft p95, metric: ttft_p95_ms, kind: threshold, max: 4000}
    - {name: attainment, metric: attainment, kind: threshold, min: 0.8}
  cost:
    - {name: errors, kind: max_error_rate, max: 0.1}
    - {name: not slower, metric: ttft_p95_ms, kind: budget, max_increase: 0.2}
"""
CODES = {"SHIP": 0, "BLOCK": 1, "INCONCLUSIVE": 2}


def _assay(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "assay", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, cwd=cwd)


def _answer(url: str, model: str, prompt: str) -> dict[str, Any]:
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": 4}
    request = urllib.request.Request(
        f"{url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def _outcome(side: str, low: float, high: float, limit: float) -> str:
    # the gate's convention: the whole interval on the right side passes (a bound equal to
    # the limit counts as on it), the whole interval on the wrong side fails
    if side == "min":
        return "pass" if low >= limit else "fail" if high < limit else "inconclusive"
    return "pass" if high <= limit else "fail" if low > limit else "inconclusive"


def _by_hand(results: dict[str, dict[str, Any]], errors: dict[str, Any]) -> dict[str, str]:
    """Each rule of POLICY applied to the printed intervals, without the gate's code."""
    from statsmodels.stats.proportion import proportion_confint

    p95, attained = results["ttft_p95_ms"], results["attainment"]
    c = p95["candidate"]
    d, base = p95["difference"], p95["baseline"]["estimate"]
    failed, records = errors["candidate"]["errors"], errors["candidate"]["records"]
    error_low, error_high = proportion_confint(failed, records, alpha=0.05, method="wilson")
    return {
        "ttft p95": _outcome("max", c["low"], c["high"], 4000),
        "attainment": _outcome(
            "min", attained["candidate"]["low"], attained["candidate"]["high"], 0.8
        ),
        "errors": _outcome("max", error_low, error_high, 0.1),
        "not slower": _outcome("max", d["low"] / base, d["high"] / base, 0.2),
    }


@pytest.mark.slow
@pytest.mark.usefixtures("one_torch_thread")  # the servers' answer threads start inside it
def test_full_precision_against_int8_is_load_compared_to_a_recorded_verdict(
    tmp_path: Path,
) -> None:
    from model_server import ModelServer, int8_dynamic, load_smollm2
    from statsmodels.stats.proportion import proportion_confint

    db = f"sqlite:///{tmp_path / 'a.db'}"
    src = str(Path(__file__).resolve().parents[3] / "src")  # this checkout's package first
    path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, ASSAY_DB=db, ASSAY_HOME=str(tmp_path / "home"), PYTHONPATH=path)
    env["COLUMNS"] = "100"
    texts = sentiment_suite().examples.column("input").to_pylist()[:6]
    prompts = [f"Positive or negative? {json.loads(t)}" for t in texts]
    policy = tmp_path / "serving.yaml"
    policy.write_text(POLICY)
    tok, full = load_smollm2()
    int8 = int8_dynamic(full)
    with (
        ModelServer(tok, full, name="smollm2-f32") as base,
        ModelServer(tok, int8, name="smollm2-int8") as cand,
    ):
        for server in (base, cand):  # the model answers: text, and tokens counted
            answer = _answer(server.url, server.name, prompts[0])
            assert answer["choices"][0]["message"]["content"].strip()
            assert 0 < answer["usage"]["completion_tokens"] <= 4
            assert answer["usage"]["prompt_tokens"] > 10
        done = _assay(
            [
                *("load", "compare", base.url, cand.url, "--rates", f"{RATE:g}"),
                *("--pairs", str(PAIRS), "--block-requests", str(BLOCK)),
                *("--max-tokens", str(MAX_TOKENS), "--timeout", "300", "--slo", SLO),
                *("--model", base.name, "--candidate-model", cand.name, "--name", "smollm2"),
                *(arg for p in prompts for arg in ("--prompt", p)),
                *("--policy", str(policy), "--record", "-o", str(tmp_path / "reports")),
                *("--seed", "3", "--json"),
            ],
            env,
            tmp_path,
        )
    assert done.returncode in CODES.values(), done.stderr
    out = json.loads(done.stdout)
    verdict = out["verdict"]["verdict"]
    assert done.returncode == CODES[verdict]

    # the design: 8 pairs, each with one block of 10 requests per arm
    blocks = out["blocks"]
    assert sorted((b["pair"], b["arm"]) for b in blocks) == sorted(
        (j, arm) for j in range(PAIRS) for arm in ("baseline", "candidate")
    )
    assert all(b["requests"] == BLOCK and b["rate"] == RATE for b in blocks)

    # the counts shown are the records stored
    comparison = out["comparison"]
    store = assay.open_store(db)
    stored = {}
    for arm, run_id in (
        ("baseline", comparison["baseline_run"]),
        ("candidate", comparison["candidate_run"]),
    ):
        records = store.runs.records(run_id).to_pylist()
        stored[arm] = records
        assert len(records) == PER_ARM == comparison["errors"][arm]["records"]
        assert sum(b["requests"] for b in blocks if b["arm"] == arm) == len(records)
        ok = [r for r in records if r["error"] is None]
        assert comparison["errors"][arm]["errors"] == len(records) - len(ok)
        assert ok and all(0 < r["tokens_out"] <= MAX_TOKENS for r in ok)
    results = {r["metric"]: r for r in comparison["results"] if r["slice_attribute"] is None}
    assert all(r["n"] == PER_ARM and r["n_clusters"] == PAIRS for r in results.values())

    # the intervals shown are the stored requests' (numpy percentile, statsmodels Wilson)
    for arm, records in stored.items():
        ttft = sorted(r["ttft_ms"] for r in records if r["error"] is None)
        shown = results["ttft_p95_ms"][arm]
        assert shown["estimate"] == pytest.approx(np.percentile(ttft, 95, method="inverted_cdf"))
        assert shown["low"] in ttft and shown["high"] in ttft  # order statistics, finite
        met = sum(r["slo_met"] == 1.0 for r in records)
        low, high = proportion_confint(met, len(records), alpha=0.05, method="wilson")
        attained = results["attainment"][arm]
        assert attained["estimate"] == pytest.approx(met / len(records))
        assert (attained["low"], attained["high"]) == pytest.approx((low, high), abs=1e-9)

    # the verdict is what the policy's rules give on those intervals
    rules = {r["rule"]: r["outcome"] for r in out["verdict"]["rules"]}
    assert rules == _by_hand(results, comparison["errors"])
    expected = (
        "BLOCK"
        if "fail" in rules.values()
        else "INCONCLUSIVE"
        if "inconclusive" in rules.values()
        else "SHIP"
    )
    assert verdict == expected

    # the reports say the same, and the ledger holds the decision intact
    report = (tmp_path / "reports" / "report.md").read_text()
    assert f"## Verdict: **{verdict}**" in report
    for arm in ("baseline", "candidate"):
        assert f"| {arm} | {PER_ARM} | {comparison['errors'][arm]['errors']} |" in report
    assert f"{PAIRS} block pairs of {BLOCK} requests at {RATE:g} req/s" in report
    assert (tmp_path / "reports" / "report.html").exists()
    decision = store.decisions.get(out["decision_id"])
    assert decision.verdict == verdict
    assert (decision.baseline_run, decision.candidate_run) == (
        comparison["baseline_run"],
        comparison["candidate_run"],
    )
    verified = _assay(["ledger", "verify", "--json"], env, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["entries"] == 1
