"""The command line: every command, its --json form, and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import assay
from assay.cli import main
from assay.testing import synthetic_records, synthetic_suite

SUITE_YAML = """\
name: cli-suite
metrics:
  - {name: accuracy, scorer: exact_match}
slices: [lang]
examples:
"""


@pytest.fixture
def suite_file(home: Path, tmp_path: Path) -> Path:
    data = synthetic_suite(40, seed=11)
    rows = data.examples.to_pylist()
    body = "".join(
        f"  - {{example_id: {r['example_id']}, slices: {{lang: {r['lang']}}}, input: {r['input']}, reference: {r['reference']}}}\n"
        for r in rows
    )
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE_YAML + body)
    return path


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def _records_file(suite_file: Path, tmp_path: Path, seed: int) -> Path:
    data = assay.load_suite(suite_file)
    path = tmp_path / f"r{seed}.parquet"
    pq.write_table(synthetic_records(data, seed=seed, error_rate=0.05).drop(["sample_index"]), path)
    return path


def test_ingest_list_show_diff_export(home, suite_file, tmp_path, capsys):
    a = _records_file(suite_file, tmp_path, 1)
    b = _records_file(suite_file, tmp_path, 2)
    assert (
        main(
            [
                "ingest",
                str(a),
                "--suite",
                str(suite_file),
                "--model",
                "m@1",
                "--tag",
                "stage=base",
                "--json",
            ]
        )
        == 0
    )
    run_a = _json(capsys)["run"]
    assert main(["ingest", str(b), "--suite", "cli-suite", "--model", "m@2", "--json"]) == 0
    run_b = _json(capsys)["run"]
    assert main(["runs", "list", "--json"]) == 0
    assert {r["run_id"] for r in _json(capsys)} == {run_a["run_id"], run_b["run_id"]}
    assert main(["runs", "list", "--tag", "stage=base", "--json"]) == 0
    assert [r["run_id"] for r in _json(capsys)] == [run_a["run_id"]]
    assert main(["runs", "list"]) == 0
    assert "accuracy" in capsys.readouterr().out
    assert main(["runs", "show", run_a["run_id"][:10]]) == 0
    shown = capsys.readouterr().out
    assert "manifest" in shown and "95% interval" in shown
    assert main(["runs", "diff", run_a["run_id"], run_b["run_id"], "--json"]) == 0
    fields = {d["field"] for d in _json(capsys)}
    assert "model.version" in fields and "source" in fields
    out = tmp_path / "export.csv"
    assert main(["runs", "export", run_a["run_id"], "-o", str(out)]) == 0
    assert "wrote 40 records" in capsys.readouterr().out
    assert out.read_text().count("\n") == 41
    assert main(["suites", "list", "--json"]) == 0
    assert [s["name"] for s in _json(capsys)] == ["cli-suite"]


def test_exit_codes(home, suite_file, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"example_id": "nope", "accuracy": 1}\n')
    assert main(["ingest", str(bad), "--suite", str(suite_file), "--model", "m@1"]) == 3
    assert "line 1" in capsys.readouterr().err
    assert main(["ingest", str(bad), "--suite", str(suite_file), "--model", "@"]) == 4
    assert main(["runs", "show", "ffffffffffff"]) == 8
    assert main(["runs", "list", "--no-such-option"]) == 64
    assert main(["suites", "show", "no-such-suite"]) == 8


def test_untrusted_text_is_not_markup(home, tmp_path, capsys):
    data = synthetic_suite(5, name="[bold red]evil[/]")
    assay.register_suite(data)
    assert main(["suites", "show", data.digest[:12]]) == 0
    assert "[bold red]evil[/]" in capsys.readouterr().out


def test_runs_show_reports_repeated_samples_with_pass_at_k(home, store, capsys):
    data = assay.make_suite(
        "sampled",
        [{"example_id": f"e{i}", "input": i, "reference": 0} for i in range(30)],
        metrics=[{"name": "solved", "scorer": "exact_match"}],
    )
    calls: dict[int, int] = {}

    def flaky(x: int) -> int:
        # example i is solved on its j-th sample when (i + j) % 3 == 0: one in three samples
        j = calls.get(x, 0)
        calls[x] = j + 1
        return 0 if (x + j) % 3 == 0 else 1

    logged = assay.evaluate(flaky, suite=data, model="sampler@1", store=store, samples=3)
    assert main(["runs", "show", logged.run.run_id[:12], "--json"]) == 0
    shown = _json(capsys)
    (summary,) = shown["repeated_samples"]
    assert summary["metric"] == "solved"
    assert summary["samples_per_example"] == [3, 3]
    # every example passes exactly one of its three samples
    assert summary["pass_at_k"]["1"]["estimate"] == pytest.approx(1 / 3)
    assert summary["pass_at_k"]["2"]["estimate"] == pytest.approx(1 - 1 / 3)
    assert summary["pass_at_k"]["3"]["estimate"] == pytest.approx(1.0)
    assert "Chen et al. 2021" in summary["pass_at_k"]["2"]["method"]
    assert main(["runs", "show", logged.run.run_id[:12]]) == 0
    assert "pass@k" in capsys.readouterr().out
