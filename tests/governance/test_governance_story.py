"""The governance story end to end, on real Adult runs and VADER on the sentiment
sentences, with signing keys configured: a study registered, runs attached, a deviation flagged
in a decision's verdict and memo, a futility stop; a launch checklist NOT READY until a safety
run, two sign-offs by two people in two roles and a current model card exist; the card edited
by hand, shown stale when evidence changes, regenerated with the human part kept; every signed
entry verified and a forged one rejected; a truncated ledger found with the exported head."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from adult_runs import adult_subset, log_adult_run, write_study
from card_evidence import log_vader

import assay
from assay import workflows
from assay.cli import main
from assay.core import canonical_json
from assay.errors import AssayWarning, ConfigError, UnderpoweredWarning
from assay.governance import new_signing_key, signature_of
from assay.storage._ledger import entry_hash

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")

MODEL = "income-logreg@2"
CHECKLIST = """\
name: income-models
models: ["income-logreg*"]
evidence:
  - {item: ship-decision, kind: decision, policy: default}
  - {item: safety-run, kind: safety_run, owner: fairness team}
  - {item: card, kind: model_card}
signoffs:
  - {item: safety-review, role: safety}
  - {item: product-review, role: product}
"""
INTENDED_USE = "Income screening research only; never for credit decisions."
SENTIMENT_N = 160


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _missing(store: assay.Store) -> list[str]:
    return [i.item for i in workflows.check_launch(MODEL, store=store).missing]


def _edit(path: Path, key: str, text: str) -> None:
    """Write ``text`` into the human section ``key`` of a card, as a person would."""
    body = path.read_text()
    start = body.index("-->", body.index(f"<!-- assay:human section={key} ")) + 3
    end = body.index("<!-- /assay:human -->", start)
    path.write_text(body[:start] + "\n" + text + "\n" + body[end:])


def _as(monkeypatch: pytest.MonkeyPatch, key: Path) -> None:
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(key))


def _forge(db: Path, sequence: int) -> None:
    """Replace the signature of entry ``sequence`` by one another key made over the same
    payload, keeping the signer's name and fingerprint, and re-hash the chain from there, as
    someone who can write the database could."""
    mallory = new_signing_key("bob")
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT * FROM ledger ORDER BY sequence")).mappings().all()
        previous = "0" * 64
        for row in rows:
            payload: dict[str, Any] = json.loads(row["payload"])
            if row["sequence"] == sequence:
                genuine = payload["signature"]
                forged = signature_of(
                    mallory, payload, kind=row["kind"], subject=row["decision_id"]
                ).model_dump(mode="json")
                payload["signature"] = {**forged, "fingerprint": genuine["fingerprint"]}
                assert forged["value"] != genuine["value"]
            new = entry_hash(row["sequence"], row["decision_id"], row["kind"], payload, previous)
            conn.execute(
                sa.text(
                    "UPDATE ledger SET payload = :p, previous_hash = :ph, entry_hash = :h "
                    "WHERE sequence = :s"
                ),
                {"p": canonical_json(payload), "ph": previous, "h": new, "s": row["sequence"]},
            )
            previous = new
    engine.dispose()


def _studies(store: assay.Store, tmp_path: Path, capsys) -> str:
    """A study registered, runs attached, a decision with a deviation, a futility stop;
    returns the decision's id."""
    suite = adult_subset()
    assay.register_suite(suite, store=store)
    n = suite.suite.n_examples
    # registered before any run, frozen with its digest; 5,000 examples stated, 1,200 exist
    # the default policy ships on non-inferiority, weaker than the registered effect: said
    with (
        pytest.warns(AssayWarning, match="the effect that matters"),
        pytest.warns(UnderpoweredWarning) as notes,
    ):
        registration, entry = workflows.register_study(
            write_study(tmp_path, "income-retrain", stated=5000, stopping="fixed"), store=store
        )
    said = " ".join(str(w.message) for w in notes)
    assert "underpowered" in said and f"more than its suites hold ({n:,})" in said
    assert entry.payload["digest"] == registration.digest()
    assert entry.payload["signature"]["signer"] == "alice"
    assert workflows.study_status("income-retrain", store=store).state == "planned"

    # runs attached: the first is the baseline
    baseline = log_adult_run(store, "income-logreg@1", flip=0.10, seed=1)
    candidate = log_adult_run(store, MODEL)
    workflows.attach_to_study("income-retrain", run=baseline, store=store)
    workflows.attach_to_study("income-retrain", run=candidate, store=store)
    status = workflows.study_status("income-retrain", store=store)
    assert (status.state, status.runs) == ("running", [baseline, candidate])
    assert status.evidence is not None and status.evidence["n"] == n

    # the decision on the study flags its deviation in the verdict and the memo
    record = workflows.decide(
        baseline, candidate, study="income-retrain", output=tmp_path / "memo", store=store
    )
    assert record.verdict.verdict.value == "SHIP"
    flagged = [r.rule for r in record.verdict.rules if r.kind == "deviation"]
    assert flagged == ["study_deviation_sample_size", "study_deviation_weak_policy"]
    summary = record.verdict.summary
    assert "2 deviations from the registered plan (sample size, weak policy)" in summary
    # the candidate is 6 points better, above the registered +1 point: the hypothesis holds
    assert summary.endswith("Hypothesis supported.")
    memo = (tmp_path / "memo" / "memo.md").read_text(encoding="utf-8")
    assert f"{n:,} paired examples read, 24% of the planned 5,000" in memo
    decided = workflows.study_status("income-retrain", store=store)
    assert decided.state == "decided" and decided.outcome == "SHIP"
    assert decided.decisions == [record.decision.decision_id]

    # a futility stop: a second study, whose candidate is clearly worse, killed on it
    with (
        pytest.warns(AssayWarning, match="the effect that matters"),
        pytest.warns(UnderpoweredWarning, match="more than its suites hold"),
    ):
        workflows.register_study(write_study(tmp_path, "income-compact"), store=store)
    compact = log_adult_run(store, "income-logreg-compact@1", flip=0.12, seed=3)
    workflows.attach_to_study("income-compact", run=candidate, store=store)
    workflows.attach_to_study("income-compact", run=compact, store=store)
    code, out = _cli(capsys, "study", "status", "income-compact", "--json")
    stopped = json.loads(out)
    assert code == 0 and stopped["state"] == "running" and stopped["outcome"] == "stop"
    assert stopped["futility"]["high"] < 0.01 and stopped["futility"]["n"] == n
    assert "even the upper bound" in stopped["futility"]["message"]
    workflows.kill_study("income-compact", reason="futility stop", store=store)
    code, out = _cli(capsys, "studies", "--json")
    roadmap = {s["name"]: s for s in json.loads(out)["items"]}
    assert code == 0 and set(roadmap) == {"income-retrain", "income-compact"}
    assert (roadmap["income-retrain"]["state"], roadmap["income-retrain"]["outcome"]) == (
        "decided",
        "SHIP",
    )
    assert roadmap["income-compact"]["state"] == "killed"
    assert roadmap["income-compact"]["outcome"] == "killed: futility stop"
    return record.decision.decision_id


def _launch(store: assay.Store, tmp_path: Path, capsys, monkeypatch, keys: Path) -> str:
    """NOT READY until a safety run, two sign-offs and a current card; the card edited,
    stale after new evidence, regenerated with the human part kept; returns the safety run."""
    (tmp_path / "launch").mkdir()
    (tmp_path / "launch" / "income.yaml").write_text(CHECKLIST)
    code, out = _cli(capsys, "launch", "check", MODEL)
    assert code == 1
    assert "NOT READY: 4 of 5 items missing (safety-run, card, safety-review, product-review)" in (
        " ".join(out.split())
    )
    assert _missing(store) == ["safety-run", "card", "safety-review", "product-review"]

    readme = tmp_path / "card" / "README.md"
    code, out = _cli(capsys, "card", MODEL, "--format", "hf", "--out", str(readme), "--publish")
    assert code == 0 and readme.exists()
    (published,) = store.decisions.entries(kind="card")
    assert published.decision_id == f"model:{MODEL}"
    assert published.payload["signature"]["signer"] == "alice"
    assert _missing(store) == ["safety-run", "safety-review", "product-review"]

    # two sign-offs, by two people in two roles; refusals record nothing
    workflows.sign_launch("safety-review", model=MODEL, role="safety", store=store)
    before = len(store.decisions.ledger())
    with pytest.raises(ConfigError, match="needs a different person"):
        workflows.sign_launch("product-review", model=MODEL, role="product", store=store)
    with pytest.raises(ConfigError, match="knows no role 'legal'"):
        workflows.sign_launch("product-review", model=MODEL, role="legal", store=store)
    assert len(store.decisions.ledger()) == before
    _as(monkeypatch, keys / "bob.json")
    signoff = workflows.sign_launch("product-review", model=MODEL, role="product", store=store)
    assert signoff.payload["signature"]["signer"] == "bob"
    _as(monkeypatch, keys / "alice.json")
    assert _missing(store) == ["safety-run"]

    # the safety run: the model on a second sample of census rows, marked as a safety run
    audit = adult_subset(600, version="fairness-audit")
    assay.register_suite(audit, store=store)
    safety = log_adult_run(store, MODEL, suite=audit)
    assert _cli(capsys, "runs", "tag", safety, "purpose=safety")[0] == 0

    # ... is new evidence: the card, edited by hand meanwhile, is stale, and launch says so
    _edit(readme, "intended_use", INTENDED_USE)
    code, out = _cli(capsys, "card", "verify", MODEL)
    assert code == 1 and f"run {safety[:12]} added" in " ".join(out.split())
    assert _missing(store) == ["card"]
    regenerated = workflows.model_card(
        MODEL, format="hf", previous=readme, out=readme, publish=True, store=store
    )
    assert {s.key: s.text for s in regenerated.card.human}["intended_use"] == INTENDED_USE
    assert f"run {safety[:12]} added" in regenerated.changes.lines()
    assert "human sections kept: intended_use" in regenerated.changes.lines()
    assert INTENDED_USE in readme.read_text()
    assert _cli(capsys, "card", "verify", MODEL, "--card", str(readme))[0] == 0
    return safety


def _sentiment(store: assay.Store, tmp_path: Path, capsys) -> None:
    """VADER's card and the sentiment suite's datasheet: their numbers are the store's."""
    from huggingface_hub import ModelCard

    from assay.datasets import load_sentiment_corpus, sentiment_split, sentiment_suite

    test = sentiment_split(load_sentiment_corpus())[1]
    data = sentiment_suite(test.sample(n=SENTIMENT_N, random_state=0).sort_values("id"))
    assay.register_suite(data, store=store)
    run = log_vader(data, store).run
    readme = tmp_path / "vader" / "README.md"
    workflows.model_card("vader@3.3.2", format="hf", out=readme, publish=True, store=store)
    results = ModelCard.load(readme).data.eval_results
    frame = store.runs.records(run.run_id).to_pandas()
    overall = run.metrics["accuracy"]
    by_slice = {r.dataset_config: r for r in results}
    assert set(by_slice) == {None} | {
        f"{a}={v}" for a in data.suite.slice_names for v in frame[a].unique()
    }
    assert by_slice[None].metric_value == overall.estimate
    assert by_slice[None].metric_args["low"] == overall.low
    for config, result in by_slice.items():
        if config is None:
            continue
        attribute, value = config.split("=")
        scores = frame.loc[frame[attribute] == value, "accuracy"]
        assert result.metric_args["n"] == len(scores)
        assert result.metric_value == pytest.approx(scores.mean(), abs=1e-12)
    code, out = _cli(capsys, "suites", "datasheet", "sentiment", "--format", "json")
    sheet = json.loads(out)
    examples = data.examples.to_pandas()
    assert code == 0 and sheet["facts"]["n_examples"] == SENTIMENT_N
    domains = next(s for s in sheet["facts"]["slices"] if s["attribute"] == "domain")
    assert domains["counts"] == examples["domain"].value_counts().to_dict()
    assert sheet["facts"]["licence"] == "MIT" and sheet["models"] == ["vader@3.3.2"]


def _ledger(store: assay.Store, home: Path, tmp_path: Path, capsys, forge: int) -> None:
    """Every signed entry verified, a forged one rejected, a truncated chain found."""
    ledger = store.decisions.ledger()
    kinds = Counter(e.kind for e in ledger)
    assert kinds == {
        "key": 2,
        "study": 2,
        "study_event": 6,  # 4 runs and 1 decision attached, 1 kill
        "decision": 1,
        "signoff": 2,
        "card": 3,
    }
    assert all(e.payload.get("signature") for e in ledger)
    verification = workflows.verify_ledger(store=store)
    assert verification.ok and verification.entries == len(ledger)
    note = f"signatures: {len(ledger)} signed entries checked against 2 registered keys, 0 unsigned"
    assert note in verification.notes
    code, out = _cli(capsys, "ledger", "verify")
    assert code == 0 and note in " ".join(out.split())

    # a forged signature, written into a copy of the store, is rejected
    copy = tmp_path / "copy"
    shutil.copytree(home, copy)
    _forge(copy / "assay.db", forge)
    forged_store = assay.open_store(f"sqlite:///{copy / 'assay.db'}", artifacts=str(copy))
    forged = workflows.verify_ledger(store=forged_store)
    assert not forged.ok and forged.first_bad_sequence == forge
    assert f"the signature of entry {forge} by 'bob' does not match its payload" in forged.reason
    assert [i.item for i in workflows.check_launch(MODEL, store=forged_store).missing] == [
        "product-review"
    ]
    forged_store.close()

    # a truncated ledger, found with the exported head
    exported = workflows.export_ledger(tmp_path / "ledger.jsonl", store=store)
    assert exported.entries == len(ledger) and exported.head == ledger[-1].entry_hash
    assert workflows.verify_ledger_file(exported.path, head=exported.head).ok
    kept = len(ledger) - 2  # the two newest: VADER's card and the regenerated income card
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM ledger WHERE sequence > :s"), {"s": kept})
    assert workflows.verify_ledger(store=store).ok  # the chain alone cannot tell
    cut = workflows.verify_ledger(head=exported.head, store=store)
    assert not cut.ok and cut.first_bad_sequence == kept + 1
    assert "removed from its end" in cut.reason
    code, out = _cli(capsys, "ledger", "verify", "--head", exported.head)
    assert code == 5 and "removed from its end" in " ".join(out.split())
    # the newest card left in the ledger is the stale one: not ready again
    assert _missing(store) == ["card"]


@pytest.mark.slow
def test_the_governance_story(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    store = assay.open_store()
    keys = tmp_path / "keys"
    workflows.generate_key("alice", output=keys / "alice.json", store=store)
    workflows.generate_key("bob", output=keys / "bob.json", store=store)
    _as(monkeypatch, keys / "alice.json")

    decision = _studies(store, tmp_path, capsys)
    safety = _launch(store, tmp_path, capsys, monkeypatch, keys)
    code, out = _cli(capsys, "launch", "check", MODEL, "--json")
    ready = json.loads(out)
    assert code == 0 and ready["status"] == "READY" and ready["missing"] == []
    found = {i["item"]: i["found"] for i in ready["items"]}
    assert found["ship-decision"] == [decision] and found["safety-run"] == [safety]
    (bob,) = [e for e in store.decisions.entries(kind="signoff") if e.payload["name"] == "bob"]

    _sentiment(store, tmp_path, capsys)
    _ledger(store, home, tmp_path, capsys, forge=bob.sequence)
    store.close()
