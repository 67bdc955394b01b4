"""Every `--help` reads naturally: no braces, ranges or type words beside the metavars."""

from __future__ import annotations

import re
from itertools import pairwise

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


def _command(path: list[str]) -> object:
    command: object = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


@pytest.mark.parametrize("path", _paths(), ids=lambda p: " ".join(p) or "assay")
def test_help_paragraphs_wrap_at_the_terminal_not_mid_sentence(path: list[str]) -> None:
    # Typer keeps a single line break inside a help text's later paragraphs, so a docstring
    # wrapped at 90 columns prints broken lines at 80; each such paragraph is one source line
    for paragraph in (getattr(_command(path), "help", None) or "").split("\n\n")[1:]:
        lines = paragraph.strip("\n").split("\n")
        listed = any(line.lstrip().startswith(("* ", "- ", "• ")) for line in lines)
        assert len(lines) == 1 or listed, lines


def test_a_long_help_paragraph_reads_as_one_at_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["taxonomy", "--help"]) == 0
    text = capsys.readouterr().out.split("\u256d")[0]  # the description, above the panels
    lines = [line.strip() for line in text.splitlines()][2:]  # after the usage line
    # a line followed by another of the same paragraph is filled to near the width
    short = [a for a, b in pairwise(lines) if a and b and len(a) < 60]
    assert lines.count("") >= 2 and short == [], short
