"""Streaming a training corpus one document at a time, whatever its size.

Formats by suffix: ``.jsonl``/``.ndjson``/``.json`` (one JSON object per line, the text in a
named field, ``"text"`` by default; a line that is a JSON string is its own text), ``.parquet``
(the text column, read a row group at a time) and anything else as plain text, one document per
line. A trailing ``.gz``, ``.bz2`` or ``.xz`` is decompressed with the standard library and
``.zst`` with ``zstandard`` (``pip install zstandard``).

Nothing is skipped silently: a line longer than ``max_line_bytes`` (read in pieces, never held
whole), a line that is not valid UTF-8 (still searched, its bad bytes replaced by U+FFFD), a
JSONL line that is not JSON or has no text field, and a Parquet row without text are each counted
in :class:`CorpusReadStats`, with the first place each happened. The digest is the SHA-256 of every
file's bytes as stored, in the order given, so it names exactly the corpus that was searched.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from assay._util import check_instance, check_int, require
from assay.errors import DataError, ParameterError

__all__ = ["CorpusReadStats", "read_corpus"]

CORPUS_MAX_LINE_BYTES = 1 << 20
_CHUNK = 1 << 20
_PROBLEMS = ("too_long", "bad_encoding", "not_json", "no_text")


@dataclass
class CorpusReadStats:
    """What reading a corpus met, filled in as it streams."""

    files: list[str] = field(default_factory=list)
    """The files read, in order."""
    documents: int = 0
    """Documents yielded (lines, JSON records, Parquet rows with text)."""
    bytes_read: int = 0
    """Bytes of the files as stored (compressed where they are)."""
    too_long: int = 0
    """Lines longer than the bound, skipped."""
    bad_encoding: int = 0
    """Lines that were not valid UTF-8: searched with U+FFFD for the bad bytes."""
    not_json: int = 0
    """JSONL lines that were not a JSON object or string, skipped."""
    no_text: int = 0
    """Records without a text field (or with a non-string one), skipped."""
    first: dict[str, str] = field(default_factory=dict)
    """For each kind of problem, where it first happened (``file:line`` or ``file:row``)."""
    digest: str = ""
    """SHA-256 over the files' stored bytes, set when reading ends."""

    def problem(self, kind: str, where: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        self.first.setdefault(kind, where)

    @property
    def skipped(self) -> int:
        """Lines or rows that were not searched."""
        return self.too_long + self.not_json + self.no_text

    def summary(self) -> str:
        """The problems, in words; ``"no problems"`` when there were none."""
        parts = [
            f"{getattr(self, k):,} {k.replace('_', ' ')} (first at {self.first[k]})"
            for k in _PROBLEMS
            if getattr(self, k)
        ]
        return "; ".join(parts) or "no problems"


class _Hashing(io.RawIOBase):
    """A raw file that feeds every byte read through a digest and a byte counter."""

    def __init__(self, raw: IO[bytes], digest: Any, stats: CorpusReadStats) -> None:
        self._raw, self._digest, self._stats = raw, digest, stats

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self._digest.update(memoryview(buffer)[:n])
            self._stats.bytes_read += n
        return int(n or 0)


def _open(path: Path, raw: IO[bytes]) -> IO[bytes]:
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if suffix == ".bz2":
        return bz2.BZ2File(raw)
    if suffix == ".xz":
        return lzma.LZMAFile(raw)
    if suffix in (".zst", ".zstd"):
        zstd = require("zstandard", "zstd", feature="reading .zst corpora")
        return zstd.ZstdDecompressor().stream_reader(raw)  # type: ignore[no-any-return]
    return raw


def _kind(path: Path) -> str:
    stem = path.name.lower()
    for ext in (".gz", ".bz2", ".xz", ".zst", ".zstd"):
        stem = stem.removesuffix(ext)
    if stem.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "parquet" if stem.endswith((".parquet", ".pq")) else "text"


def _lines(stream: IO[bytes], name: str, limit: int, stats: CorpusReadStats) -> Iterator[str]:
    reader: Any = stream if hasattr(stream, "peek") else io.BufferedReader(stream, _CHUNK)
    number = 0
    while True:
        line = reader.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # drain the rest of the long line
                line = reader.readline(_CHUNK)
            stats.problem("too_long", f"{name}:{number}")
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            stats.problem("bad_encoding", f"{name}:{number}")
            text = line.decode("utf-8", errors="replace")
        yield f"{name}:{number}\x00{text}"


def _jsonl(lines: Iterator[str], text_field: str, stats: CorpusReadStats) -> Iterator[str]:
    for tagged in lines:
        where, _, line = tagged.partition("\x00")
        if not line.strip():
            continue
        try:
            value: Any = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            stats.problem("not_json", where)
            continue
        if isinstance(value, dict):
            value = value.get(text_field)
        if not isinstance(value, str):
            stats.problem("no_text", where)
            continue
        yield value


def _parquet(raw: IO[bytes], name: str, text_field: str, stats: CorpusReadStats) -> Iterator[str]:
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(raw)
    except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
        raise DataError("not a Parquet file", file=name, found=str(exc)[:200]) from None
    if text_field not in file.schema_arrow.names:
        raise DataError(
            "the corpus has no text column",
            file=name,
            column=text_field,
            expected=f"a string column {text_field!r} (choose it with text_field)",
            found=", ".join(file.schema_arrow.names[:20]),
        )
    row = 0
    for batch in file.iter_batches(columns=[text_field], batch_size=8192):
        for value in batch.column(0).to_pylist():
            if isinstance(value, str):
                yield value
            else:
                stats.problem("no_text", f"{name}:row {row}")
            row += 1


def _counted(docs: Iterator[str], stats: CorpusReadStats) -> Iterator[str]:
    for doc in docs:
        stats.documents += 1
        yield doc


def read_corpus(
    paths: Sequence[str | os.PathLike[str]],
    stats: CorpusReadStats,
    *,
    text_field: str = "text",
    max_line_bytes: int = CORPUS_MAX_LINE_BYTES,
) -> Iterator[str]:
    """Every document of the corpus files ``paths``, streamed; ``stats`` is filled in as it
    goes and its digest set at the end (see the module's docstring)."""
    where = "read_corpus"
    if isinstance(paths, (str, os.PathLike)) or not isinstance(paths, Sequence) or not paths:
        raise ParameterError("paths", where, "a non-empty list of paths", paths)
    check_instance(stats, "stats", where, CorpusReadStats, "a CorpusReadStats")
    check_instance(text_field, "text_field", where, str, "a str")
    check_int(max_line_bytes, "max_line_bytes", where, minimum=16)
    return _documents(paths, stats, text_field, max_line_bytes)


def _documents(
    paths: Sequence[str | os.PathLike[str]],
    stats: CorpusReadStats,
    text_field: str,
    max_line_bytes: int,
) -> Iterator[str]:
    digest = hashlib.sha256()
    for given in paths:
        path = Path(given)
        if not path.is_file():
            raise DataError("the corpus file does not exist or is not a file", file=str(path))
        name = str(path)
        stats.files.append(name)
        kind = _kind(path)
        with path.open("rb") as handle:
            raw = io.BufferedReader(_Hashing(handle, digest, stats), _CHUNK)
            if kind == "parquet":  # Parquet needs random access: digest first, then read
                data = _open(path, raw)
                seekable: IO[bytes] = path.open("rb") if data is raw else io.BytesIO(data.read())
                raw.read()
                with seekable:
                    yield from _counted(_parquet(seekable, name, text_field, stats), stats)
                continue
            lines = _lines(_open(path, raw), name, max_line_bytes, stats)
            if kind == "jsonl":
                yield from _counted(_jsonl(lines, text_field, stats), stats)
            else:
                yield from _counted((t.partition("\x00")[2] for t in lines), stats)
            raw.read()  # digest every byte, even after the last line
    stats.digest = "sha256:" + digest.hexdigest()
