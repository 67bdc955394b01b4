"""Reading a written card back: its human sections and its evidence block.

Every format marks what a person wrote the same way, so a card written as Markdown, a Hugging
Face README or HTML can be the previous card of the next one::

    <!-- assay:human section=intended_use title="Intended use" -->
    What the person wrote.
    <!-- /assay:human -->

(in HTML the text between the markers is one escaped ``<pre class="human">`` block), and the
facts a change summary and ``assay card verify`` need are one comment,
``<!-- assay:card {...} -->``, holding the card digest, the evidence digests and every number
(see :func:`card_block`), with the card layout it was rendered in. A JSON card holds the
same as fields. Anything malformed is one
:class:`~assay.errors.DataError` naming the file, line and column.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from assay._util import load_yaml
from assay.errors import DataError
from assay.governance._card import CARD_LAYOUT, CARD_LAYOUTS, HumanSection, ModelCard

__all__ = ["MAX_CARD_CHARS", "ParsedCard", "card_block", "human_marker", "parse_card_text"]

MAX_CARD_CHARS = 4_000_000
"""The largest card text read back (a card of thousands of runs and slices stays far below)."""
MAX_SECTIONS = 100
_OPEN = re.compile(r"<!--\s*assay:human\b(?P<attrs>.*?)-->", re.DOTALL)
_CLOSE = re.compile(r"<!--\s*/assay:human\s*-->")
_ANY = re.compile(r"<!--\s*/?\s*assay:(?P<name>[a-z]*)", re.IGNORECASE)
_BLOCK = re.compile(r"<!--\s*assay:card\s(?P<json>.*?)\s-->", re.DOTALL)
_ATTR = re.compile(r'\s*(?P<name>[a-z]+)=(?:"(?P<quoted>[^"<>]*)"|(?P<bare>[a-z0-9_]+))')
_PRE = re.compile(r'^\s*<pre class="human">(?P<body>.*)</pre>\s*$', re.DOTALL)


@dataclass(frozen=True)
class ParsedCard:
    """What a written card says about itself."""

    human: list[HumanSection]
    """The human sections, in order."""
    block: dict[str, Any] | None
    """The evidence block (``card_digest``, ``evidence``, ``values``), ``None`` without one."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """YAML metadata a person added (a Hugging Face README's front matter, or a JSON card's
    ``metadata``), without the generated ``model-index``."""
    format: str = "markdown"
    """The form it was written in (``hf``, ``markdown``, ``html`` or ``json``), so that
    regenerating it keeps that form."""
    layout: int = 1
    """The card layout it was rendered in (:data:`~assay.governance.CARD_LAYOUTS`): the one its
    block states, 1 for a card that states none (written before cards stated it)."""


def human_marker(section: HumanSection) -> str:
    """The opening marker of a human section."""
    return f'<!-- assay:human section={section.key} title="{_attr(section.title)}" -->'


def _attr(title: str) -> str:
    return re.sub(r'["<>\x00-\x1f\x7f]', "'", title)


def _entry(key: str, value: Any) -> str:
    return json.dumps(key, ensure_ascii=True) + ": " + json.dumps(value, ensure_ascii=True)


def card_block(card: ModelCard, layout: int = CARD_LAYOUT) -> str:
    """The ``<!-- assay:card {...} -->`` comment that lets a written card be checked later:
    JSON with one evidence digest or one metric's ``[estimate, low, high]`` per line, keys
    sorted, so that a person can read it and a regenerated card writes it byte for byte the
    same (``card verify`` compares it with the rebuilt card's). From layout 2 on it states
    the card ``layout``; a layout-1 block is written exactly as cards of that layout were."""
    fields: dict[str, Any] = {
        "card_digest": card.digest,
        "evidence": card.evidence,
        "model": card.model,
        "values": card.metric_values(),
    }
    if layout > 1:
        fields["layout"] = layout
    lines = ["{"]
    for i, (key, value) in enumerate(sorted(fields.items())):
        last = "" if i == len(fields) - 1 else ","
        if isinstance(value, dict) and value:
            inner = [_entry(k, v) for k, v in sorted(value.items())]
            lines.append(json.dumps(key) + ": {")
            lines += [f"  {item}," for item in inner[:-1]] + [f"  {inner[-1]}", "}" + last]
        else:
            lines.append(_entry(key, value) + last)
    body = "\n".join([*lines, "}"])
    # "--", "<", ">" and "&" only occur inside JSON strings, where their escapes are the
    # same characters: the comment cannot be closed early or read as markup
    safe = body.replace("--", "-\\u002d")
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        safe = safe.replace(char, escaped)
    return f"<!-- assay:card\n{safe}\n-->"


def _where(text: str, offset: int, source: str) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{source}, line {line}, column {column}"


def _fail(text: str, offset: int, source: str, message: str) -> DataError:
    return DataError(f"{_where(text, offset, source)}: {message}")


def _attributes(text: str, match: re.Match[str], source: str) -> tuple[str, str]:
    attrs, pos, found = match["attrs"], 0, {}
    while pos < len(attrs.rstrip()):
        m = _ATTR.match(attrs, pos)
        if m is None or m["name"] not in ("section", "title") or m["name"] in found:
            lead = len(attrs[pos:]) - len(attrs[pos:].lstrip())
            raise _fail(
                text,
                match.start("attrs") + pos + lead,
                source,
                'a human-section marker is <!-- assay:human section=KEY title="TITLE" --> '
                f"(KEY lower-case letters, digits and _); found {attrs.strip()[:60]!r}",
            )
        found[m["name"]] = m["quoted"] if m["quoted"] is not None else m["bare"]
        pos = m.end()
    if "section" not in found:
        raise _fail(text, match.start(), source, "a human-section marker names no section=KEY")
    key = found["section"]
    return key, found.get("title") or key.replace("_", " ").capitalize()


def _sections(text: str, source: str) -> list[HumanSection]:
    out: list[HumanSection] = []
    pos = 0
    while (m := _ANY.search(text, pos)) is not None:
        if m["name"] == "card":
            pos = m.end()
            continue
        if m["name"] != "human":
            raise _fail(text, m.start(), source, f"unknown marker assay:{m['name'][:20]}")
        opening = _OPEN.match(text, m.start())
        if opening is None and "/" in m[0]:
            raise _fail(text, m.start(), source, "a closing marker with no section open")
        if opening is None:
            raise _fail(text, m.start(), source, "a marker that does not end with -->")
        key, title = _attributes(text, opening, source)
        close = _CLOSE.search(text, opening.end())
        inner = _ANY.search(text, opening.end())
        if close is None or (inner is not None and inner.start() < close.start()):
            raise _fail(
                text,
                m.start(),
                source,
                f"the section {key!r} is not closed before "
                "the next marker (<!-- /assay:human --> ends it)",
            )
        if any(s.key == key for s in out):
            raise _fail(text, m.start(), source, f"the section {key!r} appears twice")
        if len(out) >= MAX_SECTIONS:
            raise _fail(text, m.start(), source, f"more than {MAX_SECTIONS} human sections")
        body = text[opening.end() : close.start()]
        pre = _PRE.match(body)
        written = html.unescape(pre["body"]) if pre else body
        try:
            out.append(HumanSection(key=key, title=title, text=written.strip("\n")))
        except ValidationError as exc:
            problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise _fail(text, m.start(), source, problem) from None
        pos = close.end()
    return out


def _block(text: str, source: str) -> dict[str, Any] | None:
    found = list(_BLOCK.finditer(text))
    if not found:
        return None
    if len(found) > 1:
        raise _fail(text, found[1].start(), source, "a card holds one <!-- assay:card --> block")
    return _checked_block(found[0]["json"], text, found[0].start("json"), source)


def _checked_block(raw: Any, text: str, offset: int, source: str) -> dict[str, Any]:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except (ValueError, RecursionError):
        raise _fail(text, offset, source, "the <!-- assay:card --> block is not JSON") from None
    ok = (
        isinstance(value, dict)
        and isinstance(value.get("card_digest"), str)
        and isinstance(value.get("evidence"), dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value["evidence"].items())
        and isinstance(value.get("values", {}), dict)
    )
    if not ok:
        raise _fail(text, offset, source, "the card block needs card_digest and evidence digests")
    layout = value.get("layout", 1)
    if type(layout) is not int or layout not in CARD_LAYOUTS:
        raise _fail(
            text,
            offset,
            source,
            f"the card states layout {layout!r:.20}, which this version of assay does not "
            f"know (it knows {', '.join(map(str, CARD_LAYOUTS))}); a newer assay wrote it",
        )
    values = value.get("values", {})
    for key, numbers in values.items():
        if not (isinstance(numbers, list) and all(isinstance(x, (int, float)) for x in numbers)):
            raise _fail(text, offset, source, f"the card block's value {key[:60]!r} is not numbers")
    return value  # type: ignore[no-any-return]


def _json_card(text: str, source: str) -> ParsedCard:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        line, column = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        raise DataError(f"{source}, line {line}, column {column}: not a JSON card") from None
    if not isinstance(value, dict) or not isinstance(value.get("human", []), list):
        raise _fail(text, 0, source, "a JSON card is an object with a 'human' list")
    human: list[HumanSection] = []
    for i, item in enumerate(value.get("human", [])[: MAX_SECTIONS + 1]):
        if i == MAX_SECTIONS:
            raise _fail(text, 0, source, f"more than {MAX_SECTIONS} human sections")
        try:
            fields = (
                {k: item[k] for k in ("key", "title", "text")} if isinstance(item, dict) else {}
            )
            section = HumanSection.model_validate(fields)
        except (KeyError, ValidationError):
            raise _fail(text, 0, source, f"human[{i}] needs a key, a title and a text") from None
        if any(s.key == section.key for s in human):
            raise _fail(text, 0, source, f"the section {section.key!r} appears twice")
        human.append(section)
    block = _checked_block(value, text, 0, source) if "card_digest" in value else None
    metadata = _metadata(value.get("metadata", {}), text, source)
    layout = block.get("layout", 1) if block else 1
    return ParsedCard(human=human, block=block, metadata=metadata, format="json", layout=layout)


_FRONT = re.compile(r"\A---\n(?P<yaml>.*?\n)---\n", re.DOTALL)
GENERATED_METADATA = ("model-index",)


def _metadata(value: Any, text: str, source: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(text, 0, source, "the card's metadata is a mapping of names to values")
    kept = {k: v for k, v in value.items() if k not in GENERATED_METADATA}
    try:
        json.dumps(kept, allow_nan=False)
    except (TypeError, ValueError):
        raise _fail(text, 0, source, "the card's metadata holds a value JSON cannot") from None
    return kept


def _front_matter(text: str, source: str) -> dict[str, Any]:
    found = _FRONT.match(text)
    if found is None:
        return {}
    value = load_yaml(found["yaml"], source=source, error=DataError)
    return _metadata({} if value is None else value, text, source)


def parse_card_text(text: str, *, source: str) -> ParsedCard:
    """The human sections and evidence block of a card written in any of the formats."""
    if len(text) > MAX_CARD_CHARS:
        raise DataError(
            f"{source}: {len(text):,} characters is more than a card holds "
            f"({MAX_CARD_CHARS:,}); is it the right file?"
        )
    if text.lstrip().startswith("{"):
        return _json_card(text, source)
    head = text.lstrip()[:200].lower()
    written = (
        "hf"
        if _FRONT.match(text)
        else "html"
        if head.startswith(("<!doctype html", "<html"))
        else "markdown"
    )
    block = _block(text, source)
    return ParsedCard(
        human=_sections(text, source),
        block=block,
        metadata=_front_matter(text, source),
        format=written,
        layout=block.get("layout", 1) if block else 1,
    )
