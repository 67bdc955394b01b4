"""Refusals of the launch commands from the command line: the documented exit code, the
error as JSON, nothing recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assay
from assay.cli import main


def test_a_signoff_for_a_model_without_runs_is_not_found(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = home.parent / "launch.yaml"
    checklist.write_text(
        "name: income\nmodels: ['income-*']\nsignoffs: [{item: product-review, role: product}]\n"
    )
    args = ["launch", "sign", "product-review", "--model", "income-gbm@9.9", "--role", "product"]
    code = main([*args, "--name", "pat", "--checklist", str(checklist), "--json"])
    error = json.loads(capsys.readouterr().out)["error"]
    assert code == 8 and error["exit_code"] == 8
    assert error["type"] == "NotFoundError" and "no run of income-gbm@9.9" in error["message"]
    assert assay.open_store().decisions.entries(kind="signoff") == []
