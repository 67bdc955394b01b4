"""Cards and datasheets of the Adult and sentiment evidence against golden files.

Ids, digests and times differ from store to store; they are replaced by numbered
placeholders (in order of first appearance) before comparing, and the machine block, whose
key order follows the ids, is shortened. ``ASSAY_UPDATE_GOLDEN=1`` rewrites the files.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from card_evidence import log_vader

import assay
from assay.workflows import model_card, suite_datasheet

GOLDEN = Path(__file__).parents[2] / "golden" / "governance"
UPDATE = os.environ.get("ASSAY_UPDATE_GOLDEN") == "1"
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")
_BLOCK = re.compile(r"<!-- assay:card\s.*?\s-->", re.DOTALL)

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")


def normalise(text: str, store: assay.Store, *models: str) -> str:
    """The text with what differs between stores replaced by stable placeholders."""
    known: set[str] = set()
    for run in assay.list_runs(store=store):
        text = text.replace(assay.get_run(run.run_id, store=store).manifest.code.describe, "CODE")
        known.add(run.run_id)
    known |= {d.decision_id for d in assay.list_decisions(store=store)}
    known |= {s.digest for s in assay.list_suites(store=store)}
    known |= {e.entry_hash for e in store.decisions.ledger()}
    for model in models:
        card = model_card(model, format="json", store=store).card
        known |= {card.digest, *card.evidence.values()}
    text = _BLOCK.sub("<!-- assay:card {…} -->", text)
    text = _TIME.sub("TIME", text)
    tokens = sorted(known | {k[:12] for k in known}, key=lambda k: (-len(k), k))
    pattern = re.compile("|".join(re.escape(t) for t in tokens))
    seen: dict[str, str] = {}
    return pattern.sub(lambda m: seen.setdefault(m[0], f"ID{len(seen) + 1}"), text)


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"{path} is missing; run with ASSAY_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{name} differs; rerun with ASSAY_UPDATE_GOLDEN=1"


@pytest.fixture()
def sentiment_store(home: Path, sentiment_sample) -> assay.Store:
    store = assay.open_store()
    assay.register_suite(sentiment_sample, store=store)
    log_vader(sentiment_sample, store)
    return store


def test_adult_card_and_datasheet(adult_store: assay.Store):
    card = model_card("income-rule@2.0", format="markdown", store=adult_store).text
    check("card_adult.md", normalise(card, adult_store, "income-rule@2.0"))
    sheet = suite_datasheet("adult-income", store=adult_store).text
    check("datasheet_adult.md", normalise(sheet, adult_store))


def test_sentiment_card_and_datasheet(sentiment_store: assay.Store):
    card = model_card("vader", format="hf", store=sentiment_store).text
    check("card_sentiment_README.md", normalise(card, sentiment_store, "vader"))
    sheet = suite_datasheet("sentiment", store=sentiment_store).text
    check("datasheet_sentiment.md", normalise(sheet, sentiment_store))
    # generating again from the same evidence gives the same bytes
    assert model_card("vader", format="hf", store=sentiment_store).text == card
