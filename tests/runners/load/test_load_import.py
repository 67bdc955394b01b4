"""``assay load import --format vllm``: vLLM's detailed results under assay's definitions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assay.errors import ConfigError, DataError
from assay.workflows import load_import


def _vllm_file(tmp_path: Path, n: int = 400) -> Path:
    # vLLM's own fields: ttfts and itls in seconds, one entry per request; one failure
    data = {
        "duration": 10.0,
        "ttfts": [0.5] + [0.05 + 0.0001 * i for i in range(n - 1)],
        "itls": [[0.1] * 10] + [[0.01] * 4 for _ in range(n - 1)],
        "output_lens": [11] + [5] * (n - 1),
        "input_lens": [7] * n,
        "errors": [""] * (n - 1) + ["Connection reset"],
    }
    data["ttfts"][-1] = 0.0
    data["itls"][-1] = []
    data["output_lens"][-1] = 0
    path = tmp_path / "vllm.json"
    path.write_text(json.dumps(data))
    return path


def test_vllm_requests_are_renamed_to_assays_definitions(tmp_path: Path) -> None:
    report = load_import(_vllm_file(tmp_path))
    first = report.result.timings[0]
    assert first.ttft_s == 0.5 and first.e2e_s == pytest.approx(1.5)
    assert first.tpot_excl_first_s == pytest.approx(0.1)  # vLLM's TPOT
    assert first.tpot_incl_first_s == pytest.approx(1.5 / 11)
    s = report.summary
    assert s.n_requests == 400 and s.errors_by_kind == {"imported_error": 1}
    assert "client_lag" in s.unmeasured and "requests_per_s" not in s.metrics
    assert s.metrics["ttft_mean_ms"].method.startswith("t")


def test_a_p99_verdict_counts_the_failure_as_a_miss(tmp_path: Path) -> None:
    report = load_import(_vllm_file(tmp_path), slo=["ttft_p99<=100ms"])
    assert report.verdict == "INCONCLUSIVE"  # 2 of 400 beyond: the interval straddles
    assert "straddles" in report.objectives[0].reason


def test_a_rate_objective_on_a_file_without_send_times_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="did not measure"):
        load_import(_vllm_file(tmp_path), slo=["requests_per_s>=5"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "one JSON object"),
        ('{"ttfts": [0.1], "itls": [[]]}', "output_lens"),
        ('{"ttfts": [-1], "itls": [[]], "output_lens": [3]}', "non-negative"),
    ],
)
def test_bad_files_name_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        load_import(path)


def test_the_command_prints_json(tmp_path: Path) -> None:
    env = dict(os.environ, ASSAY_HOME=str(tmp_path / "home"))
    command = [sys.executable, "-m", "assay", "load", "import", str(_vllm_file(tmp_path)), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["metrics"]["tpot_excl_first_p50_ms"][
        "estimate"
    ] == pytest.approx(10.0)
