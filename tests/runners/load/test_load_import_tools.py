"""``assay load import --format guidellm|llmperf|aiperf``: their requests under assay's names.

The files are rebuilt field for field from each tool's writer (tool_files.py says where from);
each tool's own derived numbers sit in the file and are checked against assay's definitions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tool_files import (
    EXAMPLE,
    aiperf_file,
    guidellm_report,
    llmperf_file,
    requests,
)

import assay
from assay.errors import ConfigError, DataError, ParameterError
from assay.runners.load import read_load_results
from assay.workflows import load_import


def _check_example(t: object) -> None:
    # sent at 0 s, first token 0.5 s, 11 tokens, last token 1.5 s
    assert t.ttft_s == pytest.approx(0.5, abs=1e-6)  # type: ignore[attr-defined]
    assert t.e2e_s == pytest.approx(1.5, abs=1e-6)  # type: ignore[attr-defined]
    assert t.tpot_excl_first_s == pytest.approx(0.1, abs=1e-6)  # type: ignore[attr-defined]
    assert t.tpot_incl_first_s == pytest.approx(1.5 / 11, abs=1e-6)  # type: ignore[attr-defined]


def test_guidellm_tpot_is_assays_tpot_including_the_first_token(tmp_path: Path) -> None:
    path = guidellm_report(tmp_path / "g.json", requests())
    found = read_load_results(path, format="guidellm")
    _check_example(found.timings[0])
    assert found.timings[0].itl_mean_s == pytest.approx(0.1, abs=1e-6)
    assert found.timings[0].client_lag_s == pytest.approx(0.01, abs=1e-6)
    # GuideLLM's own numbers, in the file, against assay's definitions on every request
    data = json.loads(path.read_text())["benchmarks"][0]["requests"]["successful"]
    for raw, t in zip(data, found.timings, strict=False):
        # Unix timestamps in float seconds resolve to about 0.2 µs
        ms = {"abs": 1e-3}
        assert raw["time_per_output_token_ms"] == pytest.approx(t.tpot_incl_first_s * 1e3, **ms)
        assert raw["inter_token_latency_ms"] == pytest.approx(t.tpot_excl_first_s * 1e3, **ms)
        assert raw["time_to_first_token_ms"] == pytest.approx(t.ttft_s * 1e3, **ms)
    report = load_import(path, format="guidellm")
    s = report.summary
    assert s.n_requests == 401 and s.n_ok == 400 and s.errors_by_kind == {"imported_error": 1}
    assert "requests_per_s" in s.metrics and "client_lag_p99_ms" in s.metrics
    assert "itl_pooled" in s.unmeasured and "itl_pooled_p50_ms" not in s.metrics
    assert s.metrics["tpot_incl_first_p50_ms"].method.startswith("order statistic")


def test_a_guidellm_sweep_needs_a_benchmark_index(tmp_path: Path) -> None:
    path = guidellm_report(tmp_path / "g.json", requests(20), benchmarks=3)
    with pytest.raises(DataError, match="3 benchmarks"):
        load_import(path, format="guidellm")
    assert load_import(path, format="guidellm", benchmark=2).summary.n_requests == 21
    with pytest.raises(DataError, match="no benchmark 3"):
        load_import(path, format="guidellm", benchmark=3)


def test_an_older_guidellm_report_with_flat_times(tmp_path: Path) -> None:
    start = 1_700_000_000.0
    old = {
        "type_": "generative_text_response",
        "request_id": "a",
        "scheduler_info": {"targeted_start_time": start - 0.01, "request_start": start},
        "prompt_tokens": 7,
        "output_tokens": 11,
        "start_time": start,
        "end_time": start + 1.5,
        "first_token_time": start + 0.5,
        "last_token_time": start + 1.5,
    }
    report = {"benchmarks": [{"requests": {"successful": [old], "errored": []}}]}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(report))
    found = read_load_results(path, format="guidellm")
    _check_example(found.timings[0])
    assert "itl" in found.unmeasured  # no iteration count: the mean gap is unknown


def test_llmperf_inter_token_latency_is_tpot_including_the_first(tmp_path: Path) -> None:
    for jsonl in (False, True):
        path = llmperf_file(tmp_path / f"l{jsonl}.json", requests(), jsonl=jsonl)
        found = read_load_results(path, format="llmperf")
        _check_example(found.timings[0])
        assert not found.timeline and {"itl", "itl_pooled"} <= set(found.unmeasured)
        report = load_import(path, format="llmperf")
        s = report.summary
        assert s.n_requests == 401 and s.errors_by_kind == {"http_503": 1}
        assert "requests_per_s" not in s.metrics and "itl_p50_ms" not in s.metrics
        assert "client_lag" in s.unmeasured


def test_aiperf_inter_token_latency_is_tpot_excluding_the_first(tmp_path: Path) -> None:
    path = aiperf_file(tmp_path / "profile_export.jsonl", requests(), warmup=5)
    found = read_load_results(path, format="aiperf")
    assert len(found.timings) == 401  # the warm-up records are left out
    _check_example(found.timings[0])
    assert found.timings[0].itl_gaps_s == pytest.approx((0.1,) * 10, abs=1e-6)
    lines = [json.loads(x) for x in path.read_text().splitlines()][5:]
    for raw, t in zip(lines[:-1], found.timings, strict=False):
        assert raw["metrics"]["inter_token_latency"]["value"] == pytest.approx(
            t.tpot_excl_first_s * 1e3, abs=1e-6
        )
    s = load_import(path, format="aiperf").summary
    assert s.errors_by_kind == {"http_503": 1} and "requests_per_s" in s.metrics
    assert "client_lag" in s.unmeasured and "client_lag_p50_ms" not in s.metrics
    assert "itl_pooled_p99_ms" in s.metrics


def test_a_p99_objective_is_judged_on_the_imported_requests(tmp_path: Path) -> None:
    path = aiperf_file(tmp_path / "a.jsonl", requests())
    report = load_import(path, format="aiperf", slo=["ttft_p99<=100ms", "error_rate<=5%"])
    # 2 of 401 beyond 100 ms (the example and the failure): the p99 interval straddles
    assert report.verdict == "INCONCLUSIVE"
    assert [r.outcome for r in report.objectives] == ["inconclusive", "met"]


@pytest.mark.parametrize(
    ("fmt", "slo"),
    [("llmperf", "requests_per_s>=5"), ("llmperf", "itl<=50ms"), ("aiperf", "client_lag<=5ms")],
)
def test_objectives_on_what_a_file_cannot_measure_are_refused(
    tmp_path: Path, fmt: str, slo: str
) -> None:
    writer = llmperf_file if fmt == "llmperf" else aiperf_file
    path = writer(tmp_path / "f", requests(20))
    with pytest.raises(ConfigError, match="not measure"):
        load_import(path, format=fmt, slo=[slo])


def test_logged_imports_are_ordinary_runs_with_unmeasured_columns_missing(
    tmp_path: Path,
) -> None:
    store = assay.open_store(f"sqlite:///{tmp_path / 'a.db'}")
    path = llmperf_file(tmp_path / "l.json", requests(30))
    report = load_import(path, format="llmperf", log=True, store=store, name="llmperf")
    assert report.run_id is not None
    records = store.runs.records(report.run_id).to_pylist()
    assert len(records) == report.summary.n_requests == 31
    assert all("client_lag_ms" not in r and "itl_mean_ms" not in r for r in records)
    assert sum(r["error"] is not None for r in records) == 1
    assert records[0]["tpot_excl_first_ms"] == pytest.approx(100.0, abs=1e-3)


def test_a_refused_file_stores_nothing(tmp_path: Path) -> None:
    store = assay.open_store(f"sqlite:///{tmp_path / 'a.db'}")
    path = tmp_path / "bad.jsonl"
    good = aiperf_file(tmp_path / "good.jsonl", requests(3)).read_text().splitlines()
    path.write_text("\n".join([*good[:2], '{"metadata": ', *good[2:]]) + "\n")
    with pytest.raises(DataError, match=r"line 3"):
        load_import(path, format="aiperf", log=True, store=store)
    assert store.runs.list() == []


def test_bad_arguments_are_parameter_errors(tmp_path: Path) -> None:
    path = aiperf_file(tmp_path / "a.jsonl", requests(3))
    with pytest.raises(ParameterError, match="'format' parameter of read_load_results"):
        read_load_results(path, format="genai-perf")
    with pytest.raises(ParameterError, match="'benchmark' parameter"):
        read_load_results(path, format="aiperf", benchmark=1)
    with pytest.raises(ConfigError, match="Unknown load format"):
        load_import(path, format="locust")


def test_the_command_reads_each_format(tmp_path: Path) -> None:
    env = dict(os.environ, ASSAY_HOME=str(tmp_path / "home"))
    files = {
        "guidellm": guidellm_report(tmp_path / "g.json", requests(50)),
        "llmperf": llmperf_file(tmp_path / "l.json", requests(50)),
        "aiperf": aiperf_file(tmp_path / "a.jsonl", requests(50)),
    }
    for fmt, path in files.items():
        command = [sys.executable, "-m", "assay", "load", "import", str(path), "--format", fmt]
        done = subprocess.run(
            [*command, "--json"], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["n_requests"] == 51
        assert out["metrics"]["ttft_p50_ms"]["estimate"] == pytest.approx(52.5, abs=0.2)
    assert EXAMPLE.tokens == 11


def test_a_report_serialised_by_guidellm_itself(tmp_path: Path) -> None:
    # files/guidellm-0.8.1-requests.json: the requests of requests(6) validated and dumped by
    # guidellm 0.8.1's own GenerativeRequestStats (model_dump(mode="json")), computed fields and
    # all, inside a report wrapper; GuideLLM's TPOT and ITL are its own numbers
    path = Path(__file__).parent / "files" / "guidellm-0.8.1-requests.json"
    found = read_load_results(path, format="guidellm")
    assert len(found.timings) == 7 and sum(t.ok for t in found.timings) == 6
    _check_example(found.timings[0])
    successful = json.loads(path.read_text())["benchmarks"][0]["requests"]["successful"]
    assert successful[0]["time_per_output_token_ms"] == pytest.approx(136.3636, abs=1e-3)
    assert successful[0]["inter_token_latency_ms"] == pytest.approx(100.0, abs=1e-3)
    for raw, t in zip(successful, found.timings, strict=False):
        assert raw["time_per_output_token_ms"] == pytest.approx(t.tpot_incl_first_s * 1e3, abs=1e-3)
        assert raw["inter_token_latency_ms"] == pytest.approx(t.tpot_excl_first_s * 1e3, abs=1e-3)
        assert raw["output_tokens"] == t.output_tokens


def test_an_export_serialised_by_aiperf_itself(tmp_path: Path) -> None:
    # files/aiperf-0.13.0-profile_export.jsonl: a warm-up record and requests(6), each
    # validated and written by aiperf 0.13.0's MetricRecordInfo.model_dump_json (the writer
    # of its record export); 0.13 adds credit_issued_ns, the rate limiter's send time
    path = Path(__file__).parent / "files" / "aiperf-0.13.0-profile_export.jsonl"
    found = read_load_results(path, format="aiperf")
    assert len(found.timings) == 7 and sum(t.ok for t in found.timings) == 6
    _check_example(found.timings[0])
    assert found.timings[0].client_lag_s == pytest.approx(0.01, abs=1e-9)
    assert "client_lag" not in found.unmeasured
    s = load_import(path, format="aiperf").summary
    assert s.metrics["client_lag_p50_ms"].estimate == pytest.approx(2.0, abs=1e-6)
