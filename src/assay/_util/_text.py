"""Showing untrusted text (model names, tags, slice values, notes) without obeying it.

Text that came from a model, a data file or a person can carry terminal escape sequences
(``ESC [2K`` erases a line, OSC 8 writes a hyperlink), C1 controls that some terminals obey
as escapes (``0x9b`` is a one-byte CSI), and bidirectional overrides (``U+202E``) that make a
line read differently from what it holds. Wherever such text is shown, it is first passed
through :func:`printable`, which keeps every character visible and none of them active:

* C0 controls and DEL become their Unicode control pictures: ``ESC`` → ``␛``, ``BEL`` → ``␇``,
  ``CR`` → ``␍``, DEL → ``␡``; tab and newline are kept when the layout allows them
  (``keep``).
* C1 controls (``U+0080``–``U+009F``), bidirectional and invisible format characters
  (``U+061C``, ``U+200E``, ``U+200F``, ``U+202A``–``U+202E``, ``U+2066``–``U+2069``), line and
  paragraph separators, and lone surrogates (undecodable bytes, which cannot be written as
  UTF-8) become their code point in angle brackets: ``<U+202E>``.

:func:`escape_json` does the same job for JSON: the data stays exact, but those characters
are written as ``\\uXXXX`` escapes instead of raw.
"""

from __future__ import annotations

import re

__all__ = ["UNPRINTABLE", "escape_json", "printable"]

_BIDI_AND_FORMAT = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SEPARATORS = "\u2028\u2029"

UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f" + _BIDI_AND_FORMAT + _SEPARATORS + "\ud800-\udfff]")
"""Every character :func:`printable` replaces (tab and newline included)."""


def _picture(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block is laid out in C0 order
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def printable(text: object, *, keep: str = "\t\n") -> str:
    """``text`` as a string whose control and bidirectional characters are shown, not obeyed.

    ``keep`` names the layout characters (by default tab and newline) left as they are; pass
    ``keep=""`` where the text must stay on one line. Ordinary text is returned unchanged.
    """
    s = str(text)
    if UNPRINTABLE.search(s) is None:
        return s
    return UNPRINTABLE.sub(lambda m: m[0] if m[0] in keep else _picture(m[0]), s)


_JSON_UNSAFE = re.compile("[\x7f-\x9f" + _BIDI_AND_FORMAT + _SEPARATORS + "\ud800-\udfff]")


def escape_json(document: str) -> str:
    """A JSON document with DEL, C1, bidirectional characters and lone surrogates escaped.

    ``json.dumps`` already escapes C0 controls; the characters escaped here are legal raw in
    JSON but a terminal or an editor would act on them. Outside strings JSON is ASCII, so each
    one found is inside a string and ``\\uXXXX`` stands for exactly the same character.
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", document)
