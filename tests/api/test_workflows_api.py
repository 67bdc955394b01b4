"""The application layer's own functions: the default store, one call per CLI command, and
the shims that keep the old spellings working."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import assay
from assay.errors import ConfigError, ParameterError
from assay.testing import synthetic_records, synthetic_suite

# the shared suite's lang=de slice is below the default policy's minimum slice size
pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")

HARNESS = Path(__file__).parent.parent / "importers" / "harness"


def _runs(store: assay.Store, n: int = 300) -> tuple[str, str]:
    suite = synthetic_suite(n, seed=5)
    ids = [
        assay.log_run(
            synthetic_records(suite, seed=s), suite=suite, model=f"m@{s}", store=store
        ).run.run_id
        for s in (1, 2)
    ]
    return ids[0], ids[1]


def _is_partial(path: Path) -> bool:
    return path.name.endswith(".partial")


# -- the default store ------------------------------------------------------------------------


def test_default_store_is_opened_once_per_configuration(home: Path, tmp_path, monkeypatch):
    first = assay.default_store()
    assert assay.default_store() is first
    assert assay.list_runs() == []
    closed: list[str] = []
    monkeypatch.setattr(first, "close", lambda: closed.append(first.url))
    monkeypatch.setenv("ASSAY_HOME", str(tmp_path / "other"))
    second = assay.default_store()
    assert second is not first and closed == [first.url]
    assert (tmp_path / "other" / "assay.db").exists()
    assert assay.default_store() is second


def test_default_store_follows_assay_db(home: Path, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSAY_DB", f"sqlite:///{tmp_path / 'db' / 'x.db'}")
    store = assay.default_store()
    b, _ = _runs(store, 60)
    assert [r.run_id for r in assay.list_runs()] and assay.get_run(b).run_id == b
    monkeypatch.delenv("ASSAY_DB")
    assert assay.list_runs() == []  # back to ASSAY_HOME's store


def test_workflows_without_store_share_the_default_store(home: Path):
    b, c = _runs(assay.default_store(), 100)
    assert assay.compare_runs(b, c).candidate_run == c
    assert {r.run_id for r in assay.list_runs()} == {b, c}


# -- one library call per command -------------------------------------------------------------


def test_gate_runs_compares_at_the_policy_confidence_and_writes_on_request(store, tmp_path):
    b, c = _runs(store)
    gated = assay.gate_runs(b, c, store=store)
    assert gated.files == {}
    assert gated.comparison.confidence == gated.policy.confidence
    assert gated.verdict.policy == gated.policy.name
    with pytest.raises(AttributeError):
        gated.files = {}  # type: ignore[misc]
    out = tmp_path / "reports"
    written = assay.gate_runs(b, c, output=out, store=store)
    assert set(written.files) == {"report_html", "report_md", "memo"}
    assert sorted(p.name for p in out.iterdir()) == ["memo.md", "report.html", "report.md"]
    assert written.verdict == gated.verdict


def test_decide_is_gate_runs_plus_the_ledger(store, tmp_path):
    b, c = _runs(store)
    gated = assay.gate_runs(b, c, store=store)
    rec = assay.decide(b, c, output=tmp_path / "d", store=store)
    assert rec.verdict == gated.verdict and rec.created
    assert set(rec.files) == {"report_html", "report_md", "memo"}
    decisions = assay.list_decisions(store=store)
    assert [d.decision_id for d in decisions] == [rec.decision.decision_id]
    assay.approve(rec.decision.decision_id[:8], role="lead", name="Ann", store=store)
    details = assay.get_decision(rec.decision.decision_id[:8], store=store)
    assert details.decision == rec.decision
    assert [(a.role, a.name) for a in details.approvals] == [("lead", "Ann")]
    check = assay.verify_ledger(store=store)
    assert check.ok and check.entries == 2


def test_approve_checks_its_status(store):
    with pytest.raises(ParameterError, match="'status' parameter of approve"):
        assay.approve("abc", role="lead", name="Ann", status="maybe", store=store)


def test_list_suites(store):
    _runs(store, 50)
    (suite,) = assay.list_suites(store=store)
    assert suite.n_examples == 50


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_export_run_writes_every_record_atomically(store, tmp_path, suffix):
    b, _ = _runs(store, 80)
    out = tmp_path / "export" / f"records{suffix}"
    exported = assay.export_run(b[:8], out, store=store)
    assert exported.path == out and exported.run.run_id == b and exported.n_records == 80
    if suffix == ".parquet":
        assert pq.read_table(out).num_rows == 80
    elif suffix == ".csv":
        assert pacsv.read_csv(out).num_rows == 80
    else:
        assert len([json.loads(line) for line in out.read_text().splitlines()]) == 80
    assert not [p for p in out.parent.iterdir() if _is_partial(p)]


def test_export_run_refuses_an_unknown_format_and_leaves_nothing(store, tmp_path):
    b, _ = _runs(store, 20)
    with pytest.raises(ConfigError, match=r"\.parquet, \.csv or \.jsonl"):
        assay.export_run(b, tmp_path / "out" / "records.txt", store=store)
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []
    with pytest.raises(ParameterError, match="'output' parameter of export_run"):
        assay.export_run(b, 3, store=store)  # type: ignore[arg-type]


def test_write_reports_leaves_no_partial_file(store, tmp_path):
    b, c = _runs(store, 100)
    gated = assay.gate_runs(b, c, store=store)
    files = assay.write_reports(gated.comparison, None, tmp_path / "r")
    assert set(files) == {"report_html", "report_md"}
    assert not [p for p in (tmp_path / "r").iterdir() if _is_partial(p)]


def test_bad_arguments_name_the_public_function(store):
    with pytest.raises(ParameterError, match="'baseline' parameter of gate_runs"):
        assay.gate_runs(1, "x", store=store)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'confidence' parameter of compare_runs"):
        assay.compare_runs("a", "b", confidence=95, store=store)
    with pytest.raises(ParameterError, match="'comparison' parameter of gate"):
        assay.gate("not a comparison")  # type: ignore[arg-type]


# -- the old spellings still work, with a warning ----------------------------------------------


def test_compare_runs_seed_is_rng(store):
    b, c = _runs(store, 100)
    with pytest.warns(DeprecationWarning, match="'seed' parameter of compare_runs"):
        old = assay.compare_runs(b, c, seed=3, store=store)
    new = assay.compare_runs(b, c, rng=3, store=store)
    assert old.results == new.results


def test_gate_runs_seed_is_rng(store):
    b, c = _runs(store, 100)
    with pytest.warns(DeprecationWarning, match="'seed' parameter of gate_runs"):
        old = assay.gate_runs(b, c, seed=2, store=store)
    assert old.verdict == assay.gate_runs(b, c, rng=2, store=store).verdict


def test_decide_out_dir_and_seed(store, tmp_path):
    b, c = _runs(store, 100)
    with pytest.warns(DeprecationWarning) as caught:
        rec = assay.decide(b, c, out_dir=tmp_path / "old", seed=1, store=store)
    said = " ".join(str(w.message) for w in caught)
    assert "'out_dir' parameter of decide" in said and "'seed' parameter of decide" in said
    assert (tmp_path / "old" / "memo.md").exists() and rec.created
    with pytest.raises(ParameterError, match="'out_dir' parameter of decide"):
        assay.decide(b, c, out_dir=tmp_path, output=tmp_path, store=store)


def test_write_reports_directory_is_output(store, tmp_path):
    b, c = _runs(store, 100)
    gated = assay.gate_runs(b, c, store=store)
    with pytest.warns(DeprecationWarning, match="'directory' parameter of write_reports"):
        files = assay.write_reports(gated.comparison, gated.verdict, directory=tmp_path / "o")
    assert files["memo"] == tmp_path / "o" / "memo.md"


def _answer(x: object) -> object:
    return x


def test_evaluate_name_is_model_and_model_is_adapter(store):
    suite = synthetic_suite(30, seed=2)
    with pytest.warns(DeprecationWarning, match="'name' parameter of evaluate"):
        old = assay.evaluate(_answer, suite=suite, name="echo@1", store=store)
    assert str(old.run.model) == "echo@1"
    with pytest.warns(DeprecationWarning) as caught:
        older = assay.evaluate(model=_answer, suite=suite, name="echo@2", store=store)
    said = " ".join(str(w.message) for w in caught)
    assert "'model' parameter of evaluate" in said and "'name' parameter of evaluate" in said
    assert str(older.run.model) == "echo@2"
    new = assay.evaluate(_answer, suite=suite, model="echo@1", store=store)
    assert new.run.run_id == old.run.run_id and not new.created
    with pytest.raises(ParameterError, match="'name' parameter of evaluate"):
        assay.evaluate(_answer, suite=suite, model="a@1", name="b@1", store=store)


def test_import_log_name_is_suite_name(store):
    log = next((HARNESS / "inspect").glob("*.json"))
    with pytest.warns(DeprecationWarning, match="'name' parameter of import_log"):
        old = assay.import_log(log, name="renamed-suite", store=store)
    assert old.run.suite_name == "renamed-suite"
    again = assay.import_log(log, suite_name="renamed-suite", store=store)
    assert again.run.run_id == old.run.run_id


class _Stop(Exception):
    pass


def _stop(*_args: object, **_kwargs: object) -> None:
    raise _Stop


def test_demos_out_dir_is_output(store, tmp_path, monkeypatch):
    import assay.demo._adult as adult
    import assay.demo._sentiment as sentiment

    monkeypatch.setattr(adult, "adult_suite", _stop)
    monkeypatch.setattr(sentiment, "_check_installed", _stop)
    for demo in (assay.run_demo, assay.run_sentiment_demo):
        with (
            pytest.warns(DeprecationWarning, match=f"'out_dir' parameter of {demo.__name__}"),
            pytest.raises(_Stop),
        ):
            demo(store=store, out_dir=tmp_path)
        with pytest.raises(_Stop):
            demo(store=store, output=tmp_path)


def test_log_run_and_validate_records_where_is_location(store):
    data = synthetic_suite(10, seed=4)
    records = synthetic_records(data, seed=4)
    place = assay.data.Location("results.parquet", "parquet")
    with pytest.warns(DeprecationWarning, match="'where' parameter of log_run"):
        old = assay.log_run(records, suite=data, model="m@1", store=store, where=place)
    again = assay.log_run(records, suite=data, model="m@1", store=store, location=place)
    assert old.created and not again.created and again.run.run_id == old.run.run_id
    with pytest.warns(DeprecationWarning, match="'where' parameter of validate_records"):
        table = assay.data.validate_records(records, data, where=place)
    assert table.equals(assay.data.validate_records(records, data, location=place))
    with pytest.raises(ParameterError, match="'where'"):
        assay.log_run(records, suite=data, model="m@1", store=store, where=place, location=place)


def test_default_store_keeps_an_explicit_database_across_a_change_of_folder(
    tmp_path: Path, monkeypatch
):
    monkeypatch.delenv("ASSAY_HOME", raising=False)
    monkeypatch.setenv("ASSAY_DB", "sqlite:///:memory:")
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(tmp_path / "files"))
    monkeypatch.chdir(tmp_path)
    first = assay.default_store()
    data = synthetic_suite(10, seed=5)
    assay.log_run(synthetic_records(data, seed=5), suite=data, model="m@1", store=first)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert assay.default_store() is first
    assert len(assay.list_runs()) == 1  # the in-memory database was not reopened empty


def test_a_refused_ingest_registers_no_suite(store, tmp_path: Path):
    suite_yaml = tmp_path / "suite.yaml"
    suite_yaml.write_text(
        "name: qa\nversion: '1'\nmetrics: [{name: correct, goal: higher}]\n"
        "examples: [{example_id: a, input: x}, {example_id: b, input: y}]\n"
    )
    bad = tmp_path / "results.jsonl"
    bad.write_text('{"example_id": "a", "correct": "yes"}\n')
    with pytest.raises(assay.errors.DataError):
        assay.ingest(bad, suite=suite_yaml, model="m@1", store=store)
    assert assay.list_suites(store=store) == []
    good = tmp_path / "good.jsonl"
    good.write_text('{"example_id": "a", "correct": 1}\n{"example_id": "b", "correct": 0}\n')
    assay.ingest(good, suite=suite_yaml, model="m@1", store=store)
    assert [s.name for s in assay.list_suites(store=store)] == ["qa"]
