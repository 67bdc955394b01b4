"""A launch checklist's decision item pins the policy by digest: a weakened copy of the
shipped default that keeps the name ``default`` does not clear it."""

from __future__ import annotations

from pathlib import Path

import pytest

import assay
from assay import workflows
from assay.errors import ConfigError
from assay.gates import Policy, default_policy, policy_to_yaml
from assay.governance import EvidenceItem, LaunchChecklist, load_checklist
from assay.storage import Store


def _weakened() -> Policy:
    """The shipped default with only its coverage rule left: it ships anything complete."""
    policy = default_policy()
    rules = policy.rules.model_copy(
        update={
            "quality": tuple(r for r in policy.rules.quality if r.name == "coverage"),
            "cost": (),
        }
    )
    return policy.model_copy(update={"rules": rules})


def _runs(store: Store) -> tuple[str, str]:
    """Two logged runs of clf@1; the candidate is much worse (12 of 40 wrong, not 2)."""
    examples = [{"example_id": f"q{i}", "reference": "yes"} for i in range(40)]
    suite = assay.make_suite(
        "pin", examples, metrics=[{"name": "accuracy", "scorer": "exact_match"}]
    )
    ids = []
    for wrong in (2, 12):
        outputs = [
            {"example_id": f"q{i}", "output": "no" if i < wrong else "yes"} for i in range(40)
        ]
        ids.append(assay.log_run(outputs, suite=suite, model="clf@1", store=store).run.run_id)
    return ids[0], ids[1]


def _item(store: Store, checklist: Path) -> assay.governance.LaunchItem:
    (item,) = workflows.check_launch("clf@1", checklist=checklist, store=store).items
    return item


def test_a_weakened_policy_named_default_does_not_clear_the_decision_item(
    store: Store, tmp_path: Path
) -> None:
    weak = _weakened()
    shipped = default_policy()
    assert weak.name == "default" and weak.digest != shipped.digest
    weak_file = tmp_path / "weak.yaml"
    weak_file.write_text(policy_to_yaml(weak))
    baseline, candidate = _runs(store)
    record = workflows.decide(baseline, candidate, policy=weak_file, output=tmp_path, store=store)
    assert record.decision.verdict.value == "SHIP"
    assert record.decision.policy == "default"
    by_name = tmp_path / "by-name.yaml"
    by_name.write_text("name: c\nevidence: [{item: d, kind: decision, policy: default}]\n")
    item = _item(store, by_name)
    assert not item.satisfied
    assert (
        f"is SHIP under a policy named 'default' whose digest {weak.digest[:12]} is not the "
        f"shipped default's ({shipped.digest[:12]})" in item.detail
    )
    assert "the shipped policy 'default': `assay gate BASELINE CANDIDATE --record`" in (
        item.clear_by
    )
    # pinning the weakened policy itself, by its file or its digest, is an explicit choice
    by_file = tmp_path / "by-file.yaml"
    by_file.write_text("name: c\nevidence: [{item: d, kind: decision, policy_file: weak.yaml}]\n")
    item = _item(store, by_file)
    assert item.satisfied and f"SHIP under 'default' ({weak.digest[:12]})" in item.detail
    by_digest = tmp_path / "by-digest.yaml"
    by_digest.write_text(
        "name: c\nevidence: [{item: d, kind: decision, policy: default, "
        f"policy_digest: {weak.digest[:16]}}}]\n"
    )
    assert _item(store, by_digest).satisfied
    # the decision under the shipped default is what the plain name asks for
    record = workflows.decide(baseline, candidate, output=tmp_path / "s", store=store)
    assert record.decision.policy_digest == shipped.digest
    item = _item(store, by_name)
    assert f"under 'default' ({shipped.digest[:12]})" in item.detail
    assert item.satisfied == (record.decision.verdict.value == "SHIP")
    assert record.decision.verdict.value != "SHIP"  # the candidate is 25 points worse


def test_a_policy_file_that_disagrees_with_the_item_is_refused(tmp_path: Path) -> None:
    (tmp_path / "weak.yaml").write_text(
        policy_to_yaml(_weakened().model_copy(update={"name": "w"}))
    )
    checklist = tmp_path / "c.yaml"
    checklist.write_text(
        "name: c\nevidence:\n  - {item: d, kind: decision, policy: default, policy_file: weak.yaml}\n"
    )
    with pytest.raises(
        ConfigError, match=r"c\.yaml, line 3: .*policy_file: .*named 'w', not 'default'"
    ):
        workflows.check_launch("clf@1", checklist=checklist, store=None)
    checklist.write_text("name: c\nevidence: [{item: d, kind: decision, policy_file: nope.yaml}]\n")
    with pytest.raises(ConfigError, match="policy_file: the policy file does not load"):
        workflows.check_launch("clf@1", checklist=checklist, store=None)
    checklist.write_text(
        "name: c\nevidence: [{item: d, kind: decision, policy: default, policy_digest: XYZ}]\n"
    )
    with pytest.raises(ConfigError, match="12 to 64 lowercase hex"):
        workflows.check_launch("clf@1", checklist=checklist, store=None)


def test_a_policy_file_is_never_taken_unread(store: Store) -> None:
    text = "name: c\nevidence: [{item: d, kind: decision, policy_file: weak.yaml}]\n"
    with pytest.raises(ConfigError, match=r"line 2: .*policy_file: .*read when the checklist is"):
        load_checklist("c.yaml", text=text)
    built = LaunchChecklist(
        name="c", evidence=(EvidenceItem(item="d", kind="decision", policy_file="weak.yaml"),)
    )
    with pytest.raises(ConfigError, match="never read"):
        workflows.check_launch("clf@1", checklist=built, store=store)
