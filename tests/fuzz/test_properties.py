"""Generated inputs for the suite loader and the records reader: whatever they are, the only
outcomes are a value or an assay error, and a stored run's metrics are finite."""

from __future__ import annotations

import contextlib
import json
import math
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assay
from assay.data import read_table
from assay.errors import AssayError, CoverageWarning

FAST = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
SWEEP = settings(max_examples=1_000, deadline=None, suppress_health_check=list(HealthCheck))

IDS = [f"e{i}" for i in range(8)]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "\x00", "\x1b", "\ufeff", "\ud7ff", "name", "m", "e1", "*a", "&a", "!!"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=8) | st.sampled_from(["name", "example_id"]), inner, max_size=4
        )
    ),
    max_leaves=20,
)
suite_fields = st.fixed_dictionaries(
    {},
    optional={
        "name": values,
        "version": values,
        "description": values,
        "metrics": values | st.just(["m"]),
        "slices": values,
        "catalog": values,
        "task": values,
        "examples": values | st.just([{"example_id": "a"}]),
    },
)


def _load_suite_text(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "suite.yaml"
        path.write_bytes(raw)
        with contextlib.suppress(AssayError):
            assay.load_suite(path)


def _suite_yaml(spec: dict[str, Any]) -> bytes:
    return yaml.safe_dump(spec, allow_unicode=True).encode("utf-8", "surrogatepass")


@FAST
@given(suite_fields)
def test_any_suite_mapping_loads_or_is_refused(spec):
    _load_suite_text(_suite_yaml(spec))


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_as_a_suite_load_or_are_refused(raw):
    _load_suite_text(raw)


@FAST
@given(st.binary(max_size=400), st.sampled_from(["jsonl", "csv", "parquet"]))
def test_any_bytes_as_a_records_file_read_or_are_refused(raw, fmt):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"r.{fmt}"
        path.write_bytes(raw)
        with contextlib.suppress(AssayError):
            read_table(path)


scores = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([1e308, -1e308, 1e150, 1e151, 0.5, "0.5", "x", None, True]),
)
rows = st.lists(
    st.fixed_dictionaries(
        {"example_id": st.sampled_from([*IDS, "nope", "", "e1\n"]) | st.text(max_size=5)},
        optional={"m": scores, "error": st.none() | st.text(max_size=5), "sample_index": scores},
    ),
    min_size=1,
    max_size=10,
)


def _ingest_rows(tmp: Path, store: assay.Store, suite: assay.SuiteData, data: list[Any]) -> None:
    jsonl = tmp / "r.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in data))
    csv = tmp / "r.csv"
    keys = list(dict.fromkeys(k for r in data for k in r))
    csv.write_text(
        ",".join(keys)
        + "\n"
        + "".join(",".join(json.dumps(r.get(k, "")) for k in keys) + "\n" for r in data)
    )
    for path in (jsonl, csv):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CoverageWarning)
            try:
                logged = assay.ingest(path, suite=suite, model="m@1", store=store)
            except AssayError:
                continue
        # a run covering part of its suite is stored, and says so
        partial = logged.run.n_examples < len(IDS)
        assert partial == any(issubclass(w.category, CoverageWarning) for w in caught)
        for summary in logged.run.metrics.values():
            assert summary.estimate is None or math.isfinite(summary.estimate)


@pytest.fixture
def records_suite(store):
    return assay.register_suite(
        assay.make_suite("fuzz", [{"example_id": i} for i in IDS], metrics=["m"]), store=store
    )


def test_generated_records_are_stored_or_refused(store, records_suite, tmp_path):
    @FAST
    @given(rows)
    def check(data):
        _ingest_rows(tmp_path, store, records_suite, data)

    check()


@pytest.mark.slow
def test_generated_inputs_sweep(store, records_suite, tmp_path):
    @SWEEP
    @given(suite_fields, rows)
    def check(spec, data):
        _load_suite_text(_suite_yaml(spec))
        _ingest_rows(tmp_path, store, records_suite, data)

    check()
