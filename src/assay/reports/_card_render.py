"""A model card or a datasheet in the format asked for."""

from __future__ import annotations

import json

from assay._util import check_choice, check_instance
from assay.core import escape_json
from assay.governance import CARD_FORMATS, CARD_LAYOUT, CARD_LAYOUTS, ModelCard
from assay.reports._card_html import render_card_html
from assay.reports._card_markdown import render_card_markdown

__all__ = ["card_json", "render_card"]


def card_json(card: ModelCard, layout: int = CARD_LAYOUT) -> dict[str, object]:
    """The card as JSON: its facts, ``card_digest``, ``values`` (every number by key) and
    ``human`` sections, each with ``"written_by": "person"``; from layout 2 on, the card
    ``layout`` too."""
    check_instance(layout, "layout", "card_json", int, "a card layout number")
    check_choice(layout, "layout", "card_json", list(CARD_LAYOUTS))
    body = card.model_dump(mode="json")
    body["human"] = [{**h, "written_by": "person"} for h in body["human"]]
    stated = {"layout": layout} if layout > 1 else {}
    return {
        "format": "assay-model-card",
        **stated,
        "card_digest": card.digest,
        **body,
        "values": card.metric_values(),
    }


def render_card(card: ModelCard, format: str, layout: int = CARD_LAYOUT) -> str:
    """``card`` as ``hf`` (a Hugging Face README.md), ``markdown``, ``html`` or ``json``, in
    card ``layout`` (:data:`~assay.governance.CARD_LAYOUTS`; the newest unless a card made in
    an older one is rebuilt to be checked)."""
    check_choice(format, "format", "render_card", list(CARD_FORMATS))
    check_instance(layout, "layout", "render_card", int, "a card layout number")
    check_choice(layout, "layout", "render_card", list(CARD_LAYOUTS))
    if format == "json":
        text = json.dumps(card_json(card, layout), indent=2, ensure_ascii=False)
        return escape_json(text) + "\n"
    if format == "html":
        return render_card_html(card, layout)
    return render_card_markdown(card, hf=format == "hf", layout=layout)
