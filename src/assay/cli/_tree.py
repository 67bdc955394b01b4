"""The part of the command tree a command line needs, the rest as names and help only.

Typer builds every registered command's parameters (reading each function's type hints)
before it runs one: for the whole tree of some seventy commands that is most of the time
``assay --help`` takes. A help page or a "no such command" message needs, of the commands it
lists, only their names, help texts and flags; here those commands are *listed*: registered
with the same name, help, panel and flags, and a callback without parameters that is never
run (the line names another command, or asks for help).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import typer

__all__ = ["HELP", "listed_app", "pruned_group"]

HELP = ("--help", "-h")


def _never_run(*_: Any, **__: Any) -> None:  # pragma: no cover - a listed command never runs
    raise RuntimeError("a command listed for its help ran")


def _listed_command(info: Any) -> Any:
    """A command as a listing shows it: the same name, help and flags, no parameters."""
    original: Callable[..., Any] = info.callback
    listed = copy.copy(info)

    def callback() -> None:
        _never_run()

    callback.__name__ = original.__name__  # the command's name where none was given
    listed.callback = callback
    if listed.help is None:  # what Typer would read from the function
        listed.help = inspect.getdoc(original)
    return listed


def _listed_group(info: Any) -> Any:
    """A group as a listing shows it: its own help and callback, its commands listed."""
    listed = copy.copy(info)
    listed.typer_instance = listed_app(info.typer_instance)
    return listed


def listed_app(app: typer.Typer) -> typer.Typer:
    """``app`` with each of its commands and groups listed (names and help, no parameters)."""
    listed = copy.copy(app)
    listed.registered_commands = [_listed_command(c) for c in app.registered_commands]
    listed.registered_groups = [_listed_group(g) for g in app.registered_groups]
    return listed


def pruned_group(info: Any, rest: Sequence[str]) -> Any:
    """A group given the words after its name: the subcommand named next built whole and its
    siblings listed; all of them listed for the group's own help; the whole group otherwise
    (an option before the subcommand, a misspelling: rare lines, built as they always were)."""
    app = info.typer_instance
    if not rest or rest[0] in HELP:
        return _listed_group(info)
    name = rest[0]
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not (commands or groups):
        return info
    pruned = copy.copy(app)
    pruned.registered_commands = [
        c if c.name == name else _listed_command(c) for c in app.registered_commands
    ]
    pruned.registered_groups = [
        pruned_group(g, rest[1:]) if g.name == name else _listed_group(g)
        for g in app.registered_groups
    ]
    kept = copy.copy(info)
    kept.typer_instance = pruned
    return kept
