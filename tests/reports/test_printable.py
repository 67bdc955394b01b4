"""The neutraliser the reports and the command line share: ``printable`` and ``escape_json``."""

from __future__ import annotations

import json

import pytest

from assay.core import UNPRINTABLE, escape_json, printable

ORDINARY = [
    "accuracy on lang=de",
    "naïve café — 日本語のテキスト — العربية — 🙂",
    "tab\tand\nnewline",
    "[bold]not markup[/] <b>not html</b> `code` | pipe",
    "",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_unchanged(text):
    assert printable(text) == text
    assert escape_json(json.dumps(text, ensure_ascii=False)) == json.dumps(text, ensure_ascii=False)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2K", "␛[2K"),
        ("\x1b]8;;https://x.example/\x07link\x1b]8;;\x07", "␛]8;;https://x.example/␇link␛]8;;␇"),
        ("\x00\x08\r\x7f", "␀␈␍␡"),
        ("\x9b31m", "<U+009B>31m"),
        ("\x85", "<U+0085>"),
        ("\u202egnp.exe", "<U+202E>gnp.exe"),
        ("\u2066\u2067\u2068\u2069", "<U+2066><U+2067><U+2068><U+2069>"),
        (
            "\u200e\u200f\u061c\u202a\u202b\u202c\u202d",
            "<U+200E><U+200F><U+061C><U+202A><U+202B><U+202C><U+202D>",
        ),
        ("\u2028\u2029", "<U+2028><U+2029>"),
        ("\udcff", "<U+DCFF>"),  # an undecodable byte kept by surrogateescape
    ],
)
def test_controls_are_shown_as_visible_symbols(raw, shown):
    assert printable(raw) == shown
    assert UNPRINTABLE.search(printable(raw)) is None


def test_layout_characters_are_kept_only_where_asked():
    assert printable("a\tb\nc") == "a\tb\nc"
    assert printable("a\tb\nc", keep="") == "a␉b␊c"
    assert printable(42) == "42"


def test_json_is_exact_and_holds_no_raw_control_or_bidi_character():
    value = {"name": "m\x1b[2K\x9b\u202e\x7f\u2066\udcff", "ok": "日本語 🙂"}
    document = escape_json(json.dumps(value, ensure_ascii=False))
    assert UNPRINTABLE.search(document.replace("\n", "")) is None
    assert "\\u009b" in document and "\\u202e" in document and "日本語 🙂" in document
    assert json.loads(document) == value
