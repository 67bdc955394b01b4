"""The JSONL scan over several blocks: lines cut by a block's end, blank lines, bad bytes and
a deep line among flat records are found where they are in the file."""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import pytest

from assay.data._scan import _BLOCK, MAX_DEPTH, scan_text
from assay.errors import DataError


def _flat_lines(count: int) -> list[bytes]:
    return [
        json.dumps({"example_id": f"ex-{i:07d}", "score": i % 2}).encode() for i in range(count)
    ]


def _enough(lines: list[bytes], blocks: float) -> list[bytes]:
    """Lines repeated until they fill about ``blocks`` blocks."""
    size = sum(len(line) + 1 for line in lines)
    return lines * int(blocks * _BLOCK / size + 1)


def test_blank_lines_are_numbered_across_blocks(tmp_path: Path) -> None:
    lines = _enough(_flat_lines(1000), 2.5)
    for at, blank in ((5, b""), (len(lines) // 2, b"   "), (len(lines) - 3, b"\t\r")):
        lines[at] = blank
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    expected = tuple(i + 1 for i, line in enumerate(lines) if not line.strip())
    assert len(expected) == 3
    assert scan_text(path, json_lines=True).blank_lines == expected


@pytest.mark.parametrize("where", [0.3, 1.0, 2.7])
def test_a_deep_line_among_flat_records_is_named(tmp_path: Path, where: float) -> None:
    # every other line opens one bracket: the piece's brackets less the lines that open with
    # one leave the deep line's own count, which is over the bound
    lines = _enough(_flat_lines(1000), 3)
    at = int(where * len(lines) / 3)
    lines[at] = ('{"a": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}").encode()
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(DataError) as info:
        scan_text(path, json_lines=True)
    assert "levels deep" in str(info.value) and f"line {at + 1}" in str(info.value)


def test_lines_with_several_brackets_each_are_not_refused(tmp_path: Path) -> None:
    # many brackets in every piece, none deep: each line is counted on its own
    line = json.dumps({"example_id": "a", "tags": [["x"], ["y"]], "m": {"k": [1]}}).encode()
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"\n".join(_enough([line], 2)) + b"\n")
    assert scan_text(path, json_lines=True).blank_lines == ()


def test_a_byte_that_is_not_utf8_is_placed_in_the_file(tmp_path: Path) -> None:
    lines = _enough(_flat_lines(1000), 1.5)
    at = len(lines) * 2 // 3
    lines[at] = b'{"example_id": "caf\xe9"}'
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "records.jsonl"
    path.write_bytes(data)
    offset = data.index(b"\xe9")
    with pytest.raises(DataError) as info:
        scan_text(path, json_lines=True)
    message = str(info.value)
    assert f"line {at + 1}" in message and f"byte offset {offset:,}" in message
    assert "byte 20 of the line" in message


def test_a_line_longer_than_a_block_is_read_whole(tmp_path: Path) -> None:
    text = "é" * (_BLOCK // 2 + 99)  # two bytes each: the line runs over a block's end
    long = json.dumps({"example_id": "long", "text": text}, ensure_ascii=False).encode()
    lines = [*_flat_lines(10), long, b"  ", *_flat_lines(10)]
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"\n".join(lines))
    assert scan_text(path, json_lines=True).blank_lines == (12,)


def test_a_small_file_is_scanned_in_a_buffer_of_its_size(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"\n".join(_flat_lines(20)) + b"\n\n")
    tracemalloc.start()
    try:
        assert scan_text(path, json_lines=True).blank_lines == (21,)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


@pytest.mark.parametrize("blocks", [0.01, 2.5])
def test_a_file_larger_than_its_size_said_is_scanned_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blocks: float
) -> None:
    # a file that grows once opened (or a size of 0, as files under /proc say): the buffer
    # grows to its full size and every line is still read
    lines = _enough(_flat_lines(100), blocks)
    lines[-2] = ('{"a": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}").encode()
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"\n".join(lines))
    monkeypatch.setattr(os, "fstat", lambda fd: SimpleNamespace(st_size=0))
    with pytest.raises(DataError, match=f"line {len(lines) - 1}:"):
        scan_text(path, json_lines=True)
