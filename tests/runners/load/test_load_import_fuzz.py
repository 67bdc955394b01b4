"""Hostile GuideLLM, LLMPerf and AIPerf files: one clear error naming where, never a crash."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tool_files import EXAMPLE, aiperf_record, guidellm_report, llmperf_record, requests

import assay.runners.load._import_files as files
from assay.errors import DataError
from assay.runners.load import read_load_results

FORMATS = ("guidellm", "llmperf", "aiperf")
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def _read(content: bytes, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f"
        path.write_bytes(content)
        try:
            found = read_load_results(path, format=fmt)
        except DataError as exc:
            assert str(path) in str(exc)
            return
        assert found.timings  # a file that reads holds requests


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.sampled_from(FORMATS))
def test_arbitrary_bytes_are_read_or_refused(content: bytes, fmt: str) -> None:
    _read(content, fmt)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3]):
            out += _paths(v, (*prefix, i))
    return out


def _replace(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(obj) if isinstance(obj, dict) else list(obj)
    copy[path[0]] = _replace(copy[path[0]], path[1:], value)
    return copy


def _valid(fmt: str) -> Any:
    if fmt == "aiperf":
        return aiperf_record(EXAMPLE, 0)
    if fmt == "llmperf":
        return [llmperf_record(EXAMPLE)]
    with tempfile.TemporaryDirectory() as folder:
        return json.loads(guidellm_report(Path(folder) / "g.json", requests(2)).read_text())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FORMATS), st.data(), _JSON)
def test_any_field_replaced_by_any_value_is_read_or_refused(
    fmt: str, data: st.DataObject, value: Any
) -> None:
    valid = _valid(fmt)
    where = data.draw(st.sampled_from(_paths(valid)))
    broken = _replace(valid, where, value)
    _read(json.dumps(broken).encode(), fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_deep_nesting_duplicate_keys_and_bad_bytes_name_the_place(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "f"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataError, match=r"nested deeper|not JSON"):
        read_load_results(path, format=fmt)
    path.write_text('[{"a": 1, "a": 2}]' if fmt == "llmperf" else '{"a": 1, "a": 2}')
    with pytest.raises(DataError, match="'a' is given twice"):
        read_load_results(path, format=fmt)
    path.write_bytes(b'{"ok": 1}\n{"b": "\xff"}\n')
    with pytest.raises(DataError, match=r"line 2, column '8': not UTF-8"):
        read_load_results(path, format=fmt)


def test_a_bad_line_of_an_aiperf_export_is_named(tmp_path: Path) -> None:
    good = json.dumps(aiperf_record(EXAMPLE, 0))
    path = tmp_path / "p.jsonl"
    path.write_text(good + "\n" + good + "\n" + '{"metadata": {"x": }\n')
    with pytest.raises(DataError, match=r"p.jsonl, line 3, column '20': not JSON"):
        read_load_results(path, format="aiperf")
    bad = aiperf_record(EXAMPLE, 0)
    bad["metrics"]["time_to_first_token"]["value"] = -5
    path.write_text(good + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(DataError, match=r"line 2, column 'metrics.time_to_first_token.value'"):
        read_load_results(path, format="aiperf")
    bad["metrics"]["time_to_first_token"] = {"value": 5, "unit": "fortnights"}
    path.write_text(json.dumps(bad) + "\n")
    with pytest.raises(DataError, match="unknown time unit"):
        read_load_results(path, format="aiperf")


def test_a_file_over_the_size_bound_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "l.json"
    path.write_text(json.dumps([llmperf_record(EXAMPLE)] * 50))
    monkeypatch.setattr(files, "MAX_BYTES", 1000)
    with pytest.raises(DataError, match="too large"):
        read_load_results(path, format="llmperf")
