"""``assay judge show``: the agreement table, --json, the unvalidated warning, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from assay.cli import app, main
from assay.runners import EmbeddingJudge
from assay.runners.judges._features import N_FEATURES
from assay.runners.judges._validation import agreement_with_people


def write_judge(path: Path, *, validated: bool) -> EmbeddingJudge:
    rng = np.random.default_rng(2)
    human = rng.integers(0, 2, 120)
    labels = np.where(rng.random(120) < 0.85, human, 1 - human)
    judge = EmbeddingJudge(
        name="toy\x1b[31m",
        version="1",
        kind="refusal",
        coef=tuple(float(v) for v in rng.normal(size=N_FEATURES)),
        intercept=0.0,
        model_digest="cd" * 32,
        training={"n": 120, "n_positive": int(human.sum()), "source": "test", "model": "lr"},
        validation=agreement_with_people(
            human, labels, kind="refusal", n_groups=120, folds=5, seed=0, source="test"
        )
        if validated
        else None,
    )
    judge.save(path)
    return judge


def test_show_prints_agreement_and_confusion_within_80_columns(tmp_path: Path) -> None:
    judge = write_judge(tmp_path / "j.json", validated=True)
    result = CliRunner().invoke(app, ["judge", "show", str(tmp_path / "j.json")])
    assert result.exit_code == 0, result.output
    v = judge.validation
    assert v is not None
    assert f"Cohen's kappa         {v.kappa.estimate:.3f}" in result.output
    (tn, fp), (fn, tp) = v.confusion
    assert f"human 0  {tn}" in result.output and f"human 1  {fn}" in result.output
    assert "\x1b" not in result.output  # the name's escape is shown, not obeyed
    assert max(len(line) for line in result.output.splitlines()) <= 80
    shown = CliRunner().invoke(app, ["judge", "show", str(tmp_path / "j.json"), "--json"])
    payload = json.loads(shown.output)
    assert payload["digest"] == judge.digest
    assert payload["validation"]["confusion"] == [[tn, fp], [fn, tp]]
    assert payload["validation"]["methods"]["kappa"] == v.kappa.method


def test_an_unvalidated_judge_is_shown_with_its_warning(tmp_path: Path) -> None:
    write_judge(tmp_path / "j.json", validated=False)
    result = CliRunner().invoke(app, ["judge", "show", str(tmp_path / "j.json")])
    assert result.exit_code == 0
    assert "warning: judge" in result.output and "no measured agreement" in result.output
    payload = json.loads(
        CliRunner().invoke(app, ["judge", "show", str(tmp_path / "j.json"), "--json"]).output
    )
    assert payload["validated"] is False and payload["validation"] is None


def test_a_bad_file_exits_with_the_data_error_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "j.json").write_text("{}")
    assert main(["judge", "show", str(tmp_path / "j.json")]) == 3
    assert "not a judge file" in capsys.readouterr().err
    assert main(["judge", "fit", "toxicity", "--out", str(tmp_path / "x.json")]) == 4
    assert "must be one of 'refusal', 'objective', 'harm'" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
