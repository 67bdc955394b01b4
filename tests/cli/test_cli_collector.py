"""A short command (compare, gate, report, runs, help) runs with the garbage collector's young
passes rare; when the line is the process's own (the ``assay`` script) and leaves nothing for
the collection at exit to close (compare, help), the objects left at the end are frozen
rather than walked again on the way out. A command run in-process (``main([...])``) or a
long one (a server, a load test) leaves the collector as it found it.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa

import assay
from assay.cli import main

SRC = str(Path(assay.__file__).resolve().parents[1])

PROBE = """
import gc, json, sys
from assay.cli import main, script
entry = {"script": script, "main": main}[sys.argv[2]]
argv = json.loads(sys.argv[1])
sys.argv = ["assay", *argv]
seen = []
gc.callbacks.append(lambda phase, info: phase == "start" and seen.append(gc.get_threshold()[0]))
code = entry()
print(json.dumps([code, gc.get_freeze_count() > 0, gc.get_threshold(), min(seen, default=None)]))
"""


def _process(
    argv: list[str], env: dict[str, str], cwd: Path, entry: str = "script"
) -> list[object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), entry],
        cwd=cwd,
        env={**env, "PYTHONPATH": SRC},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.stderr == "" or "note:" in done.stderr, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def _two_runs(tmp_path: Path, monkeypatch) -> tuple[dict[str, str], str, str]:
    monkeypatch.setenv("ASSAY_HOME", str(tmp_path / ".assay"))
    monkeypatch.delenv("ASSAY_DB", raising=False)
    ids = [f"e{i}" for i in range(30)]
    suite = assay.make_suite("s", [{"example_id": x} for x in ids], metrics=["accuracy"])
    with assay.open_store() as store:  # closed here: the commands below find the files alone
        runs = [
            assay.log_run(
                pa.table({"example_id": ids, "accuracy": [float(i % k == 0) for i in range(30)]}),
                suite=suite,
                model=f"m@{k}",
                store=store,
            ).run.run_id
            for k in (2, 3)
        ]
    env = {k: v for k, v in os.environ.items() if k != "ASSAY_DB"}
    return {**env, "ASSAY_HOME": str(tmp_path / ".assay")}, runs[0], runs[1]


def test_the_process_own_comparison_collects_rarely_and_freezes_at_the_end(tmp_path, monkeypatch):
    env, first, second = _two_runs(tmp_path, monkeypatch)
    code, frozen, threshold, lowest = _process(["compare", first, second], env, tmp_path)
    assert code == 0 and frozen is True
    assert threshold == list(gc.get_threshold())  # given back as it was
    assert lowest is None or lowest >= 200_000  # every pass ran at the raised threshold
    code, frozen, _, _ = _process(["--help"], env, tmp_path)
    assert code == 0 and frozen is True


def test_a_frozen_comparison_through_the_whole_store_leaves_no_database_side_files(
    tmp_path, monkeypatch
):
    # a store the standard library does not read (files kept elsewhere) is opened whole; the
    # comparison closes it itself, as nothing frozen is closed by the collection at exit
    env, first, second = _two_runs(tmp_path, monkeypatch)
    env["ASSAY_ARTIFACTS"] = str(tmp_path / ".assay")
    code, frozen, _, _ = _process(["compare", first, second], env, tmp_path)
    assert code == 0 and frozen is True
    assert sorted(p.name for p in (tmp_path / ".assay").glob("assay.db*")) == ["assay.db"]


def test_a_gate_closes_its_store_on_the_way_out(tmp_path, monkeypatch):
    # the store gate opened is closed by the collection at exit (not frozen): the SQLite
    # write-ahead log and shared-memory files go with it
    env, first, second = _two_runs(tmp_path, monkeypatch)
    code, frozen, threshold, _ = _process(["gate", first, second], env, tmp_path)
    assert code in (0, 1, 2) and frozen is False and threshold == list(gc.get_threshold())
    assert sorted(p.name for p in (tmp_path / ".assay").glob("assay.db*")) == ["assay.db"]


def test_any_other_command_leaves_the_collector_alone(tmp_path, monkeypatch):
    env, _, _ = _two_runs(tmp_path, monkeypatch)
    code, frozen, threshold, lowest = _process(["suites", "list"], env, tmp_path)
    assert code == 0 and frozen is False and threshold == list(gc.get_threshold())
    assert lowest is None or lowest == gc.get_threshold()[0]


def test_main_without_arguments_in_a_process_that_goes_on_freezes_nothing(tmp_path, monkeypatch):
    # main() reads sys.argv like the script, but the process may go on (a notebook kernel, a
    # wrapper): its objects stay in the collector's passes; only the script freezes them
    env, first, second = _two_runs(tmp_path, monkeypatch)
    for argv in (["compare", first, second], ["--help"]):
        code, frozen, threshold, _ = _process(argv, env, tmp_path, entry="main")
        assert code == 0 and frozen is False and threshold == list(gc.get_threshold())


def test_the_installed_script_and_python_m_run_the_process_own_line() -> None:
    import tomllib

    from assay.cli import script

    project = tomllib.loads((Path(SRC).parent / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["assay"] == "assay.cli:script"
    main_module = (Path(SRC) / "assay" / "__main__.py").read_text()
    assert "sys.exit(script())" in main_module and callable(script)


def test_a_command_run_in_process_gives_the_collector_back(tmp_path, monkeypatch):
    _, first, second = _two_runs(tmp_path, monkeypatch)
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert main(["compare", first, second, "--json"]) == 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen
