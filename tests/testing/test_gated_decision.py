"""The testing kit's ``gated_decision`` records a decision through the code ``decide`` uses
(:func:`assay.workflows.assemble_decision`): on the same runs both carry the same fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay import workflows
from assay.core import Comparison, Decision
from assay.gates import default_policy, policy_to_yaml
from assay.storage import Store
from assay.testing._gated import gated_decision
from assay.testing._stored import make_records, make_run, make_suite_model

# What a decision records besides its reports (which only ``decide`` writes) and its time.
SAME = (
    "decision_id",
    "title",
    "verdict",
    "summary",
    "policy",
    "policy_digest",
    "suite_digest",
    "baseline_run",
    "candidate_run",
    "run_evidence",
)


def _runs(store: Store) -> tuple[str, str]:
    suite, examples = make_suite_model("kit", n=200, seed=1)
    store.suites.put(suite, examples)
    ids = []
    for run_id, seed in (("base", 2), ("cand", 3)):
        records = make_records(200, seed=seed).append_column("lang", examples.column("lang"))
        stored, _ = store.runs.put(make_run(suite, records, run_id=run_id), records)
        ids.append(stored.run_id)
    return ids[0], ids[1]


def _comparison(store: Store, decision: Decision) -> dict[str, object]:
    stored = Comparison.model_validate_json(store.artifacts.get(decision.artifacts["comparison"]))
    return stored.model_dump(mode="json", exclude={"created_at"})


def test_the_kit_and_decide_record_the_same_decision(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "ana.json"
    workflows.generate_key("ana", output=key, store=store)
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(key))
    baseline, candidate = _runs(store)
    record = workflows.decide(baseline, candidate, output=tmp_path / "out", store=store)
    kit = gated_decision(store, baseline, candidate)
    made = record.decision
    assert {f: getattr(kit, f) for f in SAME} == {f: getattr(made, f) for f in SAME}
    assert made.title.endswith(" on kit") and made.run_evidence  # suite named, runs committed
    reports = {"report_html", "report_md", "memo"}
    assert set(made.artifacts) == {"comparison", "verdict", "policy"} | reports
    assert set(kit.artifacts) == {"comparison", "verdict", "policy"}
    for role in ("verdict", "policy"):
        assert kit.artifacts[role] == made.artifacts[role]
    # the same comparison, made a moment later
    assert _comparison(store, kit) == _comparison(store, made)
    assert made.signature is not None and kit.signature is not None
    assert (kit.signature.signer, kit.signature.fingerprint) == (
        made.signature.signer,
        made.signature.fingerprint,
    )
    assert store.decisions.get(made.decision_id) == made  # stored as returned, signed


def test_the_kit_forges_only_what_it_is_told(store: Store) -> None:
    baseline, candidate = _runs(store)
    honest = gated_decision(store, baseline, candidate, decision_id="honest")
    text = policy_to_yaml(default_policy()).replace("min_slice_size: 30", "min_slice_size: 3")
    forged = gated_decision(store, baseline, candidate, decision_id="forged", policy_yaml=text)
    assert honest.decision_id == "honest" and honest.signature is None  # no key configured
    assert store.artifacts.get(forged.artifacts["policy"]).decode() == text
    assert forged.policy_digest == honest.policy_digest  # the claim is unchanged: a forgery
    assert forged.artifacts["verdict"] == honest.artifacts["verdict"]
    assert forged.artifacts["policy"] != honest.artifacts["policy"]
