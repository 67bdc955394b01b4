"""The clean_subset rule kind: conformance, and a gate on a suite marked by a real search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assay
import assay.workflows as wf
from assay.errors import ConfigError, GateError
from assay.testing import check_rule_kind

ALL_THREE = {"better": "pass", "worse": "fail", "uncertain": "inconclusive"}


def test_clean_subset_passes_the_rule_kind_conformance_kit():
    judged = check_rule_kind(
        "clean_subset",
        params={"margin": 0.05, "attribute": "lang", "clean": "en"},
        expected=ALL_THREE,
    )
    assert all(j.reason.startswith("clean subset (n=") for j in judged.values())


def test_clean_subset_refuses_a_missing_or_bad_margin():
    from assay.gates import load_policy

    for bad in ("", "margin: -0.1\n      "):
        text = (
            "name: p\nrules:\n  quality:\n    - name: clean\n      kind: clean_subset\n"
            f"      metric: accuracy\n      {bad}\n"
        )
        with pytest.raises(ConfigError, match="margin"):
            load_policy(text)


def test_gate_on_the_clean_subset_of_a_marked_suite(home, tmp_path: Path):
    words = [f"w{k}" for k in range(2000)]
    texts = [" ".join(words[i * 15 : i * 15 + 15]) for i in range(120)]  # no shared 13-gram
    data = assay.make_suite(
        "leaky",
        [{"example_id": f"e{i}", "input": t, "reference": "1"} for i, t in enumerate(texts)],
        metrics=["accuracy"],
    )
    assay.register_suite(data)
    corpus = tmp_path / "train.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts[:60]))
    result = wf.suite_contamination("leaky", [corpus], mark=True)
    assert result.count("contaminated") == 60 and result.count("clean") == 60
    marked = assay.get_suite(result.marked_suite)
    assert marked.examples.column("contamination").to_pylist() == [
        s.status for s in result.examples
    ]
    # the candidate gains only on what it has seen, and is worse on the clean subset
    base = [{"example_id": f"e{i}", "accuracy": float(i % 2)} for i in range(120)]
    cand = [{"example_id": f"e{i}", "accuracy": 1.0 if i < 60 else 0.0} for i in range(120)]
    b = assay.log_run(base, suite=marked, model="base@1")
    c = assay.log_run(cand, suite=marked, model="cand@1")
    comparison = assay.compare_runs(b.run.run_id, c.run.run_id)
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "name: clean\nrules:\n  quality:\n    - name: clean\n      kind: clean_subset\n"
        "      metric: accuracy\n      margin: 0.05\n"
    )
    verdict = assay.gate(comparison, policy)
    assert verdict.verdict.value == "BLOCK"
    assert "clean subset (n=60)" in verdict.rules[0].reason
    overall = next(r for r in comparison.results if r.slice_attribute is None)
    assert overall.difference.estimate == pytest.approx(0.0)  # overall it looks like a tie
    unmarked = assay.compare_runs(
        assay.log_run(base, suite=data, model="base@1").run.run_id,
        assay.log_run(cand, suite=data, model="cand@1").run.run_id,
    )
    with pytest.raises(GateError, match="--mark"):
        assay.gate(unmarked, policy)
