"""``assay demo`` and ``assay run``."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import assay
from assay.cli._decide import print_verdict
from assay.cli._ingest import print_logged
from assay.cli._options import DbOption, JsonOption, parse_pairs
from assay.cli._render import console, emit_json, safe
from assay.errors import ConfigError


def demo_command(db: DbOption = None, json: JsonOption = False) -> None:
    """Train, evaluate and store a real baseline and candidate on the Adult census data (offline)."""
    store = assay.open_store(db)
    say = (lambda _m: None) if json else (lambda m: console.print(f"[dim]·[/] {safe(m)}"))
    result = assay.run_demo(store=store, on_step=say)
    if json:
        emit_json(
            {
                "store": result.store_url,
                "suite": {"name": result.suite.suite.name, "digest": result.suite.digest},
                "baseline": {
                    "created": result.baseline.created,
                    "run": result.baseline.run.model_dump(mode="json"),
                },
                "candidate": {
                    "created": result.candidate.created,
                    "run": result.candidate.run.model_dump(mode="json"),
                },
                "verdict": result.decision.verdict.model_dump(mode="json"),
                "decision": {
                    "created": result.decision.created,
                    "decision_id": result.decision.decision.decision_id,
                },
                "files": {k: str(v) for k, v in result.decision.files.items()},
            }
        )
        return
    console.print(f"\nstore: {safe(result.store_url)}")
    console.print(
        f"suite: {safe(result.suite.suite.name)} {result.suite.digest[:12]} "
        f"({result.suite.suite.n_examples} examples)"
    )
    for role, logged in (("baseline", result.baseline), ("candidate", result.candidate)):
        console.print(f"\n[bold]{role}[/]")
        print_logged(logged)
    rec = result.decision
    print_verdict(rec.verdict)
    for key, path in rec.files.items():
        console.print(f"{key}: {safe(path.resolve())}")
    state = "recorded" if rec.created else "was already recorded (nothing new written)"
    console.print(f"decision {rec.decision.decision_id[:12]} {state}")
    b, c = result.baseline.run.run_id[:12], result.candidate.run.run_id[:12]
    console.print(
        f"\nnext: [cyan]assay compare {b} {c}[/], [cyan]assay runs diff {b} {c}[/], "
        f"[cyan]assay decisions show {rec.decision.decision_id[:12]}[/]"
    )


def _load_model(callable_spec: str | None, pickle_file: Path | None) -> Any:
    if (callable_spec is None) == (pickle_file is None):
        raise ConfigError("Give exactly one of --callable module:function or --pickle FILE.")
    if callable_spec is not None:
        return callable_spec
    assert pickle_file is not None
    try:
        with pickle_file.open("rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError) as exc:
        raise ConfigError(f"{pickle_file}: cannot load a pickled estimator: {exc}") from exc


def run_command(
    suite: Annotated[
        str, typer.Option(help="Suite YAML file, or a stored suite's name or digest.")
    ],
    model: Annotated[str, typer.Option(help="Name for the run's model, as NAME@VERSION.")],
    callable_spec: Annotated[
        str | None,
        typer.Option("--callable", help="module:function mapping an input to an output."),
    ] = None,
    pickle_file: Annotated[
        Path | None, typer.Option("--pickle", help="A pickled, fitted scikit-learn estimator.")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Examples per model call.")] = 512,
    tag: Annotated[list[str] | None, typer.Option(help="KEY=VALUE; repeatable.")] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Evaluate a Python callable or a fitted scikit-learn estimator on a suite and store the run."""
    target = _load_model(callable_spec, pickle_file)
    store = assay.open_store(db)
    with Progress(
        TextColumn("evaluating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=json,
        transient=True,
    ) as progress:
        task = progress.add_task("run", total=None)
        logged = assay.evaluate(
            target,
            suite=suite,
            name=model,
            store=store,
            batch_size=batch_size,
            tags=parse_pairs(tag, "tag"),
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if json:
        emit_json({"created": logged.created, "run": logged.run.model_dump(mode="json")})
    else:
        print_logged(logged)
