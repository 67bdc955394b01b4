"""Hostile text in suites and human sections is shown, never obeyed."""

from __future__ import annotations

import json
from pathlib import Path

import assay
from assay.cli import main
from assay.data import make_suite
from assay.workflows import model_card, suite_datasheet

HOSTILE = "<script>alert(1)</script>\x1b[2J\u202eevil\x07"


def _hostile_store() -> assay.Store:
    examples = [
        {
            "example_id": f"e{i}",
            "slices": {"group": "<img src=x onerror=alert(1)>" if i % 2 else "\x1b]8;;x\x07a"},
            "input": f"text {i} {HOSTILE}",
            "reference": "yes",
        }
        for i in range(12)
    ]
    data = make_suite(
        "hostile",
        examples,
        description=HOSTILE,
        metrics=[{"name": "accuracy", "scorer": "exact_match"}],
        slices=[{"name": "group"}],
        catalog={"purpose": HOSTILE, "known_limits": [HOSTILE], "source": HOSTILE},
    )
    store = assay.open_store()
    assay.register_suite(data, store=store)
    records = [{"example_id": f"e{i}", "output": "yes" if i % 3 else "no"} for i in range(12)]
    assay.log_run(records, suite=data, model="m@1", store=store)
    return store


def _inert(text: str) -> None:
    assert "<script" not in text and "<img" not in text
    assert not any(c in text for c in "\x1b\x07\u202e")


def test_html_card_and_datasheet_escape_hostile_text(home: Path):
    store = _hostile_store()
    card = model_card("m@1", format="html", store=store).text
    _inert(card)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card and "&lt;img src=x" in card
    assert "<link" not in card and "http" not in card.replace("http-equiv", "")
    sheet = suite_datasheet("hostile", format="html", store=store).text
    _inert(sheet)
    assert "&lt;script&gt;" in sheet


def test_markdown_and_json_forms_neutralise_control_characters(home: Path):
    store = _hostile_store()
    _inert(model_card("m@1", format="markdown", store=store).text)
    # the Hugging Face metadata holds the names as YAML data (control characters escaped);
    # the Markdown body after it is inert
    readme = model_card("m@1", format="hf", store=store).text
    metadata, body = readme.split("\n---\n", 1)
    assert not any(c in metadata for c in "\x1b\x07\u202e")
    _inert(body)
    _inert(suite_datasheet("hostile", store=store).text)
    raw = model_card("m@1", format="json", store=store).text
    assert not any(c in raw for c in "\x1b\x07\u202e")
    # JSON escapes keep the data exact
    assert json.loads(raw)["suites"][0]["description"] == HOSTILE


def test_hostile_human_text_in_html_stays_text(home: Path, tmp_path: Path):
    store = _hostile_store()
    previous = tmp_path / "card.json"
    card = json.loads(model_card("m@1", format="json", store=store).text)
    card["human"][1]["text"] = "</pre><script>alert(2)</script>"
    previous.write_text(json.dumps(card))
    html = model_card("m@1", format="html", previous=previous, store=store).text
    _inert(html)
    assert "&lt;/pre&gt;&lt;script&gt;alert(2)" in html
    # the escaped page is read back to the same text
    out = tmp_path / "card.html"
    out.write_text(html)
    again = model_card("m@1", format="json", previous=out, store=store)
    assert again.card.human[1].text == "</pre><script>alert(2)</script>"


def test_cli_card_and_datasheet(home: Path, tmp_path: Path, capsys):
    _hostile_store()
    assert main(["card", "m@1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "m@1" and out["published"] is None and "card" in out
    assert main(["card", "m@1", "--publish", "--out", str(tmp_path / "c.md")]) == 0
    text = capsys.readouterr().out
    assert "published: ledger entry" in text and (tmp_path / "c.md").exists()
    assert main(["card", "verify", "m@1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["current"] is True
    assert main(["suites", "datasheet", "hostile", "--json"]) == 0
    sheet = json.loads(capsys.readouterr().out)
    assert sheet["facts"]["n_examples"] == 12
    assert main(["suites", "datasheet", "nothing-here"]) == 8
    assert main(["card", "a", "b", "c"]) == 64
