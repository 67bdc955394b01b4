"""``benchmarks/bench_store.py --quick`` runs against this checkout's storage (it fills the store
through storage functions a refactoring can rename) and lists the runs its filter should match."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
from bench_store import THRESHOLD, run_specs

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"

pytestmark = pytest.mark.slow


def test_quick_listing_finds_the_runs_the_filter_selects(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_store.py"), "--quick"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    shown = re.search(r"runs stored: ([\d,]+); .*\(([\d,]+) matches\)", done.stdout)
    assert shown is not None, done.stdout
    stored, matches = (int(g.replace(",", "")) for g in shown.groups())
    specs = run_specs(stored)
    wanted = [s for s in specs if s["stage"] == "candidate" and s["accuracy"] > THRESHOLD]
    assert stored == 2_000
    assert matches == len(wanted) > 0
