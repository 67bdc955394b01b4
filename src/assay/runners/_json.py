"""JSON for the runner's per-request work: the standard library's C encoder and scanner,
called without the per-call set-up of :func:`json.dumps`, :meth:`json.JSONEncoder.encode`
and :func:`json.loads` (a new encoder object per call; two whitespace matches per decode).

Every result is the standard library's, character for character: :class:`Encoder` gives
what ``json.JSONEncoder(**options).encode`` gives, :func:`loads` what :func:`json.loads`
gives (its errors included: whatever the fast path does not take goes to :func:`json.loads`).
"""

from __future__ import annotations

import json
import threading
from json.decoder import JSONDecoder
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

__all__ = ["Encoder", "loads"]

try:
    from json.encoder import c_make_encoder  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - CPython builds have it
    c_make_encoder = None

_scan = JSONDecoder().scan_once  # type: ignore[attr-defined]  # json.loads's decoder is one too


def loads(text: str | bytes) -> Any:
    """``json.loads(text)``, for a document that starts with its value and ends with it
    faster (the usual compact JSON)."""
    doc = text
    if isinstance(text, bytes):
        # json.loads reads bytes that start with '{' or '[' as UTF-8 unless a NUL follows
        # (UTF-16/32), which no JSON value has there: the scan below fails and json.loads
        # reads them. UTF-8-encoded surrogates, which it allows, fail strict decoding here.
        if text[:1] not in (b"{", b"["):
            return json.loads(text)
        try:
            doc = text.decode("utf-8")
        except UnicodeDecodeError:
            return json.loads(text)
    try:
        value, end = _scan(doc, 0)
    except Exception:  # leading space or BOM, or not JSON: json.loads says which
        return json.loads(text)
    if end != len(doc):  # trailing space, or more after the value
        return json.loads(text)
    return value


class Encoder:
    """``json.JSONEncoder(**options).encode``, with one C encoder for every call.

    The C encoder keeps the containers it is inside in a dict, to refuse circular values;
    an error leaves them there, so they are cleared after one. One call at a time uses it: a
    call made while another is under way (in another thread, or from a hook of that call
    that encodes again) gets an encoder of its own, as every ``json.dumps`` call does.
    """

    def __init__(self, **options: Any) -> None:
        self._reference = json.JSONEncoder(**options)
        ref = self._reference
        self._basestring = encode_basestring_ascii if ref.ensure_ascii else encode_basestring
        self._markers: dict[int, Any] | None = {} if ref.check_circular else None
        self._lock = threading.Lock()
        self._c = (
            None
            if c_make_encoder is None
            else c_make_encoder(
                self._markers,
                ref.default,
                self._basestring,
                ref.indent,
                ref.key_separator,
                ref.item_separator,
                ref.sort_keys,
                ref.skipkeys,
                ref.allow_nan,
            )
        )

    def encode(self, value: Any) -> str:
        """The JSON text of ``value``, as ``json.JSONEncoder(**options).encode(value)``."""
        if self._c is None or self._reference.indent is not None:
            return self._reference.encode(value)
        if isinstance(value, str):
            return str(self._basestring(value))
        if not self._lock.acquire(blocking=False):
            return self._reference.encode(value)
        try:
            return "".join(self._c(value, 0))
        except BaseException:
            if self._markers is not None:
                self._markers.clear()
            raise
        finally:
            self._lock.release()
