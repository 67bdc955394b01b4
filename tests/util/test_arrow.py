"""Arrow to NumPy and back over the buffers: the same values as pyarrow's own conversions."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay._util.arrow import (
    arrow_array,
    arrow_scalar,
    nullable_array,
    numpy_array,
    string_array,
)

TYPES = [pa.int8(), pa.int32(), pa.int64(), pa.uint16(), pa.uint64(), pa.float32(), pa.float64()]


def _same(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)  # NaN equals NaN here


@pytest.mark.parametrize("kind", TYPES, ids=str)
@settings(deadline=None)  # a busy machine is no failure
@given(
    values=st.lists(st.one_of(st.none(), st.integers(0, 100)), max_size=40),
    start=st.integers(0, 5),
)
def test_numbers_read_as_to_numpy_reads_them(kind, values, start):
    array = pa.array(values, kind).slice(min(start, len(values)))
    if array.null_count == 0 or pa.types.is_floating(kind):
        _same(numpy_array(array), array.to_numpy(zero_copy_only=False))
    _same(numpy_array(array, fill=7), pc.fill_null(array, 7).to_numpy())


@settings(deadline=None)
@given(values=st.lists(st.booleans(), max_size=70), start=st.integers(0, 9))
def test_flags_unpack_from_their_bits_at_any_offset(values, start):
    array = pa.array(values, pa.bool_()).slice(min(start, len(values)))
    _same(numpy_array(array), array.to_numpy(zero_copy_only=False))


def test_chunks_are_joined_and_other_types_go_to_pyarrow():
    chunked = pa.chunked_array([pa.array([1.0, None]), pa.array([3.0])])
    _same(numpy_array(chunked), chunked.to_numpy())
    _same(numpy_array(pa.chunked_array([], pa.int64())), np.empty(0, dtype=np.int64))
    words = pa.array(["a", None, "c"])
    assert list(numpy_array(words)) == ["a", None, "c"]
    flags = pa.array([True, None])
    assert list(numpy_array(flags)) == [True, None]


@pytest.mark.parametrize(
    "values",
    [
        np.array([3, 1, 2], dtype=np.int64),
        np.array([1.5, np.nan], dtype=np.float32),
        np.array([True, False, True, True, False, False, True, False, True]),
        np.arange(10, dtype=np.uint32)[::3],  # not contiguous
        np.array(["x", "y"]),
    ],
    ids=["int64", "float32", "bool", "strided", "strings"],
)
def test_numpy_arrays_become_the_arrow_arrays_pa_array_makes(values):
    got, want = arrow_array(values), pa.array(values)
    assert got.type == want.type
    assert got.null_count == want.null_count == 0
    _same(got.to_numpy(zero_copy_only=False), want.to_numpy(zero_copy_only=False))
    taken = pa.array(["a", "b", "c", "d"]).take(arrow_array(np.array([3, 0])))
    assert taken.to_pylist() == ["d", "a"]


def test_no_pandas_is_imported_on_the_way():
    code = (
        "import sys, numpy as np, pyarrow as pa\n"
        "from assay._util.arrow import arrow_array, arrow_scalar, numpy_array\n"
        "a = arrow_array(np.array([1.0, 2.0]))\n"
        "numpy_array(pa.chunked_array([a, a])); numpy_array(arrow_array(np.ones(3, bool)))\n"
        "arrow_scalar('', pa.string()); arrow_scalar(False, pa.bool_())\n"
        "arrow_scalar(1e150, pa.float64()); arrow_scalar(None, pa.float64())\n"
        "print('pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    # the probe sees pandas when pyarrow's own conversion runs
    code = code.replace("numpy_array(pa.chunked_array([a, a]))", "a.to_numpy()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (True, pa.bool_()),
        (False, pa.bool_()),
        (1e150, pa.float64()),
        (-0.0, pa.float64()),
        (float("nan"), pa.float64()),
        (3, pa.float64()),
        (-7, pa.int64()),
        ("", pa.string()),
        ("naïve \x00 text", pa.string()),
        (None, pa.float64()),
        (None, pa.string()),
        (None, pa.int32()),
        (5, pa.int8()),  # a type not built here: pa.scalar's
    ],
)
def test_scalars_from_buffers_are_pyarrows(value: object, kind: pa.DataType) -> None:
    got, want = arrow_scalar(value, kind), pa.scalar(value, kind)  # type: ignore[arg-type]
    assert got.type == want.type and got.is_valid == want.is_valid
    assert repr(got.as_py()) == repr(want.as_py())
    column = pa.array([value, None], kind)
    filled = [repr(x) for x in pc.fill_null(column, got).to_pylist()]
    assert filled == [repr(x) for x in pc.fill_null(column, want).to_pylist()]


def test_ingesting_imports_no_pandas(tmp_path, monkeypatch):
    # pq.read_table (through pyarrow.dataset) and Python values in compute calls would
    import pyarrow.parquet as pq

    import assay

    monkeypatch.setenv("ASSAY_HOME", str(tmp_path / "store"))
    monkeypatch.delenv("ASSAY_DB", raising=False)
    ids = [f"e{i}" for i in range(50)]
    store = assay.open_store()
    suite = assay.make_suite("s", [{"example_id": x} for x in ids], metrics=["accuracy"])
    assay.register_suite(suite, store=store)
    store.close()
    errors = ["" if i % 7 else "TimeoutError" for i in range(50)]
    scores = [float(i % 3 == 0) if i % 7 else None for i in range(50)]
    table = pa.table({"example_id": ids, "accuracy": scores, "error": errors})
    pq.write_table(table, tmp_path / "r.parquet")
    code = f"""
import sys
import assay
store = assay.open_store()
run = assay.ingest({str(tmp_path / "r.parquet")!r}, suite={suite.digest!r}, model="m@1",
                   store=store).run
assert (run.n_records, run.n_errors) == (50, 8), run.n_errors
print("pandas" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


@settings(deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.text()), max_size=30))
def test_strings_from_buffers_are_pa_arrays(values: list[str | None]) -> None:
    got = string_array(values)
    got.validate(full=True)
    assert got.equals(pa.array(values, pa.string()))


@pytest.mark.parametrize("kind", [pa.int64(), pa.float64()], ids=str)
@settings(deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.integers(-(2**70), 2**70), st.floats(), st.booleans()),
        max_size=20,
    )
)
def test_nullable_numbers_from_buffers_are_pa_arrays(kind: pa.DataType, values: list) -> None:
    try:
        want = pa.array(values, kind)
    except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            nullable_array(values, kind)
        return
    got = nullable_array(values, kind)
    got.validate(full=True)
    assert got.type == want.type
    assert repr(got.to_pylist()) == repr(want.to_pylist())


def test_running_a_suite_imports_no_pandas(tmp_path):
    # pa.array of Python lists imports pandas on first use; the runner builds its records
    # from buffers, and the suite's checks hand compute functions Arrow scalars
    examples = pa.table(
        {"example_id": ["a", "b", "c"], "input": ["x", "y", "z"], "reference": ["x", "q", "z"]}
    )
    pq.write_table(examples, tmp_path / "e.parquet")
    code = f"""
import sys
import pyarrow.parquet as pq
from assay.data import make_suite
from assay.runners import evaluate_suite

class Echo:
    name = "echo"
    def describe(self):
        return {{}}
    def predict(self, inputs):
        return [str(x) for x in inputs]

data = make_suite("s", pq.ParquetFile({str(tmp_path / "e.parquet")!r}).read(),
                  metrics=[{{"name": "m", "scorer": "exact_match"}}])
records = evaluate_suite(data, Echo())
assert records.column("m").to_pylist() == [1.0, 0.0, 1.0], records
print("pandas" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
