"""Every hostile file of the corpus ends in a data or configuration error, never a traceback,
a crash or a changed store: through the library, and through the ``assay`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fuzz_corpus import IDS, UINT64_MAX_PARQUET, policy_texts, record_files, suite_files

import assay
from assay.cli import main
from assay.errors import ConfigError, DataError
from assay.gates import load_policy
from assay.online import load_plan

SUITE_YAML = "name: fuzz\nmetrics: [accuracy]\nexamples: ids.jsonl\n"
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def suite_path(tmp_path: Path) -> Path:
    (tmp_path / "ids.jsonl").write_text("".join(f'{{"example_id": "{i}"}}\n' for i in IDS))
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE_YAML)
    return path


def _runs(store: assay.Store) -> int:
    return len(assay.list_runs(store=store))


@pytest.mark.parametrize(("name", "content"), record_files(), ids=lambda v: str(v)[:40])
def test_record_file_is_refused_with_a_data_error(store, suite_path, tmp_path, name, content):
    suite = assay.register_suite(suite_path, store=store)
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        assay.ingest(path, suite=suite, model="m@1", store=store)
    assert err.value.file is not None
    assert len(str(err.value)) < 1_000, "a message quotes at most a short prefix"
    assert _runs(store) == 0


@pytest.mark.parametrize(("name", "content"), suite_files(), ids=lambda v: str(v)[:40])
def test_suite_file_is_refused_with_a_data_or_config_error(tmp_path, name, content):
    (tmp_path / "junk.jsonl").write_bytes(bytes(range(256)))
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises((DataError, ConfigError)) as err:
        assay.load_suite(path)
    assert str(tmp_path) in str(err.value), "the message names the file"
    assert len(str(err.value)) < 1_000


@pytest.mark.parametrize(("name", "text"), policy_texts(), ids=lambda v: str(v)[:40])
def test_policy_and_plan_yaml_is_refused_with_a_config_error(tmp_path, name, text):
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(text.encode())
    with pytest.raises(ConfigError, match=r"line \d+"):
        load_policy(path)
    with pytest.raises(ConfigError, match=r"line \d+"):
        load_plan(path)


CLI_CASES = [
    ("deep-1k.jsonl", 3),
    ("invalid-utf8.jsonl", 3),
    ("repeated-header.csv", 3),
    ("invalid-utf8-ids.parquet", 3),
    ("huge-scores.jsonl", 3),
]


@pytest.mark.parametrize(("name", "code"), CLI_CASES)
def test_ingest_command_exits_with_the_data_error_code(home, suite_path, tmp_path, name, code):
    content = dict(record_files())[name]
    path = tmp_path / name
    path.write_bytes(content)
    argv = ["ingest", str(path), "--suite", str(suite_path), "--model", "m@1"]
    assert main(argv) == code
    assert main(["runs", "list", "--json"]) == 0


def test_rename_onto_an_existing_column_is_a_data_error(home, suite_path, tmp_path):
    path = tmp_path / "ok.jsonl"
    path.write_text(
        "".join(f'{{"example_id": "{i}", "accuracy": 1, "output": "y"}}\n' for i in IDS)
    )
    argv = ["ingest", str(path), "--suite", str(suite_path), "--model", "m@1"]
    assert main([*argv, "--rename", "output=accuracy"]) == 3
    assert main(["runs", "list", "--json"]) == 0


def test_a_uint64_max_score_is_stored_as_the_nearest_float(store, suite_path, tmp_path):
    path = tmp_path / "u64.parquet"
    path.write_bytes(UINT64_MAX_PARQUET)
    logged = assay.ingest(path, suite=suite_path, model="m@1", store=store)
    assert logged.run.metrics["accuracy"].estimate == float(2**64 - 1)


CLI_SUITES = ["bomb", "metrics-number", "name-list", "nul", "deep-flow", "invalid-utf8"]


def test_suite_bombs_exit_with_documented_codes(home, tmp_path):
    for name, content in suite_files():
        if name.removesuffix(".yaml") not in CLI_SUITES:
            continue
        path = tmp_path / name
        path.write_bytes(content)
        assert main(["suites", "add", str(path)]) in (3, 4), name


def test_a_20k_deep_line_does_not_crash_the_process(tmp_path, suite_path):
    """In a child process: a regression here is a segmentation fault, not a failed assert."""
    path = tmp_path / "deep.jsonl"
    path.write_bytes(dict(record_files())["deep-20k.jsonl"])
    env = {**os.environ, "PYTHONPATH": str(SRC), "ASSAY_HOME": str(tmp_path / ".assay")}
    env.pop("ASSAY_DB", None)
    argv = [sys.executable, "-m", "assay", "ingest", str(path), "--suite", str(suite_path)]
    done = subprocess.run(
        [*argv, "--model", "m@1"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 3, done.stderr
    message = " ".join(done.stderr.split())  # the console wraps long lines
    assert "line 1: nested more than 64 levels" in message and "Traceback" not in message
