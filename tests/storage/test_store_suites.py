"""Suites: stored once per content digest, found by digest, prefix or name."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.core import Suite
from assay.errors import DataError, NotFoundError, StorageError
from assay.storage import Store, SuiteRepository
from assay.testing import make_examples
from assay.testing import make_suite_model as make_suite


def test_round_trip_and_idempotence(store: Store) -> None:
    suite, examples = make_suite("qa")
    assert isinstance(store.suites, SuiteRepository)
    assert store.suites.put(suite, examples) is True
    assert store.suites.put(suite, examples) is False
    assert store.suites.get(suite.digest) == suite
    assert store.suites.examples(suite.digest).equals(examples)
    assert store.suites.list() == [suite]


def test_get_by_prefix_name_and_version(store: Store) -> None:
    old, old_examples = make_suite("qa", seed=1, version="1")
    new, new_examples = make_suite("qa", seed=2, version="2")
    store.suites.put(old, old_examples)
    store.suites.put(new, new_examples)
    assert store.suites.get(old.digest[:10]) == old
    assert store.suites.get("qa") == new  # the newest version of the name
    assert store.suites.get("qa@1") == old
    assert [s.version for s in store.suites.list()] == ["1", "2"]


def test_not_found_lists_stored_names(store: Store) -> None:
    with pytest.raises(NotFoundError, match="No suite is stored yet"):
        store.suites.get("qa")
    suite, examples = make_suite("reading")
    store.suites.put(suite, examples)
    with pytest.raises(NotFoundError, match=r"Stored suites: reading\..*assay suites list"):
        store.suites.get("qa")
    # A short prefix is not a digest reference, even if it matches.
    with pytest.raises(NotFoundError):
        store.suites.get(suite.digest[:5])


def _colliding_suites() -> tuple[Suite, Suite]:
    """Two suites whose digests share their first six hex characters (a birthday search)."""
    suite, _ = make_suite("s")
    seen: dict[str, Suite] = {}
    for i in range(200_000):
        candidate = suite.model_copy(update={"examples_digest": f"examples-{i}"})
        other = seen.setdefault(candidate.digest[:6], candidate)
        if other is not candidate:
            return other, candidate
    raise AssertionError("no collision found")


def test_ambiguous_prefix_lists_candidates(store: Store) -> None:
    a, b = _colliding_suites()
    _, examples = make_suite("s")
    store.suites.put(a, examples)
    store.suites.put(b, examples)
    with pytest.raises(StorageError, match="matches several suites") as info:
        store.suites.get(a.digest[:6])
    assert a.digest[:12] in str(info.value) and b.digest[:12] in str(info.value)
    assert not isinstance(info.value, NotFoundError)
    assert store.suites.get(a.digest[:20]) == a


def test_examples_must_match_the_suite(store: Store) -> None:
    suite, _ = make_suite("qa", n=20)
    with pytest.raises(DataError, match=r"20 rows.*found 19 rows"):
        store.suites.put(suite, make_examples(19))
    with pytest.raises(DataError, match="example_id"):
        store.suites.put(suite, make_examples(20).drop_columns(["example_id"]))
    with pytest.raises(NotFoundError):
        store.suites.get(suite.digest)


def test_not_found_is_a_storage_error(store: Store) -> None:
    with pytest.raises(StorageError):
        store.suites.examples("0" * 64)


def _examples_file(store: Store) -> Path:
    (found,) = Path(store.suites.files.path("")).glob("*.parquet")  # type: ignore[attr-defined]
    return found


def test_examples_are_decoded_once_while_their_file_is_unchanged(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    files = store.suites.files  # type: ignore[attr-defined]
    reads: list[str] = []
    read = files.read_parquet
    monkeypatch.setattr(files, "read_parquet", lambda rel, *a: reads.append(rel) or read(rel, *a))
    first = store.suites.examples(suite.digest)
    assert store.suites.examples(suite.digest) is first
    assert store.suites.examples(suite.name).equals(examples)
    assert len(reads) == 1
    path = _examples_file(store)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert store.suites.examples(suite.digest).equals(examples)  # touched: read again
    assert len(reads) == 2


def test_examples_rewritten_after_a_read_are_refused(store: Store) -> None:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    assert store.suites.examples(suite.digest).equals(examples)
    path = _examples_file(store)
    sink = pa.BufferOutputStream()
    pq.write_table(examples.slice(1), sink)
    path.write_bytes(sink.getvalue().to_pybytes())
    with pytest.raises(StorageError, match="suites"):
        store.suites.examples(suite.digest)
    path.unlink()
    with pytest.raises(StorageError):
        store.suites.examples(suite.digest)
