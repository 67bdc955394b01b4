"""The ``assay`` command: the root Typer app and the mapping of errors to exit codes.

Exit codes (stable; scripts and CI rely on them):

====  ==========================================================
0     success; for ``assay gate``: SHIP
1     ``assay gate``: BLOCK
2     ``assay gate``: INCONCLUSIVE
3     bad data (file, row, column named in the message)
4     bad configuration, argument, suite or policy
5     the store, or a file the command reads or writes, could not be used
6     a model adapter or endpoint failed for the whole run
7     a policy cannot be evaluated against the comparison
8     not found (run, suite or decision)
9     a server refused the token (ASSAY_TOKEN) or the role is too low
64    command-line usage error (unknown option, missing argument, ambiguous run reference)
70    unexpected internal error (a bug: please report it)
130   interrupted
====  ==========================================================
"""

from __future__ import annotations

import contextlib
import copy
import io
import itertools
import sys
import warnings
from typing import Annotated

import typer

from assay._util import fewer_young_collections
from assay.cli._errors import error_json, user_message
from assay.cli._options import FormatOption
from assay.cli._render import (
    SafeConsole,
    emit_json,
    error_console,
    output_format,
    safe,
    set_output_format,
    stderr,
    stdout,
)
from assay.cli._tree import HELP as _HELP
from assay.cli._tree import listed_app, pruned_group
from assay.cli._typer_fixes import install_typer_fixes
from assay.errors import (
    AccessDeniedError,
    AdapterError,
    AmbiguousReferenceError,
    AssayError,
    AssayWarning,
    ConfigError,
    DataError,
    GateError,
    NotFoundError,
    StorageError,
)

__all__ = ["EXIT_CODES", "VERDICT_EXIT_CODES", "app", "main", "script"]

# Keyed by the verdict's word: ``Verdict`` is a string enum, so ``Verdict.SHIP`` finds its
# code too, without importing the typed models when the command line starts.
VERDICT_EXIT_CODES: dict[str, int] = {"SHIP": 0, "BLOCK": 1, "INCONCLUSIVE": 2}

EXIT_USAGE = 64
EXIT_CODES: dict[type[AssayError], int] = {
    AmbiguousReferenceError: EXIT_USAGE,
    AccessDeniedError: 9,
    DataError: 3,
    ConfigError: 4,
    NotFoundError: 8,
    StorageError: 5,
    AdapterError: 6,
    GateError: 7,
}


def _click_classes(name: str) -> tuple[type[BaseException], ...]:
    # Recent Typer releases vendor click as typer._click; older ones use click itself. Read
    # when an exception is matched: click itself only where something imported it (nothing
    # raises its exceptions otherwise), so that a command does not import it to start.
    found: list[type[BaseException]] = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        if module == "click.exceptions" and found and module not in sys.modules:
            continue
        try:
            mod = __import__(module, fromlist=[name])
        except ImportError:
            continue
        cls = getattr(mod, name, None)
        if cls is not None and cls not in found:
            found.append(cls)
    return tuple(found)


EXIT_INTERNAL = 70

app = typer.Typer(
    name="assay",
    help="Evidence for ship/stop decisions on machine-learning models.\n\n"
    "Text that came from models, data or people (model names and versions, tags, slice "
    "values, suite descriptions, approval notes) is shown, never obeyed: its control "
    "characters appear as Unicode control pictures (ESC as ␛, DEL as ␡), and C1 controls and "
    "direction overrides as their code point (`<U+009B>`, `<U+202E>`), in the terminal and in "
    "report.md, memo.md and report.html alike. `--json` keeps such text exact, writing those "
    "characters as `\\uXXXX` escapes. A closed output pipe (`assay gate ... | head -1`) stops the "
    "printing, not the verdict: the exit code is the same.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


install_typer_fixes()


def _show_version(value: bool) -> None:
    if value:
        from assay import __version__

        stdout.write(f"assay {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    format_: FormatOption = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_show_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Evidence for ship/stop decisions on machine-learning models."""


def exit_code_for(exc: AssayError) -> int:
    """The documented exit code of an assay error (most specific class wins)."""
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return EXIT_INTERNAL


def script() -> int:
    """The ``assay`` script and ``python -m assay``: :func:`main` as the process's own line,
    so a short command's objects are frozen at its end instead of walked on the way out."""
    return main(process_ends=True)


def main(argv: list[str] | None = None, *, process_ends: bool = False) -> int:
    """Run the command line (``argv``, else ``sys.argv[1:]``) and return its exit code.

    Statistical caveats the library raises as :class:`~assay.errors.AssayWarning` (a slice too
    small to block, an underpowered test) are printed once each as ``note:`` lines on standard
    error after the command, so piped output and ``--json`` stay clean.

    When the reader of standard output goes away (``assay gate … | head -1``), printing stops
    quietly and the exit code is still the command's: a closed pipe never reads as BLOCK.
    ``process_ends``: the process exits after the line (:func:`script`); never in a process
    that goes on, whose objects would stay out of the collector's passes.
    """
    err = error_console()
    set_output_format(None)  # a second command in one process starts from the default
    collector: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    short = _short(argv)
    if short is not None:  # frozen at the end only where the process ends with the line
        collector = fewer_young_collections(process_ends=short and process_ends)
    with warnings.catch_warnings(record=True) as caught, collector:
        warnings.simplefilter("always", AssayWarning)
        code = _run(argv, err)
    _print_notes(err, caught)
    for stream in (stdout, stderr):  # what is still buffered, while a closed pipe is handled
        stream.flush()
    return code


# Commands that read, compute once and exit: their objects live to the end, so the garbage
# collector's young passes over them (hundreds at CPython's default) are time for nothing.
# Commands that serve, send load or watch keep the default: their pauses are measured. Of
# these, a comparison and help leave nothing for the collection at exit to close (a store a
# command opened itself and left open is closed by it: `gate`, `report`, `runs`), so their
# objects are frozen instead of walked again on the way out.
_SHORT_COMMANDS = frozenset({"compare", "gate", "report", "runs"})
_NOTHING_TO_CLOSE = frozenset({"compare"})


def _short(argv: list[str] | None) -> bool | None:
    """Whether the line runs a short command, shows help or a list of commands (None: not);
    True where nothing is left for the collection at exit."""
    args = sys.argv[1:] if argv is None else argv
    name = _command_named(args)
    registered = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    if name not in registered or set(_HELP) & set(args):
        return True
    if name in _SHORT_COMMANDS:
        return name in _NOTHING_TO_CLOSE
    return None


def _print_notes(err: SafeConsole, caught: list[warnings.WarningMessage]) -> None:
    seen: set[str] = set()
    for w in caught:
        if not issubclass(w.category, AssayWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
            continue
        text = str(w.message)
        if text not in seen:
            seen.add(text)
            err.print(f"note: {safe(text)}", highlight=False)


def _wants_json(argv: list[str] | None) -> bool:
    args = sys.argv[1:] if argv is None else argv
    if "--json" in args or "--format=json" in args:
        return True
    pairs = itertools.pairwise(args)
    return any(a == "--format" and b == "json" for a, b in pairs) or output_format() == "json"


def _command_at(args: list[str]) -> int | None:
    """Where the command or group the line names first is, skipping the root's own options."""
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
        elif arg == "--format":
            skip = True
        elif not arg.startswith("-"):
            return i
    return None


def _command_named(args: list[str]) -> str | None:
    """The command or group the line names first, skipping the root's own options."""
    at = _command_at(args)
    return None if at is None else args[at]


def _app_for(argv: list[str] | None) -> typer.Typer:
    """The root app with only the command the line names registered (see ``_tree``).

    Only the named command (or group, pruned to the subcommand it names) is needed to parse
    and run the line and for its ``--help``; a line naming no registered command (``assay
    --help``, a misspelling that wants suggestions) gets every command listed.
    """
    args = sys.argv[1:] if argv is None else argv
    at = _command_at(args)
    name = None if at is None else args[at]
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if name is None or not (commands or groups):
        return listed_app(app)
    only = copy.copy(app)
    rest = args[at + 1 :] if at is not None else []
    only.registered_commands = commands
    only.registered_groups = [pruned_group(g, rest) for g in groups]
    return only


def _run(argv: list[str] | None, err: SafeConsole) -> int:
    try:
        result = _app_for(argv)(args=argv, standalone_mode=False)
    except _click_classes("Exit") as exc:
        return int(getattr(exc, "exit_code", 0))
    except _click_classes("UsageError") as exc:
        shown = io.StringIO()  # the message quotes the command line: shown, never obeyed
        exc.show(file=shown)  # type: ignore[attr-defined]
        err.print(shown.getvalue(), end="", markup=False, highlight=False, soft_wrap=True)
        if _wants_json(argv):
            emit_json(error_json("UsageError", exc.format_message(), EXIT_USAGE))  # type: ignore[attr-defined]
        return EXIT_USAGE
    except _click_classes("Abort"):
        err.print("Aborted.")
        return 130
    except KeyboardInterrupt:
        err.print("Interrupted.")
        return 130
    except AssayError as exc:
        code = exit_code_for(exc)
        message = user_message(exc, app)
        err.print(f"[bold red]error:[/] {type(exc).__name__}: ", end="")
        err.print(message, markup=False, highlight=False)
        candidates = list(getattr(exc, "candidates", None) or [])  # listed in the message
        if _wants_json(argv):
            extra = {"candidates": candidates} if candidates else {}
            emit_json(error_json(type(exc).__name__, message, code, **extra))
        return code
    except OSError as exc:  # a file or folder the command was told to write or read
        code = EXIT_CODES[StorageError]
        err.print("[bold red]error:[/] ", end="")
        err.print(f"{type(exc).__name__}: {exc}", markup=False, highlight=False)
        if _wants_json(argv):
            emit_json(error_json(type(exc).__name__, str(exc), code))
        return code
    except Exception as exc:  # a bug: never let it read as a verdict (1 is BLOCK)
        err.print_exception()
        err.print("[bold red]internal error[/]: please report it with the traceback above.")
        if _wants_json(argv):
            emit_json(error_json("InternalError", f"{type(exc).__name__}: {exc}", EXIT_INTERNAL))
        return EXIT_INTERNAL
    return int(result) if isinstance(result, int) else 0
