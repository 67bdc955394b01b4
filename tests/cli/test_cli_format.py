"""Output formats, the root options and errors as the command line reports them.

Every command runs through ``assay.cli.main`` against a real store in a temporary folder;
what it prints is checked against what the library computes.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa
import pytest

import assay
from assay.cli import main

N_SLICES = 15


def _records(ids: list[str], seed: int, rate: float) -> pa.Table:
    rng = np.random.default_rng(seed)
    n = len(ids)
    return pa.table(
        {
            "example_id": ids,
            "accuracy": (rng.random(n) < rate).astype(float),
            "latency_ms": rng.gamma(4.0, 30.0, n),
        }
    )


@pytest.fixture
def runs(store: assay.Store) -> tuple[str, str]:
    ids = [f"ex-{i:03d}" for i in range(450)]
    suite = assay.make_suite(
        "fmt-suite",
        [{"example_id": x, "slices": {"group": f"g{i % N_SLICES:02d}"}} for i, x in enumerate(ids)],
        metrics=["accuracy"],
        slices=["group"],
    )
    base = assay.log_run(_records(ids, 1, 0.7), suite=suite, model="fmt@1", store=store)
    cand = assay.log_run(_records(ids, 2, 0.8), suite=suite, model="fmt@2", store=store)
    return base.run.run_id, cand.run.run_id


def test_version_and_short_help(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"assay {assay.__version__}"
    assert main(["runs", "list", "-h"]) == 0
    short = capsys.readouterr().out
    assert main(["runs", "list", "--help"]) == 0
    assert capsys.readouterr().out == short
    assert "--ascending" in short


@pytest.mark.parametrize(
    "command", [["runs", "list"], ["compare"], ["gate"], ["ab", "design"], ["reproduce"]]
)
def test_flags_show_no_bool_metavar(capsys, command):
    assert main([*command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "--json" in text and "<bool>" not in text


def test_format_json_is_json_before_or_after_the_command(home, runs, capsys):
    b, c = runs
    assert main(["compare", b, c, "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    for args in (["--format", "json", "compare", b, c], ["compare", b, c, "--format", "json"]):
        assert main(args) == 0
        assert json.loads(capsys.readouterr().out)["results"] == expected["results"]


def test_plain_and_table_formats(home, runs, capsys):
    b, c = runs
    assert main(["compare", b, c, "--format", "plain"]) == 0
    plain = capsys.readouterr().out
    assert not re.search("[─━┃│┏]", plain)
    assert main(["compare", b, c, "--format", "table"]) == 0
    assert "─" in capsys.readouterr().out
    assert main(["compare", b, c]) == 0  # captured output is not a terminal: plain
    assert capsys.readouterr().out == plain
    assert main(["--format", "html", "runs", "list"]) == 64


def test_compare_prints_the_librarys_numbers_in_points(home, runs, capsys):
    b, c = runs
    comparison = assay.compare_runs(b, c)
    overall = comparison.result("accuracy")
    assert main(["compare", b, c]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("accuracy "))  # overall
    d = overall.difference
    shown = [f"{v * 100:+.1f}".replace("-", "\u2212") for v in (d.estimate, d.low, d.high)]
    assert f"{shown[0]} pts [{shown[1]}, {shown[2]}]" in row
    assert f"{overall.baseline.estimate * 100:.1f}%" in row
    assert "-" not in row.replace("accuracy", "")  # one minus sign: U+2212
    latency = [line for line in out.splitlines() if line.startswith("latency_p95 ")]
    assert latency and " ms [" in latency[0]


def test_compare_all_slices_metric_and_confidence(home, runs, capsys):
    b, c = runs
    assert main(["compare", b, c]) == 0
    out = capsys.readouterr().out
    assert f"(12 of {N_SLICES}; --all-slices shows every one)" in out
    assert len([line for line in out.splitlines() if " on group=" in line]) == 12
    assert main(["compare", b, c, "--all-slices"]) == 0
    out = capsys.readouterr().out
    assert len([line for line in out.splitlines() if " on group=" in line]) == N_SLICES
    assert main(["compare", b, c, "--metric", "accuracy", "--confidence", "0.9", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["confidence"] == 0.9
    assert {r["metric"] for r in document["results"]} == {"accuracy"}
    expected = assay.compare_runs(b, c, confidence=0.9).result("accuracy").difference
    [overall] = [r for r in document["results"] if r["slice_attribute"] is None]
    assert overall["difference"]["low"] == pytest.approx(expected.low)
    assert main(["compare", b, c, "--metric", "latency_p50", "--confidence", "0.9"]) == 0
    out = capsys.readouterr().out
    assert "[90% CI]" in out and "accuracy" not in out.split("overall")[1]
    assert main(["compare", b, c, "--metric", "nope"]) == 4
    assert "accuracy" in capsys.readouterr().err


def test_errors_are_json_under_json_with_the_same_exit_code(home, runs, capsys):
    assert main(["runs", "show", "ffffffffffff", "--json"]) == 8
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert error["type"] == "NotFoundError" and error["exit_code"] == 8
    assert "ffffffffffff" in error["message"]
    assert main(["runs", "list", "--no-such-option", "--json"]) == 64
    assert json.loads(capsys.readouterr().out)["error"]["exit_code"] == 64
    assert main(["--format", "json", "runs", "show", "ffffffffffff"]) == 8
    assert json.loads(capsys.readouterr().out)["error"]["type"] == "NotFoundError"


def test_parameter_errors_name_no_library_function(home, runs, capsys):
    assert main(["runs", "show", ""]) == 4
    err = capsys.readouterr().err
    assert "A run reference is a run id, a unique id prefix or MODEL@VERSION" in err
    assert "Got ''." in err
    assert "RunRepository" not in err
    assert main(["ab", "design", "--mde", "0.1"]) == 4
    err = capsys.readouterr().err
    assert "ab_sample_size" not in err and "--sd" in err
    b, c = runs
    assert main(["compare", b, c, "--confidence", "1.5"]) == 4
    err = capsys.readouterr().err
    assert "--confidence" in err and "compare_runs" not in err


def test_advice_is_spelled_as_the_flag(home, runs, store, capsys):
    b, _ = runs
    ids = [f"ex-{i:03d}" for i in range(450)]
    other = assay.make_suite("fmt-suite", [{"example_id": x} for x in ids], metrics=["accuracy"])
    moved = assay.log_run(_records(ids, 3, 0.8), suite=other, model="fmt@3", store=store)
    assert main(["compare", b, moved.run.run_id]) == 3  # a DataError: the suites differ
    err = capsys.readouterr().err
    assert "--shared-only" in err and "shared_only" not in err
    assert main(["compare", b, moved.run.run_id, "--shared-only"]) == 0


def test_an_ambiguous_run_reference_lists_the_candidates(home, store, capsys):
    ids = [f"e{i}" for i in range(10)]
    suite = assay.make_suite("amb", [{"example_id": x} for x in ids], metrics=["accuracy"])
    made = []
    for k in range(20):  # 20 ids over 16 leading hex digits: two share one
        scores = np.random.default_rng(k).random(10).round()
        logged = assay.log_run(
            pa.table({"example_id": ids, "accuracy": scores}),
            suite=suite,
            model=f"m@{k}",
            store=store,
        )
        made.append(logged.run.run_id)
    prefix = next(p for p in "0123456789abcdef" if sum(r.startswith(p) for r in made) > 1)
    code = main(["runs", "show", prefix])
    err = capsys.readouterr().err
    if code == 5:
        pytest.skip("this store reports an ambiguous prefix as a StorageError")
    assert code == 64
    for run_id in made:
        if run_id.startswith(prefix):
            assert run_id in err
    assert main(["runs", "show", prefix, "--json"]) == 64
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "AmbiguousReferenceError" and error["exit_code"] == 64
    assert sorted(error["candidates"]) == sorted(r for r in made if r.startswith(prefix))


def test_runs_show_and_diff_in_words(home, runs, capsys):
    b, c = runs
    assert main(["runs", "show", c[:12]]) == 0
    out = capsys.readouterr().out
    assert "{" not in out and "None" not in out
    assert "manifest" in out and "  python: " in out
    assert main(["runs", "diff", b, c]) == 0
    out = capsys.readouterr().out
    assert "None" not in out and "model.version" in out
    assert main(["runs", "diff", b, c, "--all", "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert main(["runs", "diff", b, c, "--all"]) == 0
    assert len(capsys.readouterr().out.splitlines()) >= len(every) + 2


def test_report_and_export_print_what_they_wrote_as_json(home, runs, tmp_path, capsys):
    b, c = runs
    assert main(["report", b, c, "-o", str(tmp_path / "r"), "--json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert files and all(
        (tmp_path / "r").samefile(type(tmp_path)(p).parent) for p in files.values()
    )
    out = tmp_path / "x.csv"
    assert main(["runs", "export", b, "-o", str(out), "--json"]) == 0
    written = json.loads(capsys.readouterr().out)
    assert written["rows"] == 450 and written["path"] == str(out)
    header = [name.strip('"') for name in out.read_text().splitlines()[0].split(",")]
    assert written["columns"] == header
    assert len(out.read_text().splitlines()) == 451
