"""Launch readiness on SQLite and PostgreSQL: evidence looked up in the store, sign-offs by
role in the ledger, refusals that record nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

import assay
from assay import workflows
from assay.core import Verdict
from assay.errors import ConfigError, DataError, NotFoundError
from assay.governance import load_checklist
from assay.storage import Store
from assay.testing import make_decision, make_records, make_run, make_suite_model, store_runs

CHECKLIST = """\
name: clf-models
models: ["clf*"]
evidence:
  - {item: ship-decision, kind: decision, policy: default}
  - {item: safety-run, kind: safety_run, suites: [qa-safety]}
signoffs:
  - {item: safety-review, role: safety, owner: "#safety"}
  - {item: privacy-review, role: privacy}
"""


@pytest.fixture
def checklist(tmp_path: Path) -> Path:
    path = tmp_path / "launch.yaml"
    path.write_text(CHECKLIST)
    return path


@pytest.fixture
def decided(store: Store) -> Store:
    """Runs of clf@1 and a SHIP decision on one of them under the policy 'default'."""
    r0, r1, _ = store_runs(store)
    store.decisions.put(make_decision(r0, r1, decision_id="ship-1"))
    return store


def _safety_run(store: Store) -> str:
    suite, examples = make_suite_model("qa-safety", seed=7)
    store.suites.put(suite, examples)
    records = make_records(20, seed=9)
    run, _ = store.runs.put(make_run(suite, records, run_id="safety-0"), records)
    return run.run_id


def _status(store: Store, checklist: Path | str) -> dict[str, str]:
    result = workflows.check_launch("clf@1", checklist=checklist, store=store)
    return {i.item: "ok" if i.satisfied else "missing" for i in result.items}


def test_not_ready_until_a_safety_run_and_two_signoffs_exist(
    decided: Store, checklist: Path
) -> None:
    result = workflows.check_launch("clf@1", checklist=checklist, store=decided)
    assert not result.ready
    missing = {i.item: i for i in result.missing}
    assert sorted(missing) == ["privacy-review", "safety-review", "safety-run"]
    assert missing["safety-review"].clear_by.startswith("a safety reviewer (#safety): ")
    assert "--role privacy" in missing["privacy-review"].clear_by
    assert "qa-safety" in missing["safety-run"].detail
    assert result.items[0].found == ("ship-1",)
    sign = {"model": "clf@1", "checklist": checklist, "store": decided}
    workflows.sign_launch("safety-review", role="safety", name="alice", **sign)
    # one person cannot clear a second role, and an evidence item is never signed
    with pytest.raises(ConfigError, match="needs a different person"):
        workflows.sign_launch("privacy-review", role="privacy", name="alice", **sign)
    with pytest.raises(ConfigError, match="evidence item"):
        workflows.sign_launch("safety-run", role="safety", name="carol", **sign)
    with pytest.raises(ConfigError, match="already signed"):
        workflows.sign_launch("safety-review", role="safety", name="alice", **sign)
    assert len(decided.decisions.entries(kind="signoff")) == 1
    workflows.sign_launch("privacy-review", role="privacy", name="bob", note="ok", **sign)
    # both sign-offs stand, and still no sign-off stands in for the missing run
    assert _status(decided, checklist) == {
        "ship-decision": "ok",
        "safety-run": "missing",
        "safety-review": "ok",
        "privacy-review": "ok",
    }
    run_id = _safety_run(decided)
    result = workflows.check_launch("clf@1", checklist=checklist, store=decided)
    assert result.ready, result.to_dict()
    assert result.items[1].found == (run_id,)
    assert result.items[1].detail == "1 complete safety run of clf@1"
    entry = decided.decisions.entries(kind="signoff")[1]
    assert entry.decision_id == "model:clf@1"
    assert entry.payload["checklist"] == {"name": "clf-models", "digest": result.checklist_digest}
    assert (entry.payload["name"], entry.payload["role"], entry.payload["note"]) == (
        "bob",
        "privacy",
        "ok",
    )
    assert decided.decisions.verify().ok


@pytest.mark.parametrize(
    ("item", "role", "match"),
    [
        ("safety-review", "legal", "knows no role 'legal'"),
        ("safety-review", "privacy", "signed by the safety role"),
        ("nothing", "safety", "has no sign-off item 'nothing'"),
    ],
)
def test_a_signoff_the_checklist_does_not_allow_records_nothing(
    decided: Store, checklist: Path, item: str, role: str, match: str
) -> None:
    before = len(decided.decisions.ledger())
    with pytest.raises(ConfigError, match=match):
        workflows.sign_launch(
            item, model="clf@1", role=role, name="a", checklist=checklist, store=decided
        )
    assert len(decided.decisions.ledger()) == before


def test_a_signoff_for_a_model_the_store_has_no_run_of_records_nothing(
    decided: Store, checklist: Path
) -> None:
    before = len(decided.decisions.ledger())
    for model in ("clf@9.9", "clfx"):
        with pytest.raises(NotFoundError, match=f"holds no run of {model}.*Nothing was recorded"):
            workflows.sign_launch(
                "safety-review",
                model=model,
                role="safety",
                name="a",
                checklist=checklist,
                store=decided,
            )
    assert len(decided.decisions.ledger()) == before
    workflows.sign_launch(  # a version that has runs, and the name alone, are signed
        "safety-review", model="clf", role="safety", name="a", checklist=checklist, store=decided
    )
    assert len(decided.decisions.ledger()) == before + 1


def test_signoffs_count_only_for_the_checklist_they_were_given_against(
    decided: Store, checklist: Path
) -> None:
    workflows.sign_launch(
        "safety-review", model="clf@1", role="safety", name="a", checklist=checklist, store=decided
    )
    checklist.write_text(CHECKLIST.replace("#safety", "#safety-team"))
    result = workflows.check_launch("clf@1", checklist=checklist, store=decided)
    (review,) = [i for i in result.items if i.item == "safety-review"]
    assert not review.satisfied and "sign again" in review.detail


def test_overrides_count_only_where_the_checklist_allows_them(store: Store, tmp_path: Path) -> None:
    r0, r1, _ = store_runs(store)
    store.decisions.put(make_decision(r0, r1, decision_id="block-1", verdict=Verdict.BLOCK))
    strict = tmp_path / "strict.yaml"
    strict.write_text("name: s\nevidence: [{item: d, kind: decision, policy: default}]\n")
    (item,) = workflows.check_launch("clf@1", checklist=strict, store=store).items
    assert not item.satisfied and "is BLOCK" in item.detail
    workflows.approve(
        "block-1", role="lead", name="lee", status="override", note="hotfix", store=store
    )
    (item,) = workflows.check_launch("clf@1", checklist=strict, store=store).items
    assert not item.satisfied and "does not accept overrides" in item.detail
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text(strict.read_text().replace("default}", "default, allow_override: true}"))
    (item,) = workflows.check_launch("clf@1", checklist=lenient, store=store).items
    assert item.satisfied and "overridden by 'lee'" in item.detail
    # a SHIP decision is not enough when a monitor's alarm challenges it
    store.decisions.put(make_decision(r0, r1, decision_id="ship-2", minutes=5))
    assert workflows.check_launch("clf@1", checklist=strict, store=store).ready
    store.decisions.challenge("ship-2", {"monitor": "m", "watch": "accuracy"})
    (item,) = workflows.check_launch("clf@1", checklist=strict, store=store).items
    assert not item.satisfied and "challenges it" in item.detail


def _runs_with_slices(store: Store) -> tuple[str, str]:
    """Two logged runs of clf@1 on a small suite with a slice."""
    examples = [
        {"example_id": f"q{i}", "slices": {"lang": "en" if i % 2 else "de"}, "reference": "yes"}
        for i in range(20)
    ]
    suite = assay.make_suite(
        "carded", examples, metrics=[{"name": "accuracy", "scorer": "exact_match"}]
    )
    ids = []
    for wrong in (6, 3):
        outputs = [
            {"example_id": f"q{i}", "output": "no" if i < wrong else "yes"} for i in range(20)
        ]
        ids.append(assay.log_run(outputs, suite=suite, model="clf@1", store=store).run.run_id)
    return ids[0], ids[1]


def test_rollout_plans_and_model_cards(store: Store, tmp_path: Path) -> None:
    r0, r1 = _runs_with_slices(store)
    store.decisions.put(make_decision(r0, r1, decision_id="ship-1"))
    path = tmp_path / "c.yaml"
    path.write_text(
        "name: c\nevidence:\n  - {item: rollout, kind: rollout_plan}\n"
        "  - {item: card, kind: model_card}\n"
    )
    rollout, card = workflows.check_launch("clf@1", checklist=path, store=store).items
    assert not rollout.satisfied and "an arm named 'clf'" in rollout.detail
    assert not card.satisfied and "no current model card" in card.detail
    assert "assay card clf@1 --publish" in card.clear_by
    plan = {
        "name": "clf-rollout",
        "hypothesis": "clf lifts conversion",
        "primary_metric": "conversion",
        "arms": ["control", "clf"],
        "mde": 0.02,
    }
    workflows.record_experiment_plan(plan, store=store)
    workflows.model_card("clf@1", publish=True, store=store)
    rollout, card = workflows.check_launch("clf@1", checklist=path, store=store).items
    assert rollout.satisfied and rollout.found == ("clf-rollout",)
    assert card.satisfied and "a current model card" in card.detail
    # new evidence about the model makes the published card stale, and the item open again
    store.decisions.put(make_decision(r0, r1, decision_id="ship-2", minutes=9))
    (_, card) = workflows.check_launch("clf@1", checklist=path, store=store).items
    assert not card.satisfied and "no current model card" in card.detail
    assert "ship-2" in card.detail


def test_a_card_of_runs_without_their_slice_columns_is_refused(decided: Store) -> None:
    with pytest.raises(DataError, match="have no 'lang' column"):
        workflows.model_card("clf@1", publish=True, store=decided)
    assert decided.decisions.entries(kind="card") == []


def test_distinct_signers_can_be_turned_off(decided: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CHECKLIST + "distinct_signers: false\n")
    for item, role in (("safety-review", "safety"), ("privacy-review", "privacy")):
        workflows.sign_launch(
            item, model="clf@1", role=role, name="sam", checklist=path, store=decided
        )
    assert _status(decided, path)["privacy-review"] == "ok"
    assert load_checklist(path).roles == ("safety", "privacy")


def test_every_evidence_kind_has_a_check() -> None:
    from assay.governance import EVIDENCE_FIELDS
    from assay.workflows._launch_evidence import EVIDENCE_CHECKS

    assert sorted(EVIDENCE_CHECKS) == sorted(EVIDENCE_FIELDS)


def test_only_signoffs_whose_signature_verifies_count(
    decided: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CHECKLIST + "require_signed: true\n")
    sign = {"model": "clf@1", "checklist": path, "store": decided}
    workflows.sign_launch("privacy-review", role="privacy", name="bob", **sign)  # unsigned
    key = tmp_path / "alice.json"
    workflows.generate_key("alice", output=key, store=decided)
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(key))
    entry = workflows.sign_launch("safety-review", role="safety", **sign)
    assert entry.payload["name"] == "alice"
    assert _status(decided, path)["safety-review"] == "ok"
    items = workflows.check_launch("clf@1", checklist=path, store=decided).items
    assert "entry 2 is unsigned (signatures required)" in items[-1].detail
    # the same sign-off with another note, the signature copied: it does not count
    forged = {**entry.payload, "note": "added later", "name": "alice"}
    decided.decisions.record("signoff", "model:clf@1", forged)
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text(CHECKLIST)
    decided.decisions.record(
        "signoff",
        "model:clf@1",
        {**forged, "checklist": {"name": "clf-models", "digest": load_checklist(lenient).digest}},
    )
    (review,) = [
        i
        for i in workflows.check_launch("clf@1", checklist=lenient, store=decided).items
        if i.item == "safety-review"
    ]
    assert not review.satisfied and "does not verify" in review.detail


def test_a_signoff_signed_by_a_key_the_ledger_never_validly_registered_does_not_count(
    decided: Store, tmp_path: Path
) -> None:
    from assay.governance import new_signing_key, signature_of

    path = tmp_path / "c.yaml"
    path.write_text(CHECKLIST)
    made = new_signing_key("alice")
    # a key entry that is not signed by its key: verification rejects it, so must launch
    decided.decisions.record("key", "user:alice", {**made.public_entry(), "replaces": None})
    checklist = load_checklist(path)
    payload = {
        "model": "clf@1",
        "item": "safety-review",
        "role": "safety",
        "name": "alice",
        "note": "",
        "checklist": {"name": checklist.name, "digest": checklist.digest},
    }
    signature = signature_of(made, payload, kind="signoff", subject="model:clf@1")
    decided.decisions.record(
        "signoff", "model:clf@1", {**payload, "signature": signature.model_dump()}
    )
    assert _status(decided, path)["safety-review"] != "ok"
    assert not decided.decisions.verify().ok
