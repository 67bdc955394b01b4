"""Bounding an untrusted text file before any parser sees it.

Arrow's JSON reader recurses once per nesting level (a line 10,000 levels deep crashes the
process) and takes any bytes as text (invalid UTF-8 is stored, and reading it back crashes).
So a JSONL or CSV file is first scanned here, a few megabytes at a time with vectorised
passes: every line must be UTF-8, at most :data:`MAX_LINE_BYTES` long and, for JSONL, at most
:data:`MAX_DEPTH` levels deep with at most :data:`MAX_FIELDS` fields. The scan also notes the
blank lines, which the readers skip, so a table row can be turned back into its line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assay.errors import DataError

__all__ = ["MAX_DEPTH", "MAX_FIELDS", "MAX_LINE_BYTES", "TextScan", "scan_text"]

MAX_LINE_BYTES = 8 << 20
MAX_DEPTH = 64
MAX_FIELDS = 10_000
_BLOCK = 4 << 20  # a few arrays of this many bytes (and one int64 per line) at a time

_NL, _QUOTE, _BACKSLASH, _COLON, _OPEN = 10, 34, 92, 58, 123
_SPACE = np.array([9, 10, 13, 32], dtype=np.uint8)


@dataclass(frozen=True)
class TextScan:
    """What the scan learnt about a file."""

    blank_lines: tuple[int, ...]
    """1-based numbers of the lines the reader skips (JSONL: white space only; CSV: empty)."""


def scan_text(path: Path, json_lines: bool) -> TextScan:
    """Check every line of ``path``; raise :class:`DataError` at the first bad one.

    The file is read into one buffer, reused: a line begun at the end of a block moves to the
    front before the next block is read after it, and the vectorised passes write into
    scratch arrays of the buffer's size (no copies of blocks, no fresh pages per block). A
    file smaller than the buffer gets one of its own size (and a byte more, to see its end).
    """
    blank: list[int] = []
    line_base = 0  # lines before the current piece
    offset = 0  # bytes before the current piece
    room = MAX_LINE_BYTES + _BLOCK + 1  # a carried line is at most MAX_LINE_BYTES
    size = 0  # bytes in buf: the carried start of a line, then the block read after it
    with path.open("rb", buffering=0) as handle:
        buf = bytearray(min(room, os.fstat(handle.fileno()).st_size + 1))
        scratch = _Scratch(len(buf))
        while True:
            if size == len(buf):  # the file has grown since its size was read
                buf = buf + bytes(room - size)
                scratch = _Scratch(room)
            view = memoryview(buf)
            got = handle.readinto(view[size : size + _BLOCK])
            if not got:
                if size:
                    _check_piece(view[:size], path, line_base, offset, json_lines, blank, scratch)
                break
            size += got
            end = buf.rfind(b"\n", 0, size) + 1
            if end == 0:
                if size > MAX_LINE_BYTES:
                    _too_long(path, line_base + 1, size)
                continue
            lines = _check_piece(view[:end], path, line_base, offset, json_lines, blank, scratch)
            carry = size - end
            if carry > MAX_LINE_BYTES:
                _too_long(path, line_base + lines + 1, carry)
            view[:carry] = view[end:size]
            size = carry
            line_base += lines
            offset += end
    return TextScan(blank_lines=tuple(blank))


class _Scratch:
    """Arrays the passes over a piece write into (a piece is at most ``size`` bytes)."""

    def __init__(self, size: int) -> None:
        self._flags = np.empty(size, dtype=bool)
        self._bytes = np.empty(size, dtype=np.uint8)

    def equal(self, b: np.ndarray, value: int) -> np.ndarray:
        """``b == value``, in the scratch array."""
        flags: np.ndarray = np.equal(b, value, out=self._flags[: len(b)])
        return flags

    def count_brackets(self, b: np.ndarray) -> int:
        """How many of ``b`` are ``[`` (0x5b) or ``{`` (0x7b): the only bytes that are ``{``
        with bit 5 set."""
        return int(np.count_nonzero(self.equal(self.set_bit_5(b), _OPEN)))

    def set_bit_5(self, b: np.ndarray) -> np.ndarray:
        """``b | 32``, in the scratch array."""
        low: np.ndarray = np.bitwise_or(b, 32, out=self._bytes[: len(b)])
        return low


def _too_long(path: Path, line: int, size: int) -> None:
    raise DataError(
        "the line is too long",
        file=str(path),
        line=line,
        expected=f"lines of at most {MAX_LINE_BYTES:,} bytes",
        found=f"{size:,} bytes or more",
    )


def _check_piece(
    piece: memoryview,
    path: Path,
    line_base: int,
    offset: int,
    json_lines: bool,
    blank: list[int],
    scratch: _Scratch,
) -> int:
    """Check whole lines (``piece`` ends at a line end, or at the end of the file); return
    the number of line ends in it."""
    b = np.frombuffer(piece, dtype=np.uint8)
    ends = np.flatnonzero(scratch.equal(b, _NL))
    n_ends = len(ends)
    if b[-1] != _NL:
        ends = np.append(ends, len(b))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    long = np.flatnonzero(lengths > MAX_LINE_BYTES)
    if long.size:
        _too_long(path, line_base + int(long[0]) + 1, int(lengths[long[0]]))
    try:
        if int(b.max()) > 127:  # the maximum is one fast pass; decoding builds a string
            str(piece, "utf-8")
    except UnicodeDecodeError as exc:
        i = int(np.searchsorted(ends, exc.start))
        raise DataError(
            f"not UTF-8: byte {piece[exc.start]:#04x} at byte offset {offset + exc.start:,} "
            f"(byte {exc.start - int(starts[i]) + 1} of the line)",
            file=str(path),
            line=line_base + i + 1,
            expected="text encoded as UTF-8",
            found=f"the bytes {bytes(piece[exc.start : exc.start + 4])!r}",
        ) from None
    # a blank line starts with white space or is empty: look closer only at those (every
    # line starts inside the piece, an empty one at its own line end)
    first = b[starts]
    for candidate in np.flatnonzero(np.isin(first, _SPACE)).tolist():
        line = bytes(piece[int(starts[candidate]) : int(ends[candidate])])
        # the JSON reader skips lines of white space; the CSV reader only empty ones
        if not (line.strip() if json_lines else line.rstrip(b"\r")):
            blank.append(line_base + candidate + 1)
    if json_lines:
        _check_json_shape(b, ends, first, path, line_base, scratch)
    return n_ends


_SPECIAL = np.zeros(256, dtype=bool)
_SPECIAL[[_NL, _QUOTE, _BACKSLASH, _COLON, ord("["), ord("]"), ord("{"), ord("}")]] = True


def _check_json_shape(
    b: np.ndarray,
    ends: np.ndarray,
    first: np.ndarray,
    path: Path,
    line_base: int,
    scratch: _Scratch,
) -> None:
    """Nesting depth and field count of each line of a piece (its bytes ``b``, its line ends
    ``ends``, the first byte of each line ``first``).

    A line cannot be deeper than its count of opening brackets, nor wider than its count of
    colons, strings or not. Counting those per line is cheap, so only the rare lines over
    either bound get the exact check, which tells brackets and colons inside strings apart.
    Most pieces need no count per line: a line that opens with a bracket has at least that one,
    so no line has more than the piece's brackets less those of all other lines that open with
    one (a file of flat records: one each).
    """
    starts = np.concatenate(([0], ends[:-1] + 1))
    brackets = scratch.count_brackets(b)
    leading = int(np.count_nonzero((first | 32) == _OPEN))
    if brackets - leading + 1 > MAX_DEPTH:
        opening = np.flatnonzero(scratch.equal(scratch.set_bit_5(b), _OPEN))
        suspect = np.bincount(np.searchsorted(ends, opening), minlength=len(ends)) > MAX_DEPTH
    else:
        suspect = np.zeros(len(ends), dtype=bool)
    # a line with more colons than MAX_FIELDS is longer than that many bytes: count only those
    for i in np.flatnonzero(ends - starts > MAX_FIELDS).tolist():
        suspect[i] |= np.count_nonzero(b[int(starts[i]) : int(ends[i])] == _COLON) > MAX_FIELDS
    lines = np.flatnonzero(suspect)
    if not lines.size:
        return
    # the suspect lines, in order, each ending in a line end; their numbers come along
    parts = [b[int(starts[i]) : int(ends[i])] for i in lines.tolist()]
    nl = np.array([_NL], dtype=np.uint8)
    joined = np.concatenate([x for part in parts for x in (part, nl)])
    _check_json_lines(joined, path, line_base + lines)


def _check_json_lines(b: np.ndarray, path: Path, numbers: np.ndarray) -> None:
    """The exact check of whole lines ``b`` (each ending in a line end), 0-based ``numbers``.

    Only the few bytes that can matter (line ends, quotes, backslashes, brackets, colons) are
    looked at, so long text costs one pass.
    """
    pos = np.flatnonzero(_SPECIAL[b])
    c = b[pos]
    k = np.arange(len(pos))
    nl = c == _NL
    line = np.cumsum(nl) - nl  # line index (within the piece) of each special byte
    nl_at = np.flatnonzero(nl)
    # a quote is escaped when an odd run of backslashes ends right before it
    bs = c == _BACKSLASH
    after_bs = np.zeros(len(pos), dtype=bool)
    after_bs[1:] = bs[:-1] & (pos[1:] == pos[:-1] + 1)
    run_start = np.maximum.accumulate(np.where(bs & after_bs, -1, k))
    quote = c == _QUOTE
    run = np.zeros(len(pos), dtype=np.int64)
    prev = k[quote & after_bs]
    run[prev] = prev - run_start[prev - 1]
    real = quote & (run % 2 == 0)
    seen = np.cumsum(real)
    outside = (seen - np.concatenate(([0], seen[nl_at]))[line]) % 2 == 0
    step = np.zeros(len(pos), dtype=np.int64)
    step[((c == 91) | (c == 123)) & outside] = 1
    step[((c == 93) | (c == 125)) & outside] = -1
    depth = np.cumsum(step)
    depth -= np.concatenate(([0], depth[nl_at]))[line]
    line_start = np.concatenate(([0], pos[nl_at] + 1))[line]
    deep = np.flatnonzero(depth > MAX_DEPTH)
    if deep.size:
        at = int(deep[0])
        raise DataError(
            f"nested more than {MAX_DEPTH} levels deep "
            f"(byte {int(pos[at] - line_start[at]) + 1} of the line)",
            file=str(path),
            line=int(numbers[line[at]]) + 1,
            expected=f"JSON at most {MAX_DEPTH} levels deep",
            found=f"more than {MAX_DEPTH} levels",
        )
    fields = np.bincount(line[(c == _COLON) & outside & (depth == 1)])
    wide = np.flatnonzero(fields > MAX_FIELDS)
    if wide.size:
        raise DataError(
            "too many fields",
            file=str(path),
            line=int(numbers[wide[0]]) + 1,
            expected=f"at most {MAX_FIELDS:,} fields per record",
            found=f"{int(fields[wide[0]]):,} fields",
        )
