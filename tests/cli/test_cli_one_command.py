"""The command line builds only the command it runs, and says the same as the whole app."""

from __future__ import annotations

import inspect

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
        ["--help"],  # every command listed by name and help, none of them built
        ["runs", "--json", "list"],  # an option before the subcommand: the whole group
        ["runs", "list", "--limit", "x"],  # a bad value: Typer's own message
        ["compare", "a", "b", "--resamples", "1e3"],
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
    assert cli_app._command_named(["--format", "runs", "compare"]) == "compare"
    assert cli_app._command_named(["--help"]) is None
    only = cli_app._app_for(["runs", "list"])
    assert [g.name for g in only.registered_groups] == ["runs"]
    assert only.registered_commands == []
    (runs,) = only.registered_groups
    (original,) = [g for g in app.registered_groups if g.name == "runs"]
    built = {c.name: c.callback for c in runs.typer_instance.registered_commands}
    assert built.keys() == {c.name for c in original.typer_instance.registered_commands}
    for command in original.typer_instance.registered_commands:
        # the named subcommand as it is; its siblings listed, without parameters
        if command.name == "list":
            assert built["list"] is command.callback
        else:
            assert inspect.signature(built[command.name]).parameters == {}
    listed = cli_app._app_for(["nothing-like-it"])
    assert len(listed.registered_commands) == len(app.registered_commands) > 1
    assert all(not inspect.signature(c.callback).parameters for c in listed.registered_commands)
    # the whole app is left as it was
    assert any(inspect.signature(c.callback).parameters for c in app.registered_commands)
