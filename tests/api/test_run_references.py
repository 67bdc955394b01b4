"""Runs named the way people name them (id, prefix, MODEL@VERSION, a run object), listing
filters that name nothing, and exported records that read like the file that came in."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import assay
from assay.cli import main
from assay.errors import AmbiguousReferenceError, ConfigError, NotFoundError, ParameterError
from assay.testing import make_records, make_run, make_suite_model

N = 20


def _suite(tmp_path: Path) -> Path:
    examples = [
        {"example_id": "plain", "input": "hello", "reference": "a"},
        {"example_id": "quoted", "input": 'say "hi"', "reference": ["a", "b"]},
        {"example_id": "mapping", "input": {"q": "x", "n": 1}, "reference": 5},
    ] + [{"example_id": f"e{i}", "input": f"q{i}", "reference": "a"} for i in range(N - 3)]
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        "name: refs\nmetrics:\n  - {name: accuracy, scorer: exact_match}\n"
        f"examples: {json.dumps(examples)}\n"  # JSON is YAML; a list lets types differ
    )
    return suite


def _log(tmp_path: Path, model: str, value: int = 1, **kwargs: object) -> assay.LoggedRun:
    data = assay.load_suite(_suite(tmp_path))
    ids = data.examples.column("example_id").to_pylist()
    rows = [{"example_id": i, "accuracy": value, "output": "a"} for i in ids]
    return assay.log_run(rows, suite=data, model=model, **kwargs)  # type: ignore[arg-type]


def test_a_run_by_model_and_version(home, tmp_path, capsys):
    first = _log(tmp_path, "income-gbm@2.0")
    _log(tmp_path, "income-gbm@2.1", value=0)
    assert assay.get_run("income-gbm@2.0").run_id == first.run.run_id
    assert main(["runs", "show", "income-gbm@2.0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["run_id"] == first.run.run_id
    with pytest.raises(NotFoundError, match="income-gbm@9"):
        assay.get_run("income-gbm@9")


def test_several_runs_of_one_model_version_are_ambiguous(home, tmp_path, capsys):
    a = _log(tmp_path, "bot@1", value=1)
    b = _log(tmp_path, "bot@1", value=0)
    with pytest.raises(AmbiguousReferenceError) as info:
        assay.get_run("bot@1")
    ids = {c.split()[0] for c in info.value.candidates}
    assert ids == {a.run.run_id, b.run.run_id}
    assert str(info.value).count("bot@1 on refs, created") == len(info.value.candidates)
    assert main(["runs", "show", "bot@1"]) == 64
    err = capsys.readouterr().err
    assert a.run.run_id in err and b.run.run_id in err and "RunRepository" not in err
    # each full id still names one run
    assert assay.get_run(a.run.run_id).model.version == "1"


def test_an_ambiguous_prefix_lists_the_runs(store):
    suite, examples = make_suite_model("qa")
    store.suites.put(suite, examples)
    records = make_records(20)
    for i in range(12):
        run = make_run(suite, records, run_id=f"abc-{i:02d}", content_digest=f"{i:064d}")
        store.runs.put(run, records)
    with pytest.raises(AmbiguousReferenceError, match="matches more than 10 runs") as info:
        store.runs.get("abc")
    assert [c.split()[0] for c in info.value.candidates] == [f"abc-{i:02d}" for i in range(10)]
    assert store.runs.get("abc-11").run_id == "abc-11"


def test_an_empty_reference_says_what_a_reference_is(store):
    with pytest.raises(ConfigError, match="run id, a unique id prefix or MODEL@VERSION") as info:
        store.runs.get("")
    assert "RunRepository" not in str(info.value)


def test_run_objects_are_accepted_where_a_run_is_named(store, tmp_path):
    logged = _log(tmp_path, "m@1", store=store)
    info = assay.list_runs(store=store)[0]
    for given in (logged, logged.run, info, logged.run.run_id[:8]):
        assert assay.get_run(given, store=store).run_id == logged.run.run_id
        assert assay.diff_runs(given, logged, store=store) == []
    exported = assay.export_run(info, tmp_path / "r.parquet", store=store)
    assert exported.n_records == N
    assert assay.workflows.run_ref(logged) == logged.run.run_id
    with pytest.raises(ParameterError, match="'ref' parameter of get_run"):
        assay.get_run(42, store=store)  # type: ignore[arg-type]


def test_a_misspelt_metric_or_tag_key_is_refused(home, tmp_path, capsys):
    _log(tmp_path, "m@1", tags={"stage": "candidate"})
    assert main(["runs", "list", "--where", "accurcy>0.8"]) == 4
    assert "no run has a metric 'accurcy'; did you mean 'accuracy'?" in capsys.readouterr().err
    assert main(["runs", "list", "--tag", "stge=candidate"]) == 4
    assert "no run has a tag key 'stge'; did you mean 'stage'?" in capsys.readouterr().err
    assert main(["runs", "list", "--sort", "acuracy"]) == 4
    # a filter on known names that matches nothing is an empty answer, not an error
    assert main(["runs", "list", "--where", "accuracy>2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert len(assay.list_runs(where=["accuracy>0.5"], tags={"stage": "candidate"})) == 1


def test_filters_on_an_empty_store_list_nothing(store):
    assert assay.list_runs(where=["accuracy>0.5"], tags={"a": "b"}, store=store) == []


def test_export_writes_inputs_and_references_like_outputs(home, tmp_path, capsys):
    logged = _log(tmp_path, "m@1")
    jsonl = tmp_path / "out.jsonl"
    assert main(["runs", "export", "m@1", "-o", str(jsonl)]) == 0
    rows = {r["example_id"]: r for r in map(json.loads, jsonl.read_text().splitlines())}
    assert rows["plain"]["input"] == "hello" and rows["plain"]["reference"] == "a"
    assert rows["quoted"]["input"] == 'say "hi"'
    assert json.loads(rows["quoted"]["reference"]) == ["a", "b"]
    assert json.loads(rows["mapping"]["input"]) == {"q": "x", "n": 1}
    assert rows["mapping"]["reference"] == "5" and rows["plain"]["output"] == "a"
    path = tmp_path / "out.csv"
    assay.export_run(logged, path)
    with path.open(newline="") as f:
        by_id = {r["example_id"]: r for r in csv.DictReader(f)}
    assert by_id["plain"]["input"] == "hello" and by_id["quoted"]["input"] == 'say "hi"'
    # the exported file comes back in as the same run
    again = assay.ingest(jsonl, suite=_suite(tmp_path), model="m@1")
    assert again.created is False and again.run.run_id == logged.run.run_id


@pytest.mark.parametrize(
    "ref",
    ["%", "_", "\\", "a%@1", "\x1b[2J@1", "m@a@b", "@", "x" * 10_000, "m@1\n", "\u202e@1"],
)
def test_hostile_references_find_nothing(store, tmp_path, ref):
    _log(tmp_path, "m@1", store=store)
    with pytest.raises(NotFoundError) as info:
        store.runs.get(ref)
    assert "RunRepository" not in str(info.value)


def test_hostile_reference_is_shown_not_obeyed(home, tmp_path, capsys):
    _log(tmp_path, "m@1")
    assert main(["runs", "show", "\x1b[2J\x1b]0;owned\x07@1"]) == 8
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
