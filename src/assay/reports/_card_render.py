"""A model card or a datasheet in the format asked for."""

from __future__ import annotations

import json

from assay._util import check_choice
from assay.core import escape_json
from assay.governance import CARD_FORMATS, ModelCard
from assay.reports._card_html import render_card_html
from assay.reports._card_markdown import render_card_markdown

__all__ = ["card_json", "render_card"]


def card_json(card: ModelCard) -> dict[str, object]:
    """The card as JSON: its facts, ``card_digest``, ``values`` (every number by key) and
    ``human`` sections, each with ``"written_by": "person"``."""
    body = card.model_dump(mode="json")
    body["human"] = [{**h, "written_by": "person"} for h in body["human"]]
    return {
        "format": "assay-model-card",
        "card_digest": card.digest,
        **body,
        "values": card.metric_values(),
    }


def render_card(card: ModelCard, format: str) -> str:
    """``card`` as ``hf`` (a Hugging Face README.md), ``markdown``, ``html`` or ``json``."""
    check_choice(format, "format", "render_card", list(CARD_FORMATS))
    if format == "json":
        return escape_json(json.dumps(card_json(card), indent=2, ensure_ascii=False)) + "\n"
    if format == "html":
        return render_card_html(card)
    return render_card_markdown(card, hf=format == "hf")
