"""Untrusted record files: bounded before Arrow reads them, and every error says where."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import assay
from assay.data import read_table
from assay.errors import DataError

IDS = [f"ex-{i:06d}" for i in range(30)]


@pytest.fixture
def suite(store: assay.Store) -> assay.SuiteData:
    data = assay.make_suite("hostile", [{"example_id": i} for i in IDS], metrics=["accuracy"])
    return assay.register_suite(data, store=store)


def _lines(rows: list[dict[str, object]]) -> list[str]:
    return [json.dumps(r) for r in rows]


def _rows() -> list[dict[str, object]]:
    return [{"example_id": i, "accuracy": 1.0} for i in IDS]


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_nesting_is_refused_before_arrow_sees_it(tmp_path, depth):
    path = tmp_path / "deep.jsonl"
    lines = [*_lines(_rows()[:2]), '{"accuracy": ' + "[" * depth + "]" * depth + "}"]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="nested more than 64 levels deep") as err:
        read_table(path)
    assert (err.value.file, err.value.line) == (str(path), 3)


def test_too_many_fields_and_too_long_lines(tmp_path):
    wide = tmp_path / "wide.jsonl"
    wide.write_text("{" + ",".join(f'"k{i}": 1' for i in range(10_001)) + "}\n")
    with pytest.raises(DataError, match="too many fields") as err:
        read_table(wide)
    assert err.value.line == 1
    long = tmp_path / "long.jsonl"
    long.write_bytes(b'{"a": 1}\n{"a": "' + b"x" * (9 << 20) + b'"}\n')
    with pytest.raises(DataError, match="line is too long") as err:
        read_table(long)
    assert err.value.line == 2


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_invalid_utf8_is_refused_with_line_and_byte_offset(store, suite, tmp_path, fmt):
    path = tmp_path / f"bad.{fmt}"
    if fmt == "jsonl":
        text = "\n".join(_lines(_rows())) + "\n"
    else:
        text = "example_id,accuracy\n" + "".join(f"{i},1\n" for i in IDS)
    raw = text.encode().replace(b"ex-000004", b"ex-\xff00004")
    path.write_bytes(raw)
    offset = raw.index(b"\xff")
    with pytest.raises(DataError, match=f"byte 0xff at byte offset {offset}") as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert err.value.line == (5 if fmt == "jsonl" else 6)
    assert assay.list_runs(store=store) == []


def test_parquet_text_must_be_utf8(store, suite, tmp_path):
    path = tmp_path / "ids.parquet"
    ids = pa.array([i.encode() for i in IDS[:-1]] + [b"\xc3\x28"], pa.binary())
    pq.write_table(pa.table({"example_id": ids, "accuracy": [1.0] * len(IDS)}), path)
    with pytest.raises(DataError, match="not UTF-8") as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert (err.value.row, err.value.column) == (len(IDS) - 1, "example_id")
    strings = tmp_path / "strings.parquet"
    pq.write_table(
        pa.table({"example_id": IDS, "accuracy": [1.0] * 30, "output": ids.view(pa.string())}),
        strings,
    )
    with pytest.raises(DataError, match="not UTF-8") as err:
        assay.ingest(strings, suite=suite, model="m@1", store=store)
    assert (err.value.row, err.value.column) == (len(IDS) - 1, "output")
    assert assay.list_runs(store=store) == []


def test_blank_lines_do_not_shift_line_numbers(store, suite, tmp_path):
    lines = _lines(_rows())
    lines[10] = json.dumps({"example_id": "stranger", "accuracy": 1})
    path = tmp_path / "blank.jsonl"
    path.write_text("\n".join(lines[:3]) + "\n\n   \n" + "\n".join(lines[3:]) + "\n")
    with pytest.raises(DataError, match="stranger") as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert err.value.line == 13
    csv = tmp_path / "blank.csv"
    rows = [f"{i},1" for i in IDS]
    rows[4] = "stranger,1"
    csv.write_text("example_id,accuracy\n" + "\n".join(rows[:2]) + "\n\n" + "\n".join(rows[2:]))
    with pytest.raises(DataError, match="stranger") as err:
        assay.ingest(csv, suite=suite, model="m@1", store=store)
    assert err.value.line == 7


def test_a_bad_line_past_16_mib_is_named_from_the_start_of_the_file(tmp_path):
    pad = "x" * 10_000
    lines = [json.dumps({"example_id": f"e{i}", "output": pad}) for i in range(1_800)]
    lines.insert(1_750, '{"example_id": "e", "output": }')
    path = tmp_path / "big.jsonl"
    path.write_text("\n\n".join(lines) + "\n")
    assert path.stat().st_size > 17 << 20
    with pytest.raises(DataError, match="cannot be read as JSONL") as err:
        read_table(path)
    assert err.value.line == 2 * 1_750 + 1
    changed = tmp_path / "changed.jsonl"
    lines[1_750] = '{"example_id": 5, "output": "y"}'
    changed.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="type differs") as err:
        read_table(changed)
    assert (err.value.line, err.value.column) == (1_751, "example_id")


def test_csv_errors_name_the_line(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("example_id,accuracy\na,1\nb,1\nc,1,9\nd,1\n")
    with pytest.raises(DataError, match="wrong number of fields") as err:
        read_table(path)
    assert err.value.line == 4
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("example_id,accuracy,accuracy\na,1,1\n")
    with pytest.raises(DataError, match="appears twice in the header") as err:
        read_table(repeated)
    assert (err.value.line, err.value.column) == (1, "accuracy")


def test_a_huge_value_is_quoted_by_a_short_prefix(store, suite, tmp_path):
    rows = _rows()
    rows[2]["example_id"] = "y" * (1 << 20)
    path = tmp_path / "huge.jsonl"
    path.write_text("\n".join(_lines(rows)) + "\n")
    with pytest.raises(DataError, match=r"… \(1,048,576 characters\)") as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert err.value.line == 3 and len(str(err.value)) < 600


def test_scores_that_would_overflow_the_variance_are_refused(store, suite, tmp_path):
    rows = [dict(r, accuracy=1e308 if k % 2 else -1e308) for k, r in enumerate(_rows())]
    rows[0]["accuracy"] = 0.5
    path = tmp_path / "huge.jsonl"
    path.write_text("\n".join(_lines(rows)) + "\n")
    with pytest.raises(DataError, match="too large") as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert (err.value.line, err.value.column) == (2, "accuracy")
    assert assay.list_runs(store=store) == []


def test_renaming_onto_an_existing_column_is_a_data_error(store, suite, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(_lines([dict(r, output="yes") for r in _rows()])) + "\n")
    with pytest.raises(DataError, match="two columns are named 'accuracy'"):
        assay.ingest(path, suite=suite, model="m@1", store=store, rename={"output": "accuracy"})
    assert assay.list_runs(store=store) == []


def test_nested_example_ids_are_a_data_error(store, suite, tmp_path):
    path = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"example_id": [[i] for i in IDS], "accuracy": [1.0] * 30}), path)
    with pytest.raises(DataError, match="example ids are text"):
        assay.ingest(path, suite=suite, model="m@1", store=store)


def test_a_bom_and_crlf_lines_are_read(store, suite, tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(_lines(_rows())).encode() + b"\r\n")
    assert assay.ingest(path, suite=suite, model="m@1", store=store).run.n_records == 30


def test_read_table_reports_no_blank_lines_for_a_clean_file(tmp_path: Path):
    path = tmp_path / "clean.jsonl"
    path.write_text("\n".join(_lines(_rows())) + "\n")
    assert read_table(path).schema.metadata is None


def test_a_lone_surrogate_escape_names_its_line(tmp_path):
    path = tmp_path / "surrogate.jsonl"
    path.write_text('{"a": "x"}\n\n{"a": "y"}\n{"a": "\\ud800"}\n{"a": "z"}\n')
    with pytest.raises(DataError, match="surrogate") as err:
        read_table(path)
    assert err.value.line == 4 and "row" not in str(err.value)


def test_log_run_refuses_a_table_with_invalid_utf8(store, suite):
    ids = pa.array([i.encode() for i in IDS[:-1]] + [b"\xff"], pa.binary()).view(pa.string())
    table = pa.table({"example_id": ids, "accuracy": [1.0] * len(IDS)})
    with pytest.raises(DataError, match="not UTF-8") as err:
        assay.log_run(table, suite=suite, model="m@1", store=store)
    assert err.value.row == len(IDS) - 1
    assert assay.list_runs(store=store) == []
