"""``assay sql``: a table within 80 columns when piped, JSON, Arrow, refusals with exit 4."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

import assay
from assay.cli import main
from assay.testing import make_decision, make_records, make_run, make_suite_model


@pytest.fixture
def filled(store: assay.Store) -> list[str]:
    suite, examples = make_suite_model(n=30)
    store.suites.put(suite, examples)
    ids = []
    for i in range(2):
        records = make_records(20 + i, seed=i)
        run = make_run(suite, records, model=f"clf@{i}", tags={"stage": f"s{i}"}, minutes=i)
        ids.append(store.runs.put(run, records)[0].run_id)
    store.decisions.put(make_decision(ids[0], ids[1], suite_digest=suite.digest))
    return ids


def test_table_json_and_arrow(
    filled: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    query = "SELECT model_version, n_records, tags FROM runs ORDER BY model_version"
    assert main(["sql", query]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "model_version  n_records  tags",
        '0                     20  {"stage": "s0"}',
        '1                     21  {"stage": "s1"}',
        "(2 rows)",
    ]
    assert main(["sql", query, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {"model_version": "0", "n_records": 20, "tags": {"stage": "s0"}},
        {"model_version": "1", "n_records": 21, "tags": {"stage": "s1"}},
    ]
    target = tmp_path / "out.arrow"
    assert main(["sql", "SELECT count(*) AS n FROM records", "--arrow", str(target)]) == 0
    assert "1 row written" in capsys.readouterr().out
    assert pa.ipc.open_file(str(target)).read_all().to_pylist() == [{"n": 41}]


def test_wide_rows_stay_within_80_columns(
    filled: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sql", "SELECT * FROM metrics ORDER BY run_id, metric"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert all(len(line) <= 80 for line in out)
    assert out[0] == "-- row 1 --"
    assert sum(line == "    metric: accuracy" for line in out) == 2
    assert out[-1] == "(4 rows)"


def test_hostile_control_characters_are_neutralised(
    filled: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sql", "SELECT 'a' || chr(27) || '[31mred' AS text"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "␛[31mred" in out


@pytest.mark.parametrize(
    "query",
    ["COPY (SELECT 1) TO 'leak.csv'", "SELECT * FROM read_csv('/etc/passwd')", "INSTALL httpfs"],
)
def test_refusals_exit_4(
    filled: list[str], capsys: pytest.CaptureFixture[str], query: str, home: Path
) -> None:
    assert main(["sql", query]) == 4
    assert "assay sql" in capsys.readouterr().err
    assert not (home.parent / "leak.csv").exists()


def test_views_are_listed(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    assert main(["sql", "--views"]) == 0
    out = capsys.readouterr().out
    for view in ("runs:", "metrics:", "decisions:", "records:"):
        assert view in out.splitlines()
    assert main(["sql"]) == 4


@pytest.mark.parametrize("timeout", ["1e300", "inf", "nan", "0"])
def test_a_timeout_out_of_range_is_refused(
    filled: list[str], capsys: pytest.CaptureFixture[str], timeout: str
) -> None:
    code = main(["sql", "SELECT 1", "--timeout", timeout])
    err = capsys.readouterr().err
    assert code == 4
    assert "timeout" in err
    assert "internal error" not in err


def test_run_narrows_the_records_read(
    filled: list[str], store: assay.Store, capsys: pytest.CaptureFixture[str]
) -> None:
    query = "SELECT run_id, count(*) AS n FROM records GROUP BY run_id"
    first, second = filled
    assert main(["sql", query, "--run", first, "--run", first[:6], "--run", "clf@0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"run_id": first, "n": 20}]
    # the other run's file, altered, is neither copied nor checked when not named
    other = Path(assay.storage.record_files(store).paths[second])
    other.write_bytes(other.read_bytes()[:-9] + b"x" * 9)
    assert main(["sql", query, "--run", first, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"run_id": first, "n": 20}]
    assert main(["sql", query]) == 5
    assert f"run {second}" in capsys.readouterr().err


@pytest.mark.parametrize("ref", ["nope", "clf@9", "%", "' OR 1=1 --"])
def test_an_unknown_run_fails_as_in_compare(
    filled: list[str], capsys: pytest.CaptureFixture[str], ref: str
) -> None:
    code = main(["sql", "SELECT 1 AS one", "--run", filled[0], "--run", ref])
    err = capsys.readouterr().err
    assert code == main(["compare", filled[0], ref]) != 0
    assert err == capsys.readouterr().err
    assert repr(ref) in err and err.count("\n") == 1


def test_the_help_text_is_wrapped_to_the_terminal() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assay", "sql", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"},
    )
    lines = [line.strip() for line in done.stdout.splitlines()]
    prose = lines[next(i for i, x in enumerate(lines) if x.startswith("Ask the store")) :]
    prose = prose[: next(i for i, x in enumerate(prose) if x.startswith("╭"))]
    paragraphs = "\n".join(prose).strip().split("\n\n")
    assert len(paragraphs) == 4, prose
    for paragraph in paragraphs:  # each line but a paragraph's last is filled to the width
        assert all(len(line) > 60 for line in paragraph.splitlines()[:-1]), paragraph
    assert "--run" in done.stdout
