"""The dashboard writes a run's numbers and times as the command line does: the same run
shows the same strings on ``/runs`` (real HTTP) and in ``assay runs list`` (the real
program, piped)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import httpx

import assay
from assay._util import format_time, summary
from assay.server import ServerSettings, create_app
from assay.storage import open_store
from assay.testing import running_server
from assay.testing._stored import make_records, make_run, make_suite_model


def _cli_runs_list(home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env["ASSAY_HOME"] = str(home)
    env["COLUMNS"] = "200"
    src = str(Path(assay.__file__).parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "assay", "runs", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_a_run_reads_the_same_on_the_page_and_in_the_cli(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    with open_store(f"sqlite:///{home / 'assay.db'}") as store:
        suite, examples = make_suite_model("same", n=20, seed=1)
        store.suites.put(suite, examples)
        records = make_records(20, seed=2)
        run, _ = store.runs.put(make_run(suite, records, run_id="one", accuracy=0.867), records)
        with running_server(create_app(store, ServerSettings())) as url:
            page = unescape(re.sub(r"<[^>]+>", " ", httpx.get(url + "/runs").text))
    listed = _cli_runs_list(home)
    accuracy = summary(run.metrics["accuracy"], "accuracy")
    assert re.fullmatch(r"86\.7% \[\d+\.\d%, \d+\.\d%\]", accuracy), accuracy
    created = format_time(run.created_at)
    for text in (accuracy, created):
        assert text in listed, (text, listed)
        assert text in page, (text, page)
    assert "0.867" not in page  # not the raw fraction
    assert "created_at" not in page  # the column is "created", as in the CLI
    assert re.search(r"\bcreated\b", listed) and re.search(r"\bcreated\b", page)
