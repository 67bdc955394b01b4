"""The public face of assay.testing, and its promise not to import heavy or optional packages."""

from __future__ import annotations

import subprocess
import sys

import pytest

import assay.testing
from assay.errors import ParameterError
from assay.testing import seed_sweep

PUBLIC = {
    "HOSTILE_TEXTS", "LABELS", "QA_TEMPLATE", "REPORT_SLICES", "REPORT_TIME", "T0",
    "FakeOpenAI", "LocalRayCluster", "binary_result", "check_adapter", "check_rule_kind", "check_store", "chromium_driver",
    "closed_port", "comparison_of", "comparison_suite", "fake_reply", "given_interval",
    "make_approval", "make_decision", "make_examples", "make_records", "make_run",
    "make_suite_model", "mean_result", "metric_result", "paired_records", "qa_examples",
    "qa_suite", "report_comparison", "report_verdict", "result_from_paired", "rule_outcome",
    "run_info", "running_server", "seed_sweep", "simulated_result", "store_runs", "synthetic_records",
    "synthetic_suite", "then_wait", "word_count",
}  # fmt: skip


def test_the_public_names_are_pinned() -> None:
    assert set(assay.testing.__all__) == PUBLIC
    assert all(hasattr(assay.testing, name) for name in PUBLIC)


def test_importing_the_kit_imports_no_optional_or_heavy_package() -> None:
    script = (
        "import sys, assay.testing; "
        "print(sorted(m for m in ('aiohttp', 'hypothesis', 'torch', 'ray', 'transformers') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def test_seed_sweep_is_a_few_seeds_unless_the_full_sweep_is_asked_for() -> None:
    assert seed_sweep(100) == [0, 1, 2]
    assert seed_sweep(100, sweep=True) == list(range(100))
    assert seed_sweep(2, fast=5) == [0, 1]
    with pytest.raises(ParameterError, match="'full' parameter of seed_sweep"):
        seed_sweep(0)


@pytest.mark.seeds(100)
def test_the_seeds_marker_parametrises_seed(seed: int, request: pytest.FixtureRequest) -> None:
    full = request.config.getoption("seed_sweep") or "slow" in str(
        request.config.getoption("markexpr")
    )
    assert 0 <= seed < (100 if full else 3)
