"""``assay ingest``, ``assay suites`` and ``assay db``: getting suites and results in."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

import assay
import assay.workflows as wf
from assay._util import plural, summary
from assay.cli._inputs import readable_file, suite_file_or_name
from assay.cli._options import DbOption, JsonOption, parse_pairs
from assay.cli._render import console, emit_json, safe
from assay.cli._suite_check import print_findings

if TYPE_CHECKING:
    from assay.core import MetricSpec, Run

suites_app = typer.Typer(help="Register and inspect evaluation suites.", no_args_is_help=True)
db_app = typer.Typer(
    help="Manage the store: its database schema, and orphaned objects.", no_args_is_help=True
)


def print_logged(logged: assay.LoggedRun) -> None:
    """Say what was stored, or that an identical run already was."""
    r: Run = logged.run
    if logged.created:
        console.print(
            f"[green]stored[/] run {r.run_id[:12]}: {safe(r.model)} on {safe(r.suite_name)} "
            f"({r.n_records:,} records, {r.n_errors:,} errored)"
        )
    else:
        console.print(
            f"[yellow]already stored[/]: an identical run exists as {r.run_id[:12]} "
            f"({safe(r.model)} on {safe(r.suite_name)}); no new run was written"
        )
        if logged.tags_added:
            changed = ", ".join(
                f"{k}={v}" + ("" if old is None else f" (was {old})")
                for k, v, old in ((c.key, c.value, c.previous) for c in logged.tags_added)
            )
            console.print(f"  tags set on it: {safe(changed)} (as `assay runs tag` would)")
    for name, scorer in logged.scored.items():
        console.print(
            f"  {safe(name)} scored from the outputs with {safe(scorer)}, the suite's scorer "
            "(the file has no column for it)"
        )
    for name, s in r.metrics.items():
        console.print(f"  {safe(name):<20} {summary(s, name)}  ({s.method}, n={s.n:,})")


def ingest_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="JSONL, CSV or Parquet file of per-example results.",
            callback=readable_file("the records file"),
        ),
    ],
    suite: Annotated[
        str,
        typer.Option(
            help="Suite YAML file, or a stored suite's name or digest.",
            callback=suite_file_or_name,
        ),
    ],
    model: Annotated[
        str,
        typer.Option(help="The model as NAME@VERSION (NAME@unversioned if it has none)."),
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="jsonl, csv or parquet (default: from the suffix)."),
    ] = None,
    rename: Annotated[
        list[str] | None, typer.Option(help="FILE_COLUMN=RECORD_COLUMN; repeatable.")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option(help="KEY=VALUE; repeatable.")] = None,
    param: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUE run parameter; repeatable.")
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Record a run from a file of per-example results (all-or-nothing).

    A metric without a column is scored from the `output` column with the scorer the suite declares; a score outside that scorer's range is refused. Ingesting a file identical to a stored run stores nothing, but sets the given --tag values on that run and says so.
    """
    logged = assay.ingest(
        file,
        suite=suite,
        model=model,
        store=assay.open_store(db),
        fmt=fmt,
        rename=parse_pairs(rename, "rename"),
        tags=parse_pairs(tag, "tag"),
        params=dict(parse_pairs(param, "parameter")),
    )
    if json:
        emit_json(
            {
                "created": logged.created,
                "run": logged.run.model_dump(mode="json"),
                "scored": dict(logged.scored),
                "tags_added": [
                    {"key": c.key, "value": c.value, "previous": c.previous}
                    for c in logged.tags_added
                ],
            }
        )
    else:
        print_logged(logged)


@suites_app.command("add")
def suites_add(
    file: Annotated[
        Path, typer.Argument(help="Suite YAML file.", callback=readable_file("the suite file"))
    ],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Register a suite from YAML (idempotent: a suite is identified by its content).

    The fast integrity checks run on a new version (exact duplicates, label conflicts, empty or degenerate inputs, small slices); their findings are stored with it and printed (`assay suites check` runs them all).
    """
    store = assay.open_store(db)
    data = assay.register_suite(file, store=store)
    checked = wf.stored_suite_check(data.digest, store=store)  # stored by the registration
    assert checked is not None
    if json:
        emit_json(
            {
                "digest": data.digest,
                "suite": data.suite.model_dump(mode="json"),
                "checks": dataclasses.asdict(checked),
            }
        )
        return
    console.print(
        f"suite {safe(data.suite.name)} {data.digest[:12]}: {data.suite.n_examples} examples, "
        f"metrics {safe(', '.join(data.suite.metric_names))}, slices {safe(', '.join(data.suite.slice_names) or '-')}"
    )
    if checked.findings:
        print_findings(checked)


@suites_app.command("list")
def suites_list(db: DbOption = None, json: JsonOption = False) -> None:
    """List stored suites."""
    suites = assay.list_suites(store=assay.open_store(db))
    if json:
        emit_json([{"digest": s.digest, **s.model_dump(mode="json")} for s in suites])
        return
    table = Table(title=plural(len(suites), "suite"))
    for col in ("digest", "name", "version", "examples", "metrics", "slices", "owner"):
        table.add_column(col)
    for s in suites:
        table.add_row(
            s.digest[:12],
            safe(s.name),
            safe(s.version),
            str(s.n_examples),
            safe(", ".join(s.metric_names)),
            safe(", ".join(s.slice_names)),
            safe(s.catalog.owner),
        )
    console.print(table)


def _scorer_text(m: MetricSpec) -> str:
    """``scorer exact_match``, with its settings, or where the scores come from without one."""
    if m.scorer is None:
        return "no scorer: scores come with the records"
    settings = ", ".join(f"{k}={v!r}" for k, v in sorted(m.scorer_params.items()))
    return f"scorer {safe(m.scorer)}" + (f" ({safe(settings)})" if settings else "")


@suites_app.command("show")
def suites_show(
    ref: Annotated[str, typer.Argument(help="Name, digest or digest prefix.")],
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Show a suite's definition, catalog facts and its stored integrity findings."""
    store = assay.open_store(db)
    # a stored suite's definition is all this shows: its examples (a red-team suite's prompts
    # among them) are not read
    given = Path(ref).suffix.lower() in (".yaml", ".yml") or Path(ref).is_file()
    s = assay.get_suite(ref, store=store).suite if given else store.suites.get(ref)
    checked = wf.stored_suite_check(s.digest, store=store)
    if json:
        found = None if checked is None else dataclasses.asdict(checked)
        emit_json({"digest": s.digest, **s.model_dump(mode="json"), "checks": found})
        return
    console.print(f"[bold]{safe(s.name)}[/] {safe(s.version)}  digest {s.digest}")
    console.print(safe(s.description))
    console.print(f"{s.n_examples} examples; slices: {safe(', '.join(s.slice_names) or '-')}")
    for m in s.metrics:
        console.print(
            f"  metric {safe(m.name)} ({m.goal} is better, {safe(m.aggregate)}; "
            f"{_scorer_text(m)}) {safe(m.description)}".rstrip()
        )
    c = s.catalog
    for label, value in (
        ("purpose", c.purpose),
        ("coverage", c.coverage),
        ("owner", c.owner),
        ("source", c.source),
    ):
        if value:
            console.print(f"  {label}: {safe(value)}")
    for limit in c.known_limits:
        console.print(f"  known limit: {safe(limit)}")
    if checked is None:
        console.print(f"no integrity findings stored: assay suites check {s.digest[:12]}")
    else:
        console.print(f"integrity checks (stored): {safe(', '.join(checked.checks))}")
        if checked.findings:
            print_findings(checked)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Migrate the database to the current schema (PostgreSQL needs this once per release)."""
    revision = assay.upgrade_database(db)
    console.print(f"database at schema revision {revision}")
