"""The card's evidence block reads as one evidence digest or one metric per line, is read
back exactly as the card's evidence and values, and ``card verify`` holds it to the byte: a
regenerated card writes it identically, and a reformatted one is an edit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import assay
from assay.governance import CARD_LAYOUT, parse_card_text
from assay.workflows import model_card, verify_card

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")

MODEL = "income-rule@2.0"
_BLOCK = re.compile(r"<!-- assay:card\n(.*?)\n-->", re.DOTALL)


@pytest.mark.parametrize("fmt", ["markdown", "hf", "html"])
def test_the_block_is_readable_and_read_back_exactly(
    adult_store: assay.Store, tmp_path: Path, fmt: str
) -> None:
    card = tmp_path / f"card.{fmt}"
    written = model_card(MODEL, format=fmt, out=card, store=adult_store)
    text = card.read_text(encoding="utf-8")
    found = _BLOCK.search(text)
    assert found is not None
    lines = found[1].splitlines()
    block = parse_card_text(text, source=str(card)).block
    assert block is not None
    # one line per evidence digest and per metric value, plus the braces and three scalars
    assert len(lines) == len(block["evidence"]) + len(block["values"]) + 9
    assert block["layout"] == CARD_LAYOUT
    assert max(len(line) for line in lines) < 200
    assert block["evidence"] == written.card.evidence
    assert block["values"] == {k: list(v) for k, v in written.card.metric_values().items()}
    again = tmp_path / f"again.{fmt}"
    model_card(MODEL, format=fmt, out=again, store=adult_store)
    assert _BLOCK.search(again.read_text(encoding="utf-8"))[0] == found[0]  # type: ignore[index]
    assert verify_card(MODEL, card=card, store=adult_store).current
    # the same JSON laid out on one line parses the same but is not what the store writes
    flat = text.replace(found[1], " ".join(line.strip() for line in lines))
    assert parse_card_text(flat, source=str(card)).block == block
    card.write_text(flat, encoding="utf-8")
    state = verify_card(MODEL, card=card, store=adult_store)
    assert state.edited == ["the <!-- assay:card --> block"]
