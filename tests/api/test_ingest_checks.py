"""What ingest warns about or refuses at the door: partial coverage, scores outside their
scorer's range, unversioned models; and outputs scored with the suite's declared scorer."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

import assay
from assay.cli import main
from assay.errors import ConfigError, CoverageWarning, DataError

N = 300


def _suite(tmp_path: Path, metrics: str = "  - {name: correct, scorer: exact_match}\n") -> Path:
    examples = tmp_path / "examples.jsonl"
    examples.write_text(
        "".join(
            json.dumps({"example_id": f"e{i}", "input": f"q{i}", "reference": f"a{i}"}) + "\n"
            for i in range(N)
        )
    )
    path = tmp_path / "suite.yaml"
    path.write_text(f"name: qa\nmetrics:\n{metrics}examples: examples.jsonl\n")
    return path


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _ingest(file: Path, suite: Path, model: str = "bot@1", *extra: str) -> int:
    return main(["ingest", str(file), "--suite", str(suite), "--model", model, *extra])


def test_partial_coverage_is_stored_with_a_note(home, tmp_path, capsys):
    suite = _suite(tmp_path)
    part = _jsonl(tmp_path / "r.jsonl", [{"example_id": f"e{i}", "correct": 1} for i in range(50)])
    assert _ingest(part, suite, "bot@1", "--json") == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["run"]["n_examples"] == 50
    assert (
        "note: records cover 50 of the suite's 300 examples (16.7%); "
        "a gate's coverage rule will judge this" in " ".join(out.err.split())
    )
    full = _jsonl(tmp_path / "f.jsonl", [{"example_id": f"e{i}", "correct": 1} for i in range(N)])
    assert _ingest(full, suite, "bot@2") == 0
    assert "note:" not in capsys.readouterr().err


def test_coverage_warning_in_python(store, tmp_path):
    rows = [{"example_id": f"e{i}", "correct": 0} for i in range(299)]
    with pytest.warns(CoverageWarning, match=r"cover 299 of the suite's 300 examples \(99\.7%\)"):
        assay.log_run(rows, suite=_suite(tmp_path), model="bot@1", store=store)


def test_a_score_outside_the_declared_scorers_range_is_refused(home, tmp_path, capsys):
    suite = _suite(tmp_path)
    rows = [{"example_id": f"e{i}", "correct": 7 if i == 3 else 1} for i in range(N)]
    assert _ingest(_jsonl(tmp_path / "r.jsonl", rows), suite) == 3
    err = " ".join(capsys.readouterr().err.split())
    assert "r.jsonl, line 4, column 'correct'" in err
    assert "expected 0 or 1, the range of scorer exact_match, found 7" in err
    assert assay.list_runs() == []  # nothing stored


@pytest.mark.parametrize(
    ("scorer", "bad", "expected"),
    [
        ("brier", 1.5, "a number in [0, 1], the range of scorer brier"),
        ("squared_error", -0.1, "a number >= 0, the range of scorer squared_error"),
        ("contains", 0.5, "0 or 1, the range of scorer contains"),
    ],
)
def test_every_known_range_is_checked(store, tmp_path, scorer, bad, expected):
    suite = _suite(tmp_path, f"  - {{name: s, scorer: {scorer}}}\n")
    rows = [{"example_id": f"e{i}", "s": bad if i == 10 else 0.0} for i in range(N)]
    with pytest.raises(DataError) as info:
        assay.log_run(pa.Table.from_pylist(rows), suite=suite, model="m@1", store=store)
    assert info.value.row == 10 and info.value.expected == expected
    assert info.value.found == f"{bad:g}"


def test_a_metric_without_a_scorer_takes_any_finite_score(store, tmp_path):
    suite = _suite(tmp_path, "  - {name: s}\n")
    rows = [{"example_id": f"e{i}", "s": 7.0} for i in range(N)]
    logged = assay.log_run(rows, suite=suite, model="m@1", store=store)
    assert logged.run.metrics["s"].estimate == 7.0


def test_a_model_without_a_version_is_refused(home, tmp_path, capsys):
    suite = _suite(tmp_path)
    rows = _jsonl(tmp_path / "r.jsonl", [{"example_id": f"e{i}", "correct": 1} for i in range(N)])
    assert _ingest(rows, suite, "bot") == 4
    err = " ".join(capsys.readouterr().err.split())
    assert "NAME@VERSION" in err and "'bot@unversioned'" in err
    assert assay.list_runs() == []
    with pytest.raises(ConfigError, match="NAME@VERSION"):
        assay.ingest(rows, suite=suite, model="bot")
    # saying on purpose that there is no version is accepted
    assert _ingest(rows, suite, "bot@unversioned") == 0
    assert str(assay.list_runs()[0].model) == "bot@unversioned"


def test_evaluate_and_run_refuse_a_model_without_a_version_before_calling_it(
    home, tmp_path, capsys
):
    suite = _suite(tmp_path)
    calls: list[object] = []

    def model(x: object) -> object:
        calls.append(x)
        return x

    with pytest.raises(ConfigError, match="NAME@VERSION"):
        assay.evaluate(model, suite=suite, model="bot")
    assert calls == [] and assay.list_runs() == []
    module = tmp_path / "echo_model.py"
    module.write_text("def answer(x):\n    return x\n")
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        code = main(
            ["run", "--suite", str(suite), "--model", "bot", "--callable", "echo_model:answer"]
        )
    finally:
        sys.path.remove(str(tmp_path))
    assert code == 4 and "NAME@VERSION" in " ".join(capsys.readouterr().err.split())
    assert assay.list_runs() == []


def test_outputs_are_scored_with_the_declared_scorer(home, tmp_path, capsys):
    suite = _suite(tmp_path)
    right = {i for i in range(N) if i % 3 == 0}
    rows = [{"example_id": f"e{i}", "output": f"a{i}" if i in right else "no"} for i in range(N)]
    assert _ingest(_jsonl(tmp_path / "r.jsonl", rows), suite) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "correct scored from the outputs with exact_match" in out
    run = assay.list_runs()[0]
    assert run.metrics["correct"].estimate == pytest.approx(len(right) / N)
    scores = assay.open_store().runs.records(run.run_id, ["example_id", "correct"]).to_pylist()
    assert {r["example_id"] for r in scores if r["correct"] == 1.0} == {f"e{i}" for i in right}
    manifest = assay.get_run(run.run_id).manifest
    assert manifest.provenance["scored_at_ingest"] == {"correct": "exact_match"}


def test_a_score_column_beside_outputs_is_kept(store, tmp_path):
    suite = _suite(tmp_path)
    rows = [{"example_id": f"e{i}", "output": "no", "correct": 1} for i in range(N)]
    logged = assay.log_run(rows, suite=suite, model="m@1", store=store)
    assert logged.scored == {} and logged.run.metrics["correct"].estimate == 1.0


def test_scoring_needs_references_and_a_usable_output(store, tmp_path):
    examples = tmp_path / "examples.jsonl"
    examples.write_text("".join(json.dumps({"example_id": f"e{i}"}) + "\n" for i in range(3)))
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "name: nr\nmetrics:\n  - {name: err, scorer: absolute_error}\nexamples: examples.jsonl\n"
    )
    rows = [{"example_id": f"e{i}", "output": "1"} for i in range(3)]
    with pytest.raises(DataError, match="has no reference") as info:
        assay.log_run(rows, suite=suite, model="m@1", store=store)
    assert info.value.column == "reference"
    with_refs = [{**r, "reference": 2} for r in rows]
    logged = assay.log_run(with_refs, suite=suite, model="m@1", store=store)
    assert logged.run.metrics["err"].estimate == 1.0
    hostile = [{**r, "output": "\x1b[31mnot a number"} for r in with_refs]
    with pytest.raises(DataError, match="scorer absolute_error cannot score") as info:
        assay.log_run(hostile, suite=suite, model="m@2", store=store)
    assert info.value.column == "output" and info.value.row == 0


def test_errored_records_are_not_scored(store, tmp_path):
    suite = _suite(tmp_path)
    rows = [
        {"example_id": f"e{i}", "output": f"a{i}", "error": "timeout" if i < 10 else None}
        for i in range(N)
    ]
    logged = assay.log_run(rows, suite=suite, model="m@1", store=store)
    summary = logged.run.metrics["correct"]
    assert summary.n == N - 10 and summary.n_missing == 10 and summary.estimate == 1.0


def test_suite_name_on_what_load_suite_returns(tmp_path):
    data = assay.load_suite(_suite(tmp_path))
    assert data.name == "qa" == data.suite.name


def test_a_rounding_step_past_a_continuous_bound_is_kept(store, tmp_path):
    suite = _suite(tmp_path, "  - {name: sim, scorer: embedding_similarity}\n")
    rows = [{"example_id": f"e{i}", "sim": 1.0000001 if i == 0 else 0.5} for i in range(N)]
    assay.log_run(rows, suite=suite, model="m@1", store=store)
    rows[0]["sim"] = 1.01
    with pytest.raises(DataError, match=r"a number in \[-1, 1\], the range of scorer"):
        assay.log_run(rows, suite=suite, model="m@2", store=store)


def test_over_long_tags_and_versions_are_refused_in_the_users_words(home, tmp_path, capsys):
    suite = _suite(tmp_path)
    rows = _jsonl(tmp_path / "r.jsonl", [{"example_id": f"e{i}", "correct": 1} for i in range(N)])
    assert _ingest(rows, suite, "bot@1", "--tag", "k=" + "v" * 501) == 4
    err = " ".join(capsys.readouterr().err.split())
    assert "The --tag value must be text values of at most 500" in err
    assert _ingest(rows, suite, "bot@" + "1" * 201) == 4
    err = " ".join(capsys.readouterr().err.split())
    assert "at most 200 characters" in err and "RunRepository" not in err
    assert assay.list_runs() == []
