"""A card generated, edited by hand, regenerated after new evidence, shown stale; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from card_evidence import log_rule

import assay
from assay.cli import main
from assay.errors import DataError, NotFoundError
from assay.workflows import card_state, model_card, verify_card

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")

MODEL = "income-rule@2.0"


def _edit(path: Path, key: str, text: str) -> None:
    body = path.read_text()
    start = body.index(f"<!-- assay:human section={key} ")
    start = body.index("-->", start) + 3
    end = body.index("<!-- /assay:human -->", start)
    path.write_text(body[:start] + "\n" + text + "\n" + body[end:])


@pytest.mark.parametrize("fmt", ["markdown", "hf", "html", "json"])
def test_human_sections_survive_regeneration_in_every_format(
    adult_store: assay.Store, tmp_path: Path, fmt: str
):
    first = tmp_path / f"card.{fmt}"
    model_card(MODEL, format=fmt, out=first, store=adult_store)
    hostile = "Only for <b>demos</b>.\nNot for credit decisions \x1b[2J — ask the owner."
    if fmt == "json":
        card = json.loads(first.read_text())
        card["human"][0]["text"] = hostile
        card["human"].append({"key": "owners", "title": "Owners", "text": "team income"})
        first.write_text(json.dumps(card))
    elif fmt == "html":
        _edit(first, "intended_use", '<pre class="human">Only for &lt;b&gt;demos&lt;/b&gt;.</pre>')
        hostile = "Only for <b>demos</b>."
    else:
        _edit(first, "intended_use", hostile)
    again = model_card(MODEL, format=fmt, previous=first, store=adult_store)
    kept = {s.key: s.text for s in again.card.human}
    assert kept["intended_use"] == hostile
    assert "intended_use" in again.changes.human_kept
    assert "no evidence changed since the previous card" in again.changes.lines()
    if fmt == "json":
        assert kept["owners"] == "team income"
    if fmt == "html":
        assert "<b>demos" not in again.text and "Only for &lt;b&gt;demos&lt;/b&gt;." in again.text


def test_edit_then_new_run_then_stale(adult_store: assay.Store, adult_sample, tmp_path: Path):
    card = tmp_path / "README.md"
    published = model_card(MODEL, format="hf", out=card, publish=True, store=adult_store)
    assert published.entry is not None and published.entry.kind == "card"
    assert published.entry.decision_id == f"model:{MODEL}"
    assert published.entry.payload["card_digest"] == published.card.digest
    state = card_state(MODEL, store=adult_store)
    assert (state.present, state.current) == (True, True)
    _edit(card, "caveats", "Rules, not learned models: expect drift to hurt.")
    # new evidence: the same model run again on a smaller version of the suite
    from card_evidence import rebuild

    smaller = rebuild(adult_sample, 120, "adult-income-small")
    assay.register_suite(smaller, store=adult_store)
    new = log_rule(smaller, MODEL, "v2", adult_store).run
    stale = card_state(MODEL, store=adult_store)
    assert (stale.present, stale.current) == (True, False)
    assert f"run {new.run_id[:12]} added" in stale.reason
    regenerated = model_card(MODEL, format="hf", previous=card, out=card, store=adult_store)
    assert {s.key: s.text for s in regenerated.card.human}["caveats"] == (
        "Rules, not learned models: expect drift to hurt."
    )
    lines = regenerated.changes.lines()
    assert f"run {new.run_id[:12]} added" in lines
    assert "human sections kept: caveats" in lines
    assert verify_card(MODEL, card=card, store=adult_store).current
    assert main(["card", "verify", MODEL, "--card", str(card)]) == 0


def test_stale_after_a_new_decision_and_after_a_record_file_changes(
    adult_store: assay.Store, adult_sample, home: Path
):
    model_card(MODEL, publish=True, store=adult_store)
    assert card_state(MODEL, store=adult_store).current
    (run,) = assay.list_runs(model=MODEL, store=adult_store)
    (base,) = assay.list_runs(model="income-rule@1.0", store=adult_store)
    # the same comparison against the candidate as baseline: a new decision
    assay.decide(run.run_id, base.run_id, output=home / "r2", store=adult_store)
    state = verify_card(MODEL, store=adult_store)
    assert not state.current and "decision" in state.reason and "added" in state.reason
    assert main(["card", "verify", MODEL]) == 1
    model_card(MODEL, publish=True, store=adult_store)
    assert card_state(MODEL, store=adult_store).current
    files = sorted(home.rglob(f"*{run.run_id}*.parquet"))
    assert files, list(home.rglob("*.parquet"))
    with files[0].open("ab") as handle:
        handle.write(b"\0")
    state = card_state(MODEL, store=adult_store)
    assert not state.current and f"run {run.run_id[:12]} record file changed" in state.reason


def test_no_card_and_no_evidence(adult_store: assay.Store, tmp_path: Path, capsys):
    state = card_state(MODEL, store=adult_store)
    assert (state.present, state.current) == (False, False) and "no card" in state.reason
    out = tmp_path / "card.md"
    before = adult_store.decisions.ledger()
    with pytest.raises(NotFoundError, match="No complete run of model 'nobody@1'"):
        model_card("nobody@1", out=out, publish=True, store=adult_store)
    assert main(["card", "nobody@1", "--out", str(out), "--publish"]) == 8
    assert main(["card", "bad model name"]) == 4
    assert not out.exists() and adult_store.decisions.ledger() == before  # nothing recorded
    # verifying is not found too, not "stale" with a suggestion that fails in turn
    with pytest.raises(NotFoundError, match=r"No complete run of model 'nobody@1' .*no card"):
        verify_card("nobody@1", store=adult_store)
    capsys.readouterr()
    assert main(["card", "verify", "nobody@1", "--json"]) == 8
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "NotFoundError" and "no card to verify" in error["message"]
    assert "--publish" not in error["message"]
    assert main(["card", "verify", MODEL]) == 1  # runs, but no card yet: that is a gap
    assert "no card" in capsys.readouterr().out
    assert adult_store.decisions.entries(kind="card") == []


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "# c\n<!-- assay:human section=intended_use -->\nno end\n",
            "line 2, column 1: .*not closed",
        ),
        ("<!-- assay:human section=Bad -->x<!-- /assay:human -->", "line 1, column 18"),
        ("a\n\n<!-- /assay:human -->", "line 3, column 1: a closing marker"),
        (
            "<!-- assay:human section=a -->1<!-- /assay:human -->"
            "<!-- assay:human section=a -->2<!-- /assay:human -->",
            "appears twice",
        ),
        ("<!-- assay:card {not json} -->", "is not JSON"),
        ("<!-- assay:script -->", "unknown marker"),
        ('{"human": [{"key": "x"}]}', r"human\[0\] needs"),
        pytest.param("{" + '"a":[' * 100_000, "not a JSON card", id="deeply-nested-json"),
    ],
)
def test_a_malformed_previous_card_writes_nothing(
    adult_store: assay.Store, tmp_path: Path, text: str, match: str
):
    previous, out = tmp_path / "previous.md", tmp_path / "card.md"
    previous.write_text(text)
    with pytest.raises(DataError, match=match):
        model_card(MODEL, previous=previous, out=out, publish=True, store=adult_store)
    assert not out.exists() and adult_store.decisions.entries(kind="card") == []
    assert main(["card", MODEL, "--previous", str(previous), "--out", str(out)]) == 3


def test_a_huge_previous_card_is_refused(adult_store: assay.Store, tmp_path: Path):
    previous, out = tmp_path / "huge.md", tmp_path / "card.md"
    with previous.open("w") as handle:
        handle.write("x" * (17 * 1024 * 1024))
    with pytest.raises(DataError, match="larger than a card can be"):
        model_card(MODEL, previous=previous, out=out, store=adult_store)
    assert not out.exists()


def test_change_summary_names_numbers_that_moved(adult_store: assay.Store):
    from assay.governance import card_changes, parse_card_text

    result = model_card(MODEL, format="markdown", store=adult_store)
    block = parse_card_text(result.text, source="card.md").block
    assert block is not None
    runs = {r.run_id for r in result.card.runs}
    key = next(k for k in block["values"] if k.split("|")[0] in runs)  # a run's accuracy
    block["values"][key] = [0.5, 0.4, 0.6]
    del block["evidence"][next(k for k in block["evidence"] if k.startswith("decision:"))]
    changes = card_changes(block, result.card.human, result.card)
    lines = changes.lines()
    # in the product's format: a proportion in percent, as the card's tables show it
    assert any(line.startswith(f"moved: {key}: 50.0% [40.0%, 60.0%] -> ") for line in lines)
    assert any(line.startswith("decision ") and line.endswith(" added") for line in lines)
    # a previous card without the block: said so, not "nothing changed"
    unknown = card_changes(None, result.card.human, result.card).lines()
    assert any("changes unknown" in line for line in unknown)
    assert "no evidence changed since the previous card" not in unknown


def test_metadata_a_person_adds_to_the_readme_is_kept(adult_store: assay.Store, tmp_path: Path):
    from huggingface_hub import ModelCard

    readme = tmp_path / "README.md"
    model_card(MODEL, format="hf", out=readme, store=adult_store)
    text = readme.read_text()
    readme.write_text(
        text.replace("tags:\n", "license: apache-2.0\nlanguage:\n- en\ntags:\n- census\n", 1)
    )
    again = model_card(MODEL, format="hf", previous=readme, out=readme, store=adult_store)
    assert again.card.metadata["license"] == "apache-2.0"
    data = ModelCard.load(readme).data
    assert data.license == "apache-2.0" and data.language == ["en"]
    assert data.tags == ["assay", "model-card", "census"]
    assert data.eval_results and data.model_name == MODEL
    # published, the metadata comes back from the ledger's stored card too
    model_card(MODEL, format="hf", previous=readme, publish=True, store=adult_store)
    assert model_card(MODEL, format="json", store=adult_store).card.metadata["license"] == (
        "apache-2.0"
    )
    readme.write_text("---\nlicense: [unclosed\n---\n# card\n")
    with pytest.raises(DataError, match=r"README\.md, line 2"):
        model_card(MODEL, format="hf", previous=readme, store=adult_store)


def test_a_card_that_cannot_be_published_leaves_no_file(
    adult_store: assay.Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    from assay import workflows

    key = tmp_path / "keys" / "alice.json"
    workflows.generate_key("alice", output=key, store=adult_store)
    monkeypatch.setenv("ASSAY_SIGNING_KEY", str(key))
    key.chmod(0o644)
    out = tmp_path / "cards" / "README.md"
    before = len(adult_store.decisions.entries())
    assert main(["card", MODEL, "--format", "hf", "--out", str(out), "--publish"]) == 4
    assert "can be read by others" in capsys.readouterr().err
    assert not out.exists() and list(out.parent.iterdir()) == []
    assert len(adult_store.decisions.entries()) == before
    # an --out that cannot be written is refused before anything is recorded
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    key.chmod(0o600)
    assert main(["card", MODEL, "--out", str(blocker / "README.md"), "--publish"]) != 0
    assert len(adult_store.decisions.entries()) == before
    assert main(["card", MODEL, "--out", str(out), "--publish"]) == 0
    assert out.exists() and len(adult_store.decisions.entries()) == before + 1
