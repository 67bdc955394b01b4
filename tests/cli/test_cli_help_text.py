"""Every `--help` reads naturally: no braces, ranges or type words beside the metavars."""

from __future__ import annotations

import re

import pytest
import typer.main

from assay.cli import app, main


def _paths() -> list[list[str]]:
    out: list[list[str]] = []
    stack: list[tuple[list[str], object]] = [([], typer.main.get_command(app))]
    while stack:
        path, command = stack.pop()
        out.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            stack.append(([*path, name], sub))
    return sorted(out)


ODD = re.compile(r"\{\w+\}|\[x[<>]=|<bool>|\bINTEGER\b|\(None, ''")


@pytest.mark.parametrize("path", _paths(), ids=lambda p: " ".join(p) or "assay")
def test_help_has_no_odd_metavars(
    path: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main([*path, "--help"]) == 0
    text = capsys.readouterr().out
    assert ODD.search(text) is None, ODD.search(text)


def test_the_gate_usage_names_its_arguments_in_capitals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gate", "-h"]) == 0
    assert "gate [OPTIONS] BASELINE CANDIDATE" in capsys.readouterr().out


def test_a_negative_max_flips_below_minus_one_is_a_usage_error() -> None:
    assert main(["compare", "a", "b", "--max-flips", "-2"]) == 64
