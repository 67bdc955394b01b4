"""A card file whose machine-made parts were edited by hand is not current, whatever its
evidence block says; its human sections may change freely."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import assay
from assay.cli import main
from assay.workflows import model_card, verify_card

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")

MODEL = "income-rule@2.0"
_NUMBER = re.compile(r"(?<![\w.])[+\u2212]?(\d+\.\d)(?:%| pts)")


def _bump(text: str, after: str) -> str:
    """``text`` with the first shown value after ``after`` (``86.7%``, ``+2.0 pts``) raised by
    7 points."""
    start = text.index(after)
    m = _NUMBER.search(text, start)
    assert m is not None
    return text[: m.start(1)] + f"{float(m[1]) + 7:.1f}" + text[m.end(1) :]


def _human(text: str, key: str, written: str) -> str:
    start = text.index("-->", text.index(f"<!-- assay:human section={key} ")) + 3
    end = text.index("<!-- /assay:human -->", start)
    return text[:start] + written + text[end:]


@pytest.mark.parametrize(
    ("fmt", "after", "part"),
    [
        ("markdown", "this minus other", "SHIP: income-rule@2.0 vs income-rule@1.0"),
        ("hf", "### Run", "Run "),
        ("html", "<h2>Metrics</h2>", "Run "),
    ],
)
def test_an_edited_number_shows_as_edited(
    adult_store: assay.Store, tmp_path: Path, fmt: str, after: str, part: str, capsys
):
    card = tmp_path / f"card.{fmt}"
    model_card(MODEL, format=fmt, out=card, store=adult_store)
    assert verify_card(MODEL, card=card, store=adult_store).current
    pre = "" if fmt == "html" else "\n"
    card.write_text(_human(card.read_text(), "caveats", f"{pre}Rules, not models.{pre}"))
    kept = verify_card(MODEL, card=card, store=adult_store)
    assert (kept.current, kept.edited) == (True, []), kept.reason
    card.write_text(_bump(card.read_text(), after))
    state = verify_card(MODEL, card=card, store=adult_store)
    assert not state.current and state.changes == []
    assert state.edited, state.reason
    assert len(state.edited) == 1 and state.edited[0].startswith(part), state.edited
    assert f"is not what the store gives in: {state.edited[0]}" in state.reason
    capsys.readouterr()
    assert main(["card", "verify", MODEL, "--card", str(card)]) == 1
    said = capsys.readouterr().out
    assert said.startswith("edited: ") and said.count("edited: ") == 1, said  # said once
    assert main(["card", "verify", MODEL, "--card", str(card), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["edited"] == state.edited


def test_an_edited_evidence_block_or_model_index_or_json_field_shows(
    adult_store: assay.Store, tmp_path: Path
):
    card = tmp_path / "README.md"
    model_card(MODEL, format="hf", out=card, store=adult_store)
    text = card.read_text()
    block = re.search(r"<!-- assay:card\s(.*?)\s-->", text, re.DOTALL)
    assert block is not None
    number = re.compile(r"(?<=\[)(\d\.\d+)")  # the first estimate in "values"
    start = block[1].index('"values"')
    m = number.search(block[1], start)
    assert m is not None
    bumped = block[1][: m.start()] + repr(float(m[1]) + 0.07) + block[1][m.end() :]
    card.write_text(text.replace(block[1], bumped))
    assert verify_card(MODEL, card=card, store=adult_store).edited == [
        "the <!-- assay:card --> block"
    ]
    index = text.index("model-index:")
    value = re.compile(r"(value: )(\d\.\d+)").search(text, index)
    assert value is not None
    card.write_text(text[: value.start(2)] + repr(float(value[2]) + 0.07) + text[value.end(2) :])
    assert verify_card(MODEL, card=card, store=adult_store).edited == [
        "YAML metadata (model-index)"
    ]
    # the digest shown under Evidence is machine-made too
    digest = block[1].split('"card_digest": "')[1][:64]
    edited = text.replace(f"Card digest: `{digest}`", f"Card digest: `{'0' * 64}`")
    card.write_text(edited)
    assert verify_card(MODEL, card=card, store=adult_store).edited == ["Evidence"]
    as_json = tmp_path / "card.json"
    model_card(MODEL, format="json", out=as_json, store=adult_store)
    body = json.loads(as_json.read_text())
    body["human"][-1]["text"] = "Edited by a person."
    assert verify_card(MODEL, card=_write(as_json, body), store=adult_store).current
    body["decisions"][0]["differences"][0]["estimate"] += 0.07
    state = verify_card(MODEL, card=_write(as_json, body), store=adult_store)
    assert (state.current, state.edited) == (False, ["decisions"])


def _write(path: Path, body: object) -> Path:
    path.write_text(json.dumps(body))
    return path


def test_hostile_edits_are_named_or_refused_never_a_crash(adult_store: assay.Store):
    """Seeded random edits of every format (bytes inserted, deleted, markers and the block
    broken): the comparison names parts or the parser refuses the file, nothing else."""
    import random

    from assay.errors import DataError
    from assay.governance import parse_card_text
    from assay.workflows._card_edits import machine_edits

    rng = random.Random(3)
    pieces = ["<!-- assay:card {} -->", "<!-- /assay:human -->", "\x00\x1b[31m", "## ", "<h2>"]
    pieces += ["---\n", "{", "😀", "\n\n", "0.9999"]
    for fmt in ("hf", "markdown", "html", "json"):
        result = model_card(MODEL, format=fmt, store=adult_store)
        for _ in range(60):
            text = result.text
            at = rng.randrange(len(text))
            if rng.random() < 0.5:
                text = text[:at] + rng.choice(pieces) + text[at:]
            else:
                text = text[:at] + text[at + rng.randrange(1, 40) :]
            try:
                parsed = parse_card_text(text, source="card")
            except DataError:
                continue
            digest = parsed.block.get("card_digest") if parsed.block else None
            edits = machine_edits(text, result.card, digest, parsed.layout)
            assert isinstance(edits, list) and all(isinstance(e, str) for e in edits)
