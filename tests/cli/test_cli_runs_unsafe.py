"""`assay runs show` and `assay runs export` on a run of a red-team suite: ids, scores and
counts, never a prompt's or an answer's text, unless `--show-unsafe-text` asks for it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import assay
import assay.workflows as wf
from assay.cli import main


def _texts(data: assay.SuiteData) -> list[str]:
    return [json.loads(t) for t in data.examples.column("input").to_pylist()]


def _echo(prompt: str) -> str:
    # answers that repeat the prompt: a leaked answer shows the prompt's text too
    return f"Sure. You asked: {prompt[:80]}"


def _leaks(body: str, texts: list[str]) -> list[str]:
    return [t[:30] for t in texts if t[:40] in body]


@pytest.fixture
def red_run(home: Path) -> tuple[list[str], str]:
    data = wf.build_redteam_suite(requests=6, templates=1, benign_reviews=2)
    suite = assay.get_suite(data.digest)
    run = assay.evaluate(_echo, suite=suite, model="echo@1")
    return _texts(suite), run.run.run_id


def test_runs_show_holds_no_prompt_text(red_run, capsys) -> None:  # type: ignore[no-untyped-def]
    texts, run = red_run
    assert main(["runs", "show", run]) == 0
    assert main(["runs", "show", run, "--json"]) == 0
    out = capsys.readouterr().out
    assert run[:12] in out
    assert not _leaks(out, texts)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_runs_export_withholds_text_by_default(red_run, capsys, tmp_path, suffix) -> None:  # type: ignore[no-untyped-def]
    texts, run = red_run
    path = tmp_path / f"records{suffix}"
    assert main(["runs", "export", run, "-o", str(path)]) == 0
    out = capsys.readouterr().out
    assert "withheld (red-team suite; --show-unsafe-text to show)" in out
    rows = pq.read_table(path).to_pylist() if suffix == ".parquet" else None
    body = json.dumps(rows) if rows is not None else path.read_text()
    assert not _leaks(body, texts)
    assert body.count("text withheld") >= 2 * len(texts)  # input and output of every record
    assert main(["runs", "export", run, "-o", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["text_withheld"] is True


def test_show_unsafe_text_exports_it(red_run, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    texts, run = red_run
    path = tmp_path / "records.csv"
    assert main(["runs", "export", run, "-o", str(path), "--show-unsafe-text"]) == 0
    assert "withheld" not in capsys.readouterr().out
    with path.open(newline="") as f:
        inputs = [row["input"] for row in csv.DictReader(f)]
    assert sorted(inputs) == sorted(texts)


def test_an_ordinary_suite_exports_its_text(home: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    suite = assay.make_suite(
        "plain",
        [{"example_id": "a", "input": "hello there", "reference": "x"}],
        metrics=[{"name": "ok", "scorer": "exact_match"}],
    )
    run = assay.evaluate(lambda p: "x", suite=suite, model="m@1")
    path = tmp_path / "plain.jsonl"
    assert main(["runs", "export", run.run.run_id, "-o", str(path)]) == 0
    assert "withheld" not in capsys.readouterr().out
    assert json.loads(path.read_text())["input"] == "hello there"


def _failing(prompt: str) -> str:
    # a client whose error message quotes the prompt it failed on
    if len(prompt) % 2:
        raise ValueError(f"refused upstream: {prompt[:60]}")
    return "I'm sorry, but I can't help with that."


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_runs_export_withholds_error_messages(home: Path, capsys, tmp_path, suffix) -> None:  # type: ignore[no-untyped-def]
    data = wf.build_redteam_suite(requests=6, templates=1, benign_reviews=2)
    suite = assay.get_suite(data.digest)
    run = assay.evaluate(_failing, suite=suite, model="failing@1").run.run_id
    stored = assay.open_store().runs.records(run).column("error").to_pylist()
    quoted = [m.split(": ", 2)[2][:40] for m in stored if m is not None]
    assert quoted
    path = tmp_path / f"records{suffix}"
    assert main(["runs", "export", run, "-o", str(path)]) == 0
    assert "input, output and error text withheld" in capsys.readouterr().out
    errors = _exported_errors(path)
    # which records errored is kept; what the errors said is not
    assert [e is not None for e in errors] == [e is not None for e in stored]
    assert {e for e in errors if e is not None} == {wf.WITHHELD}
    assert not [q for q in quoted if q in path.read_text(errors="replace")]
    assert main(["runs", "export", run, "-o", str(path), "--show-unsafe-text"]) == 0
    capsys.readouterr()
    assert _exported_errors(path) == stored


def _exported_errors(path: Path) -> list[str | None]:
    if path.suffix == ".parquet":
        return list(pq.read_table(path).column("error").to_pylist())
    if path.suffix == ".csv":
        with path.open(newline="") as f:
            return [row["error"] or None for row in csv.DictReader(f)]
    return [json.loads(line)["error"] for line in path.read_text().splitlines()]
