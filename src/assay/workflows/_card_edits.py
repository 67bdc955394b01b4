"""Which machine-made parts of a written card differ from the card the store makes now.

The card is rebuilt from the store with the file's own human sections and metadata and
rendered in the file's format and card layout (a card made before a layout change is checked
against that older layout, so it does not look hand-edited); both texts are then compared part by part with what a person
may change set aside: the text inside ``<!-- assay:human -->`` markers, the "to be written"
notes beside empty sections, and the card digest (it covers the human sections, so it moves
whenever they are edited). Everything else — every table, every number, the YAML
``model-index`` and the ``<!-- assay:card -->`` block's evidence and values — must be exactly
what the store gives.
"""

from __future__ import annotations

import json
import re

from assay.governance import ModelCard
from assay.reports import card_json, render_card

__all__ = ["card_format", "machine_edits"]

_HUMAN = re.compile(r"(?P<open><!--\s*assay:human\b.*?-->).*?<!--\s*/assay:human\s*-->", re.DOTALL)
_BLOCK = re.compile(r"<!--\s*assay:card\s(?P<json>.*?)\s-->", re.DOTALL)
_FRONT = re.compile(r"\A---\n(?P<yaml>.*?\n)---\n", re.DOTALL)
_TODO = re.compile(r"^> ✍️ TO BE WRITTEN BY[^\n]*\n\n?", re.MULTILINE)
_NOTE = '<p class="note">To be written by a person.</p>'
_MD_HEADING = re.compile(r"^(?=#{1,3} )", re.MULTILINE)
_HTML_HEADING = re.compile(r"(?=<h[1-3][ >])")
_TAGS = re.compile(r"<[^>]*>")
_DIGEST = "CARD-DIGEST"
_PERSON_FIELDS = {"human", "card_digest", "metadata"}


def card_format(text: str) -> str:
    """The format a card file was written in: ``json``, ``html``, ``hf`` or ``markdown``."""
    head = text.lstrip()[:200].lower()
    if head.startswith("{"):
        return "json"
    if head.startswith(("<!doctype", "<html")):
        return "html"
    return "hf" if text.startswith("---\n") else "markdown"


def _neutral(text: str, digest: object) -> str:
    text = _HUMAN.sub(lambda m: m["open"], text)
    text = _TODO.sub("", text).replace(_NOTE, "")
    return text.replace(digest, _DIGEST) if isinstance(digest, str) and digest else text


def _block(text: str) -> tuple[str | None, str]:
    """The ``<!-- assay:card -->`` block as written (its card digest already neutral), and
    the text without it: the block is compared byte for byte, so that a regenerated card
    writes exactly what a person reads (a reformatted block counts as edited)."""
    found = _BLOCK.search(text)
    if found is None:
        return None, text
    return found[0], text[: found.start()] + text[found.end() :]


def _parts(text: str, html: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in (_HTML_HEADING if html else _MD_HEADING).split(text):
        first = chunk.split("</h", 1)[0] if html else chunk.split("\n", 1)[0]
        name = " ".join(_TAGS.sub(" ", first).lstrip("#").split()) or "the card's opening"
        while name in out:
            name += " (again)"
        out[name] = chunk.strip()
    return out


def _json_edits(text: str, rebuilt: ModelCard, layout: int) -> list[str]:
    try:
        written = json.loads(text)
    except ValueError:
        return ["the whole card (not JSON)"]
    made = json.loads(json.dumps(card_json(rebuilt, layout)))
    keys = (set(written) | set(made)) - _PERSON_FIELDS
    return sorted(k for k in keys if written.get(k) != made.get(k))


def machine_edits(text: str, rebuilt: ModelCard, written_digest: object, layout: int) -> list[str]:
    """The names of the parts of ``text`` (a card file) whose machine-made content differs
    from ``rebuilt`` (the card the store makes now, with the file's human sections) rendered
    in card ``layout`` (the one the file states), in order; empty when only human sections
    changed. ``written_digest`` is the card digest the file states."""
    fmt = card_format(text)
    if fmt == "json":
        return _json_edits(text, rebuilt, layout)
    made = render_card(rebuilt, fmt, layout)
    edits: list[str] = []
    if fmt == "hf":
        front_w, front_m = _FRONT.match(text), _FRONT.match(made)
        if (front_w and front_w["yaml"]) != (front_m and front_m["yaml"]):
            edits.append("YAML metadata (model-index)")
        text = text[front_w.end() :] if front_w else text
        made = made[front_m.end() :] if front_m else made
    block_w, text = _block(_neutral(text, written_digest))
    block_m, made = _block(_neutral(made, rebuilt.digest))
    if block_w != block_m:
        edits.append("the <!-- assay:card --> block")
    parts_w, parts_m = _parts(text, fmt == "html"), _parts(made, fmt == "html")
    for name in [*parts_m, *(n for n in parts_w if n not in parts_m)]:
        if parts_w.get(name) != parts_m.get(name):
            edits.append(name)
    return edits
