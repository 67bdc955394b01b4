"""What a person reads about a study's power and futility agrees with the JSON: the power at
the planned n and UNDERPOWERED in ``study status`` and the roadmap, the futility outcome in
text and JSON, and the notes registration gives about a plan that cannot be carried out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from adult_runs import adult_subset, log_adult_run, write_study

import assay
from assay.cli import main
from assay.errors import AssayWarning, UnderpoweredWarning
from assay.storage import Store
from assay.workflows import register_study


def test_registration_notes_a_plan_beyond_the_suite_and_a_past_deadline(
    study_store: Store, tmp_path: Path
):
    assay.register_suite(adult_subset(), store=study_store)
    path = write_study(tmp_path, deadline="2020-01-01", stated=5000, stopping="fixed")
    with pytest.warns(AssayWarning) as notes:
        registration, _ = register_study(path, store=study_store)
    said = [(w.category, str(w.message)) for w in notes]
    assert any(c is UnderpoweredWarning and "it is underpowered" in m for c, m in said)
    assert any(
        c is UnderpoweredWarning
        and "n = 5,000 paired examples, more than its suites hold (1,200)" in m
        for c, m in said
    )
    assert any("deadline already past (2020-01-01" in m for _, m in said)
    # the default policy ships a candidate 1 point worse: weaker than the registered +1 point
    weak = "policy 'default' ships on non-inferiority at its default margin; the study "
    assert any(
        c is AssayWarning and weak + "registered +1.0 point as the effect" in m for c, m in said
    )
    assert registration.sample_size.stated == 5000  # notes, not refusals: it is registered
    fits = write_study(tmp_path, "fits", stated=1000, stopping="fixed")
    with pytest.warns(AssayWarning) as notes:
        register_study(fits, store=study_store)
    said = [(w.category, str(w.message)) for w in notes]
    assert any(c is UnderpoweredWarning for c, _ in said)
    assert not any("suites hold" in m or "past" in m for _, m in said)


def _status(capsys: pytest.CaptureFixture[str]) -> tuple[str, dict[str, object]]:
    assert main(["study", "status", "adult-retrain"]) == 0
    text = capsys.readouterr().out
    assert main(["study", "status", "adult-retrain", "--json"]) == 0
    return text, json.loads(capsys.readouterr().out)


def test_status_and_roadmap_say_the_power_at_the_planned_n(home, tmp_path, capsys):
    assay.register_suite(adult_subset(), store=assay.open_store())
    path = write_study(tmp_path, stated=5000, stopping="fixed")
    assert main(["study", "register", str(path), "--json"]) == 0
    capsys.readouterr()
    text, status = _status(capsys)
    size = status["sample_size"]
    assert isinstance(size, dict) and size["underpowered"] is True
    words = f"power {size['power_at_stated']:.1%} at the planned n, UNDERPOWERED: 6,277 needed"
    assert 0.6 < size["power_at_stated"] < 0.8 and size["required"] == 6277
    assert words in " ".join(text.split())
    md = tmp_path / "roadmap.md"
    assert main(["studies", "--md", str(md)]) == 0
    assert words in " ".join(capsys.readouterr().out.split())
    assert words in md.read_text(encoding="utf-8")


def test_status_text_says_the_futility_outcome_of_the_json(home, tmp_path, capsys):
    store = assay.open_store()
    assay.register_suite(adult_subset(), store=store)
    # a much better candidate: the clean model against a noisy one as the baseline
    baseline = log_adult_run(store, "income-logreg-noisy@2", flip=0.3, seed=2)
    candidate = log_adult_run(store, "income-logreg@1")
    store.close()
    assert main(["study", "register", str(write_study(tmp_path))]) == 0
    for run in (baseline, candidate):
        assert main(["study", "attach", "adult-retrain", "--run", run[:12]]) == 0
    capsys.readouterr()
    text, status = _status(capsys)
    futility = status["futility"]
    assert isinstance(futility, dict) and futility["outcome"] == "effect shown"
    assert status["outcome"] == "effect shown"
    assert "outcome: effect shown" in text and "outcome: continue" not in text
    html = tmp_path / "roadmap.html"
    assert main(["studies", "--html", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    for outcome in ("stop", "effect shown", "continue"):
        assert f"<b>{outcome}</b>:" in page
