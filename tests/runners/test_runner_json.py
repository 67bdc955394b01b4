"""The runner's JSON helpers give exactly what the standard library gives, errors included."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from assay.runners._json import Encoder, loads

DOCUMENTS: list[str | bytes] = [
    '{"question":"what is item 1"}',
    '"A: Q: what is item 1"',
    "[1, 2.5, -0.0, 1e400, null, true]",
    '{"a": {"b": [{"c": "\\ud800"}]}, "a": 2}',  # a lone surrogate; a repeated key
    '{"nan": NaN, "inf": -Infinity}',
    ' {"space": "before"}',
    '{"space": "after"}\n',
    "\ufeff{}",
    "",
    "{",
    '{"a": 1} {"b": 2}',
    '"unterminated',
    "[" * 100_000 + "]" * 100_000,
    '{"x": "élan ☃"}'.encode(),
    b'{"x": "\xed\xa0\x80"}',  # a surrogate written in UTF-8: json.loads allows it
    b'{"x": "\xff"}',  # not UTF-8
    '{"x": 1}'.encode("utf-16-le"),
    '["x"]'.encode("utf-16-le"),
    '{"x": 1}'.encode("utf-32-le"),
    '{"x": 1}'.encode("utf-8-sig"),
    b"[1]",
    b" [1] ",
    b"",
]


def _outcome(fn: Any, arg: Any) -> tuple[str, str]:
    try:
        return "ok", repr(fn(arg))
    except Exception as exc:  # the kind and the message must match too
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("doc", DOCUMENTS, ids=range(len(DOCUMENTS)))
def test_loads_is_json_loads(doc: str | bytes) -> None:
    assert _outcome(loads, doc) == _outcome(json.loads, doc)


VALUES: list[Any] = [
    ["openai", 0, {"model": "m", "messages": [{"role": "user", "content": "Q: é ☃"}]}],
    {"b": 1, "a": [1.5, float("nan"), float("inf"), None, True], "c": {"z": "\ud800"}},
    {1: "int key", "s": "x"},
    "plain text",
    3.25,
    [],
    {"bad": {1, 2}},  # not JSON: TypeError
    {"key": object()},
]


@pytest.mark.parametrize(
    "options",
    [
        {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False},
        {"ensure_ascii": False},
        {},
        {"indent": 2},
        {"allow_nan": False},
    ],
)
def test_encoder_is_json_encoder(options: dict[str, Any]) -> None:
    ours, reference = Encoder(**options), json.JSONEncoder(**options)
    for value in VALUES:
        assert _outcome(ours.encode, value) == _outcome(reference.encode, value), value


def test_a_circular_value_is_refused_every_time_and_the_encoder_still_works() -> None:
    encoder = Encoder(ensure_ascii=False)
    loop: list[Any] = [1]
    loop.append(loop)
    for _ in range(2):
        with pytest.raises(ValueError, match="Circular reference"):
            encoder.encode({"x": loop})
    # a value that failed mid-way left nothing behind: the same containers encode again
    shared = {"k": [1, 2]}
    with pytest.raises(TypeError):
        encoder.encode([shared, {3}])
    assert encoder.encode([shared, shared]) == json.dumps([shared, shared], ensure_ascii=False)


def test_one_encoder_from_many_threads_gives_each_value_its_own_text() -> None:
    encoder = Encoder(sort_keys=True, separators=(",", ":"))
    values = [{"i": i, "nested": [{"j": j} for j in range(i % 7)]} for i in range(2_000)]
    expected = [json.dumps(v, sort_keys=True, separators=(",", ":")) for v in values]
    got: dict[int, list[str]] = {}

    def work(t: int) -> None:
        got[t] = [encoder.encode(v) for v in values]

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(texts == expected for texts in got.values())


class _Boxed:
    def __init__(self, content: Any) -> None:
        self.content = content


def _within(seconds: float, fn: Any) -> Any:
    """``fn()``, failing (not hanging) when it does not return in time."""
    done: list[Any] = []
    worker = threading.Thread(target=lambda: done.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert done, "the call did not return"
    return done[0]


def test_a_hook_that_encodes_again_gets_what_the_standard_library_gives() -> None:
    # the default= hook encodes with the same encoder while a call is under way
    def default(o: Any) -> Any:
        if isinstance(o, _Boxed):
            return encoder.encode(o.content)
        raise TypeError(type(o).__name__)

    encoder = Encoder(default=default, sort_keys=True)
    value = {"b": _Boxed({"y": [1, _Boxed("z")]}), "a": [_Boxed(2)]}
    expected = json.dumps(value, default=default, sort_keys=True)
    assert _within(10, lambda: encoder.encode(value)) == expected
    assert encoder.encode(value) == expected  # and the shared encoder still works after


def test_a_mapping_whose_items_encode_again_gets_what_the_standard_library_gives() -> None:
    encoder = Encoder(ensure_ascii=False)

    class Logged(dict[str, Any]):
        def items(self) -> Any:
            encoder.encode({"reading": list(self)})
            return super().items()

    value = [Logged(a=1), {"é": Logged(b=[2])}]
    expected = json.dumps(value, ensure_ascii=False)
    assert _within(10, lambda: encoder.encode(value)) == expected
