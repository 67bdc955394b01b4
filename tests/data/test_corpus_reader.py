"""Corpus files: every format and compression, and every broken line counted and located."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.data import CorpusReadStats, read_corpus
from assay.errors import DataError, MissingDependencyError

BROKEN = (
    b'{"text": "first document"}\n'
    b"this line is not json\n"
    b'{"title": "no text field"}\n'
    b'"a bare json string"\n'
    b"\n"
    b'{"text": "bad \xff\xfe bytes"}\n'
    b'{"text": "' + b"x" * 5000 + b'"}\n'
    b'{"text": 42}\n'
    b'{"text": "last"}'  # no final newline
)


def _read(paths: list[Path], **kw) -> tuple[list[str], CorpusReadStats]:
    stats = CorpusReadStats()
    return list(read_corpus(paths, stats, **kw)), stats


def test_broken_lines_are_counted_located_and_never_silently_skipped(tmp_path: Path):
    path = tmp_path / "broken.jsonl"
    path.write_bytes(BROKEN)
    docs, stats = _read([path], max_line_bytes=1000)
    assert docs == ["first document", "a bare json string", "bad \ufffd\ufffd bytes", "last"]
    assert (stats.not_json, stats.no_text, stats.too_long, stats.bad_encoding) == (1, 2, 1, 1)
    assert stats.first == {
        "not_json": f"{path}:2",
        "no_text": f"{path}:3",
        "bad_encoding": f"{path}:6",
        "too_long": f"{path}:7",
    }
    assert stats.documents == 4 and stats.skipped == 4
    assert "1 too long (first at" in stats.summary()
    assert stats.digest == "sha256:" + hashlib.sha256(BROKEN).hexdigest()
    assert stats.bytes_read == len(BROKEN)


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [("", bytes), (".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)],
)
def test_compressed_text_and_jsonl_read_the_same_documents(tmp_path: Path, suffix, compress):
    lines = "one document\nanother, with “quotes”\n"
    text = tmp_path / f"c.txt{suffix}"
    text.write_bytes(compress(lines.encode()))
    jsonl = tmp_path / f"c.jsonl{suffix}"
    jsonl.write_bytes(compress(b'{"body": "one document"}\n{"body": "two"}\n'))
    docs, stats = _read([text, jsonl], text_field="body")
    assert docs == ["one document\n", "another, with “quotes”\n", "one document", "two"]
    stored = text.read_bytes() + jsonl.read_bytes()
    assert stats.digest == "sha256:" + hashlib.sha256(stored).hexdigest()


def test_parquet_is_read_by_row_group_and_names_a_missing_column(tmp_path: Path):
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"text": ["a", None, "c"] * 5000}), path, row_group_size=1000)
    docs, stats = _read([path])
    assert len(docs) == 10_000 and stats.no_text == 5000
    assert stats.first["no_text"] == f"{path}:row 1"
    with pytest.raises(DataError, match=r"column 'content'.*a string column 'content'"):
        _read([path], text_field="content")
    (tmp_path / "fake.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="not a Parquet file"):
        _read([tmp_path / "fake.parquet"])


def test_zstd_without_zstandard_names_the_install_line(tmp_path: Path):
    path = tmp_path / "c.txt.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd")
    try:
        import zstandard  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependencyError, match=r"pip install 'assay\[zstd\]'"):
            _read([path])
    else:  # pragma: no cover - only where zstandard is installed
        pytest.skip("zstandard is installed here")


def test_a_long_line_is_drained_in_pieces(tmp_path: Path):
    path = tmp_path / "long.txt"
    path.write_bytes(b"short\n" + b"y" * (3 << 20) + b"\nafter\n")
    docs, stats = _read([path], max_line_bytes=64)
    assert docs == ["short\n", "after\n"] and stats.too_long == 1


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(["c.txt", "c.jsonl", "c.jsonl.gz"]))
def test_any_bytes_read_to_documents_and_counts_never_an_exception(data: bytes, name: str):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        docs, stats = _read([path], max_line_bytes=32)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    assert stats.documents == len(docs)
    assert stats.documents + stats.skipped <= len(lines)
    assert stats.too_long == sum(len(x) > 32 for x in lines)  # the bound excludes the newline
    assert all(isinstance(d, str) for d in docs)
    if name == "c.txt":
        assert stats.documents == len(lines) - stats.too_long
        assert stats.bad_encoding == sum(_bad(x) for x in lines if len(x) <= 32)


def _bad(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@settings(max_examples=20, deadline=None)
@given(
    st.integers(min_value=10_000, max_value=100_000),
    st.sampled_from(["[", '{"a":', '{"text":[']),
)
def test_deeply_nested_lines_are_counted_as_not_json(depth: int, opener: str):
    import tempfile

    closer = {"[": "]", '{"a":': "}", '{"text":[': "]}"}[opener]
    deep = (opener * depth + "1" + closer * depth).encode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deep.jsonl"
        path.write_bytes(b'{"text": "ok doc"}\n' + deep + b'\n{"text": "after"}\n')
        docs, stats = _read([path], max_line_bytes=2_000_000)
    assert docs == ["ok doc", "after"]
    assert stats.not_json == 1 and stats.first["not_json"] == f"{path}:2"
