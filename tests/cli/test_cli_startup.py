"""The command line starts without the heavy libraries a command may not need.

``assay --help`` must start at once, so importing ``assay.cli`` may load Typer and rich but
not pandas, numpy, scipy, pyarrow, SQLAlchemy or Alembic; listing runs may load SQLAlchemy
but never pandas, scipy or Alembic (a store at the current schema needs no migration tool).
Each check runs in a fresh interpreter, so modules an earlier test imported do not count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

import assay
from assay.storage._migrate import alembic_config, head_revision

SRC = str(Path(assay.__file__).resolve().parents[1])
HEAVY = ("pandas", "scipy", "numpy", "pyarrow", "sqlalchemy", "alembic")


def _loaded(code: str, cwd: Path, env: dict[str, str] | None = None) -> list[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=cwd,
        env={**(env or os.environ), "PYTHONPATH": SRC},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_command_line_loads_no_heavy_library(tmp_path):
    assert _loaded("import assay.cli", tmp_path) == []


def test_the_probe_sees_a_heavy_library_when_one_is_loaded(tmp_path):
    # the check above could pass by never seeing anything: here it must see numpy
    assert _loaded("import assay.cli, numpy", tmp_path) == ["numpy"]


def test_help_loads_no_heavy_library(tmp_path):
    code = "from assay.cli import main\nassert main(['--help']) == 0"
    assert _loaded(code, tmp_path) == []


def test_listing_runs_needs_no_pandas_scipy_or_alembic(tmp_path, monkeypatch):
    home = tmp_path / ".assay"
    monkeypatch.setenv("ASSAY_HOME", str(home))
    monkeypatch.delenv("ASSAY_DB", raising=False)
    ids = [f"e{i}" for i in range(20)]
    suite = assay.make_suite("s", [{"example_id": x} for x in ids], metrics=["accuracy"])
    scores = (np.arange(20) % 3 == 0).astype(float)
    assay.log_run(pa.table({"example_id": ids, "accuracy": scores}), suite=suite, model="m@1")
    env = {**os.environ, "ASSAY_HOME": str(home)}
    env.pop("ASSAY_DB", None)
    code = "from assay.cli import main\nassert main(['runs', 'list']) == 0"
    loaded = _loaded(code, tmp_path, env)
    assert "sqlalchemy" in loaded  # the store was really read
    assert not {"pandas", "scipy", "alembic"} & set(loaded), loaded


def test_the_head_revision_read_from_the_files_is_alembics():
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
