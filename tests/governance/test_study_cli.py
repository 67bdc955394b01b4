"""``assay study`` and ``assay studies`` on the Adult subset: what a person reads, the JSON,
the exit codes of refused requests, and ``assay gate --record --study``."""

from __future__ import annotations

import json
from pathlib import Path

from adult_runs import adult_subset, log_adult_run, write_study

import assay
from assay.cli import main


def _setup(tmp_path: Path, **study: object) -> tuple[Path, str, str]:
    store = assay.open_store()
    assay.register_suite(adult_subset(), store=store)
    baseline = log_adult_run(store, "income-logreg@1")
    candidate = log_adult_run(store, "income-logreg-noisy@2", flip=0.1, seed=1)
    store.close()
    return write_study(tmp_path, **study), baseline, candidate  # type: ignore[arg-type]


def test_register_attach_status_and_roadmap(home, tmp_path, capsys):
    path, baseline, candidate = _setup(tmp_path, deadline="2020-01-01")
    assert main(["study", "register", str(path), "--json"]) == 0
    registered = json.loads(capsys.readouterr().out)
    assert registered["planned_n"] == 6277 and registered["sequence"] == 1
    assert "McNemar" in registered["registration"]["sample_size"]["method"]
    assert main(["study", "register", str(path)]) == 5  # frozen: ImmutableError
    assert "already registered" in capsys.readouterr().err
    for run in (baseline, candidate):
        assert main(["study", "attach", "adult-retrain", "--run", run[:12]]) == 0
    assert "attached to study adult-retrain" in capsys.readouterr().out
    assert main(["study", "status", "adult-retrain"]) == 0
    text = capsys.readouterr().out
    assert "OVERDUE" in text and "outcome: stop" in text
    assert "even the upper bound of the 95% confidence sequence" in text
    assert main(["study", "status", "adult-retrain", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["state"] == "running" and status["evidence"]["n"] == 1200
    html, md = tmp_path / "roadmap.html", tmp_path / "roadmap.md"
    assert main(["studies", "--html", str(html), "--md", str(md)]) == 0
    assert "adult-retrain" in capsys.readouterr().out
    page = html.read_text(encoding="utf-8")
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")
    assert "2020-01-01 (OVERDUE)" in page and "Ana Lima" in page
    assert "| adult-retrain | running | Ana Lima | 2020-01-01 (OVERDUE) |" in md.read_text()
    assert main(["studies", "--state", "killed", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"items": []}
    assert main(["study", "kill", "adult-retrain", "--reason", "futility", "--json"]) == 0
    kill = json.loads(capsys.readouterr().out)
    assert kill["study"] == "adult-retrain" and kill["event"] == "kill"
    assert kill["reason"] == "futility"
    (entry,) = [e for e in assay.open_store().decisions.ledger() if e.sequence == kill["sequence"]]
    assert entry.kind == "study_event" and entry.payload["reason"] == "futility"
    # a second kill changes nothing recorded: ImmutableError, the documented exit code 5
    assert main(["study", "kill", "adult-retrain", "--reason", "again", "--json"]) == 5
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["type"] == "ImmutableError" and "already killed" in error["message"]
    assert main(["study", "kill", "adult-retrain", "--reason", "again"]) == 5
    assert "already killed" in capsys.readouterr().err
    assert main(["studies", "--state", "killed", "--json"]) == 0
    (killed,) = json.loads(capsys.readouterr().out)["items"]
    assert killed["outcome"] == "killed: futility"


def test_gate_record_with_a_study_flags_and_attaches(home, tmp_path, capsys):
    path, baseline, candidate = _setup(tmp_path, deadline="2020-01-01")
    assert main(["study", "register", str(path)]) == 0
    assert "stated n" not in capsys.readouterr().out  # no stated n: the required one is planned
    out = tmp_path / "out"
    argv = ["gate", baseline, candidate, "--record", "--study", "adult-retrain", "-o", str(out)]
    assert main([*argv, "--json"]) == 1  # BLOCK
    verdict = json.loads(capsys.readouterr().out)["verdict"]
    deviations = [r for r in verdict["rules"] if r["kind"] == "deviation"]
    assert [r["rule"] for r in deviations] == [
        "study_deviation_sample_size",  # 1,200 of the 6,277 the power calculation requires
        "study_deviation_deadline",
        "study_deviation_weak_policy",  # non-inferiority at −1 point, registered +1 point
    ]
    assert not any(r["blocking"] for r in deviations)
    assert "after the registered deadline 2020-01-01" in (out / "memo.md").read_text()
    assert main(["study", "status", "adult-retrain", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["state"] == "decided" and status["runs"] == [baseline, candidate]
    assert [d["kind"] for d in status["deviations"]] == ["sample_size", "deadline", "weak_policy"]
    told = status["hypothesis_result"]
    assert told["outcome"] == "not supported"  # the noisy candidate is clearly worse
    assert "registered +1.0 point as the effect that matters" in told["reason"]
    assert main(["study", "status", "adult-retrain"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "hypothesis of study 'adult-retrain' not supported: accuracy improved by" in text


def test_refused_requests_exit_with_their_codes_and_record_nothing(home, tmp_path, capsys):
    path, baseline, _ = _setup(tmp_path)
    assert main(["study", "status", "nothing"]) == 8  # NotFoundError
    assert main(["study", "attach", "nothing", "--run", baseline]) == 8
    assert main(["study", "register", str(path), "--supersede", "why"]) == 8
    bad = tmp_path / "bad.yaml"
    bad.write_text(path.read_text().replace("primary_metric: accuracy\n", ""))
    assert main(["study", "register", str(bad)]) == 4
    assert "'primary_metric' is missing" in capsys.readouterr().err
    assert main(["gate", baseline, baseline, "--study", "x"]) == 64  # usage: needs --record
    assert assay.open_store().decisions.ledger() == []


def test_what_a_person_reads_fits_80_columns_when_piped(home, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    path, baseline, candidate = _setup(tmp_path, deadline="2020-01-01")
    assert main(["study", "register", str(path)]) == 0
    assert main(["study", "register", str(write_study(tmp_path, "later-study"))]) == 0
    assert main(["studies"]) == 0  # no evidence yet: no evidence table
    before = capsys.readouterr().out
    assert "Evidence so far" not in before
    for run in (baseline, candidate):
        assert main(["study", "attach", "adult-retrain", "--run", run]) == 0
    capsys.readouterr()
    assert main(["studies"]) == 0
    roadmap = capsys.readouterr().out
    assert main(["study", "status", "adult-retrain"]) == 0
    status = capsys.readouterr().out
    for text in (before, roadmap, status):
        lines = text.splitlines()
        assert lines and max(len(line) for line in lines) <= 80, text
    # the wrapped prose still says what it said
    assert "effect that matters (+1.0 point): stop" in " ".join(status.split())
    assert "\u22126.1 pts [\u22127.8, \u22124.4]  1,200 / 6,277" in roadmap
    assert "adult-retrain: running; OVERDUE" in status
