"""``assay runs``: list, show, diff and export stored runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

import assay
from assay._util import MINUS, plural, summary
from assay.cli._options import DbOption, FormatOption, JsonOption, parse_pairs
from assay.cli._render import console, emit_json, new_table, output_format, safe
from assay.cli._runs_edit import note_command, tag_command
from assay.cli._runs_table import runs_table

if TYPE_CHECKING:
    from assay.data import SampleSummary

ShowUnsafeText = Annotated[
    bool,
    typer.Option(
        "--show-unsafe-text",
        help="On a red-team suite, write the prompts and answers too (harmful by design; "
        "withheld by default).",
    ),
]

runs_app = typer.Typer(
    help="Find, inspect, compare manifests of, tag, annotate and export stored runs.",
    no_args_is_help=True,
)


@runs_app.command("list")
def list_command(
    suite: Annotated[str | None, typer.Option(help="Suite name or digest prefix.")] = None,
    model: Annotated[str | None, typer.Option(help="Model NAME or NAME@VERSION.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="KEY=VALUE; repeat for several.")] = None,
    where: Annotated[
        list[str] | None, typer.Option(help="Metric filter such as 'accuracy>=0.8'; repeatable.")
    ] = None,
    sort: Annotated[str, typer.Option(help="'created_at' or a metric name.")] = "created_at",
    ascending: Annotated[bool, typer.Option("--ascending", help="Sort ascending.")] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many runs.")] = None,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """List stored runs, newest first."""
    from assay.workflows import list_runs_json

    runs = list_runs_json(
        url=db,
        suite=suite,
        model=model,
        tags=parse_pairs(tag, "tag"),
        where=where or [],
        sort=sort,
        descending=not ascending,
        limit=limit,
    )
    if json:
        emit_json(runs)
        return
    when = "%Y-%m-%d %H:%M" if output_format() != "table" else "%m-%d %H:%M"
    width = console.width if output_format() == "table" else None
    table = runs_table(runs, width=width, when=when)
    console.print(table)


@runs_app.command("show")
def show_command(
    run: Annotated[str, typer.Argument(help="Run id or unique prefix.")],
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Show a run: model, suite, manifest, and every metric with its interval and method."""
    from assay.workflows import get_stored_run

    r = get_stored_run(run, url=db)
    samples = []
    if r.n_records > r.n_examples:  # repeated samples, summarised from the run's records
        from assay.workflows import sample_summaries

        samples = sample_summaries(r, store=assay.open_store(db))
    if json:
        out = r.model_dump(mode="json")
        if samples:
            out["repeated_samples"] = [_sample_json(s) for s in samples]
        emit_json(out)
        return
    m = r.manifest
    console.print(f"[bold]run[/] {r.run_id}  ({r.status}, {r.created_at:%Y-%m-%d %H:%M:%S} UTC)")
    console.print(f"model: {safe(r.model)}")
    console.print(f"suite: {safe(r.suite_name)} {r.suite_digest[:12]}")
    console.print(f"records: {r.n_records:,} on {r.n_examples:,} examples, {r.n_errors:,} errored")
    for title, values in (
        ("model parameters", r.model.parameters),
        ("params", r.params),
        ("tags", r.tags),
    ):
        _print_mapping(title, values)
    table = new_table(
        "metrics",
        ("metric", "estimate [95% interval]", "method", "n", "clusters", "missing"),
        numbers=("estimate [95% interval]", "n", "clusters", "missing"),
    )
    for name, s in r.metrics.items():
        table.add_row(
            safe(name),
            summary(s, name),
            safe(s.method),
            str(s.n),
            "" if s.n_clusters is None else str(s.n_clusters),
            str(s.n_missing),
        )
    console.print(table)
    if samples:
        _print_samples(samples)
    console.print("[bold]manifest[/]")
    for key, value in (
        ("code", m.code.describe),
        ("python", m.python),
        ("platform", m.platform),
        ("cpu", m.cpu),
        ("gpu", m.gpu),
        ("config digest", m.config_digest[:12]),
        ("suite digest", m.suite_digest[:12]),
        ("packages", f"{len(m.packages)} recorded (see --json)"),
        ("assay", m.assay_version),
    ):
        console.print(f"  {key}: {_value(value)}")
    mappings: tuple[tuple[str, object], ...] = (
        ("seeds", m.seeds),
        ("datasets", m.dataset_digests),
        ("provenance", m.provenance),
        ("source", m.source),
    )
    for name, mapping in mappings:
        _print_mapping(name, mapping, indent="  ")


def _value(value: object) -> str:
    """A stored value in a line of text: ``absent`` for nothing, lists joined by commas,
    a nested mapping as compact ``key=value`` pairs."""
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}".replace("-", MINUS)
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_value(v)}" for k, v in value.items()) or "(none)"
    return safe(value)


def _print_mapping(title: str, values: object, *, indent: str = "") -> None:
    """``title:`` then one ``key: value`` line per entry (nothing for an empty mapping)."""
    if not values:
        return
    if not isinstance(values, dict):
        console.print(f"{indent}{title}: {_value(values)}")
        return
    console.print(f"{indent}{safe(title)}:")
    for key, value in values.items():
        if isinstance(value, dict) and value:
            _print_mapping(str(key), value, indent=indent + "  ")
        else:
            console.print(f"{indent}  {safe(key)}: {_value(value)}")


def _sample_json(s: SampleSummary) -> dict[str, Any]:
    return {
        "metric": s.metric,
        "samples_per_example": [s.min_samples, s.max_samples],
        "within_sd": s.within_sd,
        "pass_at_k": {
            str(k): {"estimate": e.estimate, "low": e.low, "high": e.high, "method": e.method}
            for k, e in s.pass_at.items()
        },
    }


def _print_samples(samples: list[SampleSummary]) -> None:
    table = Table(title="repeated samples (pass@k: unbiased estimator, t interval over examples)")
    for col in ("metric", "samples/example", "within-example sd", "pass@k [95% interval]"):
        table.add_column(col)
    for s in samples:
        spread = (
            str(s.min_samples)
            if s.min_samples == s.max_samples
            else f"{s.min_samples}-{s.max_samples}"
        )
        table.add_row(
            s.metric,
            spread,
            "" if s.within_sd is None else f"{s.within_sd:.4f}",
            "  ".join(
                f"@{k} {e.estimate:.3f} [{e.low:.3f}, {e.high:.3f}]" for k, e in s.pass_at.items()
            ),
        )
    console.print(table)


_DIGEST = re.compile(r"\b(?:sha256:)?([0-9a-f]{12})[0-9a-f]{20,}\b")


def _short(text: str) -> str:
    """Digests and long ids cut to their first 12 characters, as runs are named elsewhere."""
    return _DIGEST.sub(lambda m: m[1], text)


def _empty(value: object) -> bool:
    return value is None or value == "" or value == {} or value == [] or value == ()


@runs_app.command("diff")
def diff_command(
    a: Annotated[str, typer.Argument(help="First run id or prefix.")],
    b: Annotated[str, typer.Argument(help="Second run id or prefix.")],
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Also show fields that differ only between absent and empty (no value, an "
            "empty text, list or mapping).",
        ),
    ] = False,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """What differs between two runs' manifests: code, packages, config, seeds, data, model."""
    from assay.workflows import diff_stored_runs

    first, second, diffs = diff_stored_runs(a, b, url=db)
    if json:
        emit_json([{"field": d.path, "a": d.a, "b": d.b} for d in diffs])
        return
    shown = diffs if show_all else [d for d in diffs if not (_empty(d.a) and _empty(d.b))]
    hidden = len(diffs) - len(shown)
    if not shown:
        console.print("The manifests are identical (creation time aside).")
    else:
        heads = [f"{r.run_id[:12]} ({safe(r.model)})" for r in (first, second)]
        table = new_table(plural(len(shown), "difference"), ("field", *heads))
        for d in shown:
            table.add_row(safe(d.path), _short(_value(d.a)), _short(_value(d.b)))
        console.print(table)
    if hidden:
        console.print(
            f"{plural(hidden, 'field differs', 'fields differ')} only between absent and "
            "empty; --all shows them."
        )


@runs_app.command("export")
def export_command(
    run: Annotated[str, typer.Argument(help="Run id or unique prefix.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write (.parquet, .csv, .jsonl).")
    ],
    show_unsafe_text: ShowUnsafeText = False,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Export a run's records to Parquet, CSV or JSONL."""
    store = assay.open_store(db)
    exported = assay.export_run(run, output, store=store, show_unsafe_text=show_unsafe_text)
    if json:
        columns = store.runs.records(exported.run.run_id).column_names
        emit_json(
            {
                "path": str(exported.path),
                "run": exported.run.run_id,
                "rows": exported.n_records,
                "columns": list(columns),
                "text_withheld": exported.withheld,
            }
        )
        return
    console.print(
        f"wrote {exported.n_records:,} records of run {exported.run.run_id[:12]} to {safe(output)}"
    )
    if exported.withheld:
        from assay.workflows import WITHHELD_NOTE

        console.print(WITHHELD_NOTE)


runs_app.command("tag")(tag_command)
runs_app.command("note")(note_command)
