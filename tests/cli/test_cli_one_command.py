"""The command line builds only the command it runs, and says the same as the whole app."""

from __future__ import annotations

import pytest
import typer.main

import assay.cli._app as cli_app
from assay.cli import app, main


def _top_paths() -> list[list[str]]:
    group = typer.main.get_command(app)
    out: list[list[str]] = []
    for name, command in sorted(getattr(group, "commands", {}).items()):
        out.append([name])
        out.extend([name, sub] for sub in sorted(getattr(command, "commands", {})))
    return out


def _said(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("path", _top_paths(), ids=" ".join)
def test_every_commands_help_is_the_whole_apps(
    path: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    alone = _said([*path, "--help"], capsys)
    monkeypatch.setattr(cli_app, "_app_for", lambda argv: app)
    assert alone == _said([*path, "--help"], capsys)
    assert alone[0] == 0 and path[-1] in alone[1]


@pytest.mark.parametrize(
    "argv",
    [
        ["compare"],  # a missing argument
        ["compare", "a", "b", "--bogus"],  # an unknown option
        ["runs", "lst"],  # a misspelled subcommand
        ["comapre", "a", "b"],  # a misspelled command: the whole app, with its suggestion
        ["--format", "json", "runs", "frobnicate"],  # the root's option before the command
        ["--format=plain", "runs"],
        ["--version"],
        [],
    ],
    ids=repr,
)
def test_usage_errors_read_the_same(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    alone = _said(argv, capsys)
    monkeypatch.setattr(cli_app, "_app_for", lambda argv: app)
    assert alone == _said(argv, capsys)


def test_only_the_named_command_is_built() -> None:
    assert cli_app._command_named(["--format", "json", "runs", "list"]) == "runs"
    assert cli_app._command_named(["--json", "--format=plain", "compare", "a"]) == "compare"
    assert cli_app._command_named(["--help"]) is None
    only = cli_app._app_for(["runs", "list"])
    assert [g.name for g in only.registered_groups] == ["runs"]
    assert only.registered_commands == []
    assert cli_app._app_for(["nothing-like-it"]) is app
    assert len(app.registered_commands) > 1  # the whole app is left as it was
