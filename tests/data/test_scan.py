"""The JSONL scan's cheap per-line bounds find exactly the lines the exact check refuses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assay.data._scan import _BLOCK, MAX_DEPTH, MAX_FIELDS, _check_json_lines, scan_text
from assay.errors import DataError


def _exact(path: Path) -> str | None:
    """The exact check over the whole file at once: the scan's definition.

    A last line without a line end is checked on its own after the rest, as the scan does.
    """
    data = path.read_bytes()
    cut = data.rfind(b"\n") + 1
    pieces = [(data[:cut], 0), (data[cut:] + b"\n", data[:cut].count(b"\n"))]
    try:
        for piece, before in pieces:
            b = np.frombuffer(piece, dtype=np.uint8)
            if b.size:
                _check_json_lines(b, path, before + np.arange(int((b == 10).sum())))
    except DataError as exc:
        return str(exc)
    return None


def _scanned(path: Path) -> str | None:
    try:
        scan_text(path, json_lines=True)
    except DataError as exc:
        return str(exc)
    return None


def _lines(rng: np.random.Generator) -> list[str]:
    ok = json.dumps({"example_id": "a", "score": 1.0, "note": "[{" * 70 + ':"' * 20})
    deep = '{"a": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}"
    in_string = json.dumps({"example_id": "b", "text": "{[" * 200})
    escaped = '{"t": "\\\\"' + ", " + '"u": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}"
    wide = json.dumps({f"k{i}": i for i in range(MAX_FIELDS + 1)})
    nested_wide = json.dumps({"x": {f"k{i}": i for i in range(MAX_FIELDS + 1)}})
    kinds = [ok, ok, ok, in_string, nested_wide, deep, escaped, wide, "", "  "]
    return [kinds[i] for i in rng.integers(0, len(kinds), size=int(rng.integers(1, 12)))]


@pytest.mark.parametrize("seed", range(40))
def test_the_scan_refuses_the_same_line_with_the_same_message(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    path = tmp_path / "records.jsonl"
    lines = _lines(rng)
    while len("\n".join(lines)) >= _BLOCK:  # the scan checks a block at a time, like this
        lines.pop()
    text = "\n".join(lines) + ("\n" if seed % 2 else "")
    path.write_text(text)
    assert _scanned(path) == _exact(path)


def test_a_deep_line_after_a_wide_one_in_the_same_block_is_named_first(tmp_path: Path) -> None:
    # within one block, depth is checked before width, as the exact check over the block does
    wide = json.dumps({f"k{i}": i for i in range(MAX_FIELDS + 1)})
    deep = '{"a": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}"
    path = tmp_path / "records.jsonl"
    path.write_text("{}\n" + wide + "\n{}\n" + deep + "\n")
    message = _scanned(path)
    assert message is not None and "line 4" in message and "levels deep" in message


def test_brackets_and_colons_inside_strings_are_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    text = "[{" * (MAX_DEPTH * 2)
    colons = ":" * (MAX_FIELDS * 2)
    path.write_text(json.dumps({"example_id": "a", "t": text, "c": colons}) + "\n")
    assert _scanned(path) is None
