"""README.md's "Team set-up" section is true: the extras it installs exist, every ``assay``
command in it parses with the options it uses, the variables it sets are the ones assay reads,
and the server it starts is one ``assay serve`` accepts."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer

import assay.cli
from assay.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def _lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^## Team set-up\n(.*?)^## ", readme, flags=re.S | re.M)
    assert found, "README.md has no Team set-up section"
    blocks = re.findall(r"```bash\n(.*?)```", found[1], flags=re.S)
    assert blocks, "the Team set-up section shows no commands"
    out = []
    for line in "\n".join(blocks).splitlines():
        line = line.strip()
        if line.startswith("# or, "):  # an alternative command, written as a comment
            line = line.split(": ", 1)[1]
        elif line.startswith("#"):
            continue
        if line:
            out.append(line)
    return out


def _commands() -> list[list[str]]:
    return [shlex.split(line, comments=True)[1:] for line in _lines() if line.startswith("assay ")]


def _parse(args: list[str]) -> Any:
    command: Any = typer.main.get_command(assay.cli.app)
    rest = list(args)
    while hasattr(command, "commands"):
        name = rest.pop(0)
        assert name in command.commands, f"assay has no command {args[: len(args) - len(rest)]}"
        command = command.commands[name]
    return command.make_context(" ".join(args), rest)


@pytest.mark.parametrize("args", _commands(), ids=" ".join)
def test_every_assay_command_parses(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the files a command names must exist to parse (they are checked before any work)
    monkeypatch.chdir(tmp_path)
    for arg in args:
        if arg.endswith((".parquet", ".yaml", ".yml", ".jsonl", ".csv")):
            (tmp_path / arg).write_text("")
    context = _parse(args)
    assert context.params is not None


def test_the_installed_extras_exist() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    installs = [line for line in _lines() if line.startswith("pip install")]
    assert installs
    for line in installs:
        for argument in shlex.split(line)[2:]:
            named = re.fullmatch(r"assay\[(.+)\]", argument)
            assert named, argument
            assert set(named[1].split(",")) <= set(extras), argument


def test_the_variables_are_read_by_assay() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))
    exports = [line for line in _lines() if line.startswith("export ")]
    assert exports
    for line in exports:
        for assignment in shlex.split(line)[1:]:
            name = assignment.split("=", 1)[0]
            assert f'"{name}"' in source, f"{name} is read nowhere in assay"


def _settings(args: list[str]) -> Any:
    from assay.server import ServerSettings

    params = _parse(args).params
    return ServerSettings(
        host=params["host"],
        port=params["port"],
        auth=params["auth"],
        auth_header=params["auth_header"],
    )


def test_the_servers_started_are_accepted() -> None:
    pytest.importorskip("fastapi")
    from assay.server._serve import check_settings

    serves = [args for args in _commands() if args[0] == "serve"]
    assert {_settings(args).auth for args in serves} == {"token", "header"}
    for args in serves:
        check_settings(_settings(args))
    with pytest.raises(ConfigError, match="without authentication"):
        check_settings(_settings(["serve", "--host", "0.0.0.0"]))
