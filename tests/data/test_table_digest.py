"""The content digest of a table hashes the same bytes however its columns are laid out:
without nulls, with nothing but nulls, sliced, in several chunks, dictionary-encoded."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from assay.data._schema import table_digest


def _spelled_out(table: pa.Table) -> str:
    """The digest's definition, every buffer built in full (as stored digests were made)."""
    h = hashlib.sha256()
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        h.update(name.encode() + b"\x1d")
        h.update(np.asarray(pc.is_null(col).to_numpy(zero_copy_only=False), bool).tobytes())
        if pa.types.is_string(col.type):
            filled = pc.fill_null(col, pa.scalar("", pa.string())) if col.null_count else col
            offsets = np.frombuffer(filled.buffers()[1], dtype=np.int32)
            offsets = offsets[filled.offset : filled.offset + len(filled) + 1]
            h.update((offsets - offsets[0]).tobytes())
            data = filled.buffers()[2]
            if data is not None:
                h.update(data.to_pybytes()[int(offsets[0]) : int(offsets[-1])])
        else:
            values = col.to_numpy(zero_copy_only=False) if not col.null_count else None
            if values is None:
                values = pc.fill_null(col, pa.scalar(0, col.type)).to_numpy(zero_copy_only=False)
            h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()


def _columns(n: int, rng: np.random.Generator) -> dict[str, pa.Array | pa.ChunkedArray]:
    some = rng.random(n) < 0.3
    words = [f"w{i % 7}" * (i % 3) for i in range(n)]
    return {
        "ids": pa.array([f"ex-{i}" for i in range(n)], pa.string()),
        "text_some_null": pa.array(
            [None if m else w for m, w in zip(some, words, strict=True)], pa.string()
        ),
        "text_all_null": pa.nulls(n, pa.string()),
        "slice": pa.array(
            [["en", "de", "fr"][i % 3] for i in range(n)], pa.string()
        ).dictionary_encode(),
        "score": pa.array(rng.random(n)),
        "score_some_null": pa.array(rng.random(n), mask=some),
        "score_all_null": pa.nulls(n, pa.float64()),
        "f32": pa.array(rng.random(n).astype(np.float32)),
        "tokens_all_null": pa.nulls(n, pa.int64()),
        "tokens": pa.array(rng.integers(0, 1000, n)),
        "sample": pa.array(np.zeros(n, np.int32)),
        "flag": pa.array(rng.random(n) < 0.5),
    }


@pytest.mark.parametrize("n", [0, 1, 7, 1_000])
def test_digest_is_the_spelled_out_hash(n: int) -> None:
    table = pa.table(_columns(n, np.random.default_rng(n)))
    assert table_digest(table) == _spelled_out(table)


def test_sliced_and_chunked_columns_hash_as_their_values() -> None:
    whole = pa.table(_columns(500, np.random.default_rng(1)))
    sliced = whole.slice(123, 250)  # string offsets that do not start at 0
    assert table_digest(sliced) == _spelled_out(sliced)
    chunked = pa.concat_tables([whole.slice(0, 100), whole.slice(100)])
    assert table_digest(chunked) == table_digest(whole) == _spelled_out(whole)
    assert table_digest(sliced) == table_digest(pa.Table.from_batches(sliced.to_batches()))


def test_a_stored_digest_is_unchanged() -> None:
    table = pa.table(
        {
            "example_id": ["a", "b", "c"],
            "cluster": pa.nulls(3, pa.string()),
            "score": [1.0, None, 0.0],
            "tokens": pa.nulls(3, pa.int64()),
        }
    )
    # pinned: suites and runs stored before keep their digests
    assert table_digest(table) == _spelled_out(table)
    assert table_digest(table) == (
        "f964ffb284a2af4d43b7484e32d4ff9c443e5eabc103911fd557c54315b32164"
    )


_DAY = datetime.date(2026, 1, 1)
_MOMENT = datetime.datetime(2026, 1, 1, 12, 30)


def _temporal() -> dict[str, pa.Array]:
    return {
        "date32": pa.array([_DAY, None, _DAY], pa.date32()),
        "date64": pa.array([_DAY, _DAY, None], pa.date64()),
        "timestamp": pa.array([_MOMENT, None, _MOMENT], pa.timestamp("ms")),
        "timestamp_tz": pa.array([_MOMENT, _MOMENT, None], pa.timestamp("us", tz="UTC")),
        "timestamp_full": pa.array([_MOMENT] * 3, pa.timestamp("ns")),
        "duration": pa.array([datetime.timedelta(seconds=3), None, None], pa.duration("s")),
        "date_all_null": pa.nulls(3, pa.date32()),
    }


def test_dates_timestamps_and_durations_keep_their_stored_digests() -> None:
    # pinned from the release before: examples with a date column keep their digests
    pinned = {
        "date32": "4a130371ebcc92fdb3cba4919932a4e4956f211594fedda9f28071b90fec98b9",
        "date64": "d1ff7597872012d70c43bda796d6dfdc9d4ab84f72cdf29cabba69d1c2602268",
        "timestamp": "64e28f6cb27b5992f184160efa637895c8f3ab8160cc857eb852a36e52dab29d",
        "timestamp_tz": "b72377df688494f5cf78da63e3c7fbf7baac9378d49fd91582ce963a00266c09",
        "timestamp_full": "ca6453c4f691eee403a285a70efee044b40d5bcd2d5ac96ba0ba2aabcdeb41c5",
        "duration": "260dd5ee3a7206852c89098020ad99ff96dac8de16df2a8d286ecaf5b8dbd061",
        "date_all_null": "ef1ede8b3b9768449ac5cfad658f09e9063402624da82b440e843435d4565632",
    }
    columns = _temporal()
    for name, digest in pinned.items():
        table = pa.table({name: columns[name]})
        assert table_digest(table) == digest == _spelled_out(table), name
    assert table_digest(pa.table(columns)) == (
        "f0d7ee38e90e2a50fa052d4c161227ecf9fe77a3e52029f6bf7d50dac178a768"
    )


_OBJECT_COLUMNS = """
import datetime, decimal
import pyarrow as pa
from assay.data._schema import table_digest
table = pa.table({
    "time32": pa.array([datetime.time(1, 2), None], pa.time32("s")),
    "time64": pa.array([datetime.time(1, 2, 3, 4), None], pa.time64("us")),
    "decimal": pa.array([decimal.Decimal("1.5"), None], pa.decimal128(5, 2)),
    "binary": pa.array([b"ab", None], pa.binary()),
    "large_string": pa.array(["ab", None], pa.large_string()),
    "list": pa.array([[1, 2], None]),
    "struct": pa.array([{"a": 1.5}, None]),
    "null": pa.nulls(2),
    "flag": pa.array([True, None]),
})
print(table_digest(table))
print(table_digest(table.slice(0, 1)))
"""


def test_columns_numpy_holds_as_objects_hash_the_same_in_every_process() -> None:
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src}
    runs = [
        subprocess.run(
            [sys.executable, "-c", _OBJECT_COLUMNS],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert len(runs[0]) == 2 and runs[0][0] != runs[0][1]


def test_object_columns_hash_their_values() -> None:
    def digest(value: decimal.Decimal) -> str:
        return table_digest(pa.table({"d": pa.array([value], pa.decimal128(5, 2))}))

    assert digest(decimal.Decimal("1.5")) == digest(decimal.Decimal("1.50"))
    assert digest(decimal.Decimal("1.5")) != digest(decimal.Decimal("1.6"))


def test_examples_sorted_by_id_in_python_as_the_kernels_sort_them() -> None:
    import random

    import pyarrow.compute as pc

    from assay.data._schema import by_id_in_python

    rng = random.Random(3)

    def text(nulls: bool = True) -> str | None:
        if nulls and rng.random() < 0.15:
            return None
        parts = ["a", "é", "B", "😀", "\x00", "z", "ab", "中"]
        return "".join(rng.choice(parts) for _ in range(rng.randint(0, 4)))

    for trial in range(200):
        ids = [text(False) for _ in range(rng.randint(1, 40))]
        if trial % 2:  # unique ids, as a suite's; repeated ones keep their order too
            ids = list(dict.fromkeys(ids))
        n = len(ids)
        table = pa.table(
            {
                "example_id": pa.array(ids, pa.string()),
                "cluster": pa.array([text() for _ in range(n)], pa.string()),
                "input": pa.array([text() for _ in range(n)], pa.string()),
                "reference": pa.nulls(n, pa.string()),
            }
        )
        cut = rng.randint(0, n)
        table = pa.concat_tables([table.slice(0, cut), table.slice(cut)])
        ours = by_id_in_python(table)
        kernels = table.take(pc.sort_indices(table, sort_keys=[("example_id", "ascending")]))
        assert ours.to_pylist() == kernels.to_pylist()
        assert table_digest(ours) == table_digest(kernels)


_NOT_UTF8 = """
import sys
import numpy as np
import pyarrow as pa
from assay.data import examples_digest, make_suite

def text(raw):  # a string column whose bytes are not UTF-8 (Arrow does not check)
    ends = np.cumsum([0] + [len(r) for r in raw]).astype(np.int32)
    buffers = [None, pa.py_buffer(ends), pa.py_buffer(b"".join(raw))]
    return pa.Array.from_buffers(pa.string(), len(raw), buffers)

ids = text([b"ok", b"\\xff\\xfe", b"bad", b"ok"])
tables = {
    "ids": pa.Table.from_arrays([ids.slice(0, 3)], names=["example_id"]),
    "input": pa.Table.from_arrays([text([b"c", b"b", b"a"]), ids.slice(0, 3)],
                                  names=["example_id", "input"]),
}
for name, table in tables.items():
    print(name, examples_digest(table))
try:
    make_suite("s", pa.Table.from_arrays([ids], names=["example_id"]), metrics=["m"])
except Exception as exc:
    print(type(exc).__name__, exc)
print("pyarrow.compute" in sys.modules)
"""


def test_text_that_is_not_utf8_gets_the_kernels_digest_and_error_in_any_process() -> None:
    # below the row count sorted in Python, bytes Python cannot decode take the kernels' path:
    # the same digest, and the same repeated-id error, whether or not they were loaded first
    fresh = subprocess.run(
        [sys.executable, "-c", _NOT_UTF8], capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()
    loaded = subprocess.run(
        [sys.executable, "-c", "import pyarrow.compute\n" + _NOT_UTF8],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.splitlines()
    assert fresh[:3] == loaded[:3]
    assert fresh[2].startswith("DataError") and "appears 2 times" in fresh[2]
    assert loaded[3] == "True"


def test_examples_digest_names_a_missing_or_repeated_id_column_as_the_kernels_do() -> None:
    from assay.data import examples_digest

    no_id = pa.Table.from_arrays([pa.array(["b"])], names=["x"])
    two_ids = pa.Table.from_arrays([pa.array(["b"]), pa.array(["a"])], names=["example_id"] * 2)
    for table in (no_id, two_ids):
        with pytest.raises(pa.ArrowInvalid, match="sort key"):
            examples_digest(table)
