"""``assay taxonomy``: a run's failures in named clusters, and their change against a baseline."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

import assay
import assay.workflows as wf
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe, say_prose

if TYPE_CHECKING:
    from assay.workflows import TaxonomyResult

__all__ = ["taxonomy_command"]


def _pct(e: Any) -> str:
    return f"{e.estimate:+.1%} [{e.low:+.1%}, {e.high:+.1%}]"


def _print(result: TaxonomyResult) -> None:
    t = result.taxonomy
    against = f" against {result.baseline_id[:12]}" if result.baseline_id else ""
    say_prose(
        f"run {result.run_id[:12]}{against}: {t.n_failures:,} of {t.n_examples:,} examples fail "
        f"on {result.metric} (score below {result.threshold:g}, or errored); {t.k} clusters "
        f"({t.selected_by}, seed {t.seed})"
    )
    if not t.clusters:
        say_prose("no failures: nothing to cluster")
        return
    table = Table(title="failure clusters")
    for col in ("#", "name", "failures", "share", "error gap"):
        table.add_column(col, justify="left" if col == "name" else "right")
    for c in t.clusters:
        table.add_row(
            str(c.cluster),
            safe(c.name),
            f"{c.size:,}",
            f"{c.share.estimate:.1%}",
            _pct(c.error_gap),
        )
    console.print(table)
    if t.changes:
        changes = Table(title="change against the baseline (candidate - baseline)")
        for col in ("#", "baseline", "candidate", "difference"):
            changes.add_column(col, justify="right")
        for ch in t.changes:
            changes.add_row(
                str(ch.cluster),
                f"{ch.baseline_failures:,}",
                f"{ch.candidate_failures:,}",
                _pct(ch.difference.difference),
            )
        console.print(changes)
    for c in t.clusters:
        say_prose(f"#{c.cluster} {c.name}: e.g. {', '.join(c.example_ids)}")
    if result.names_withheld:
        say_prose(
            "cluster names from slice values: the prompts' words are withheld (red-team "
            "suite; --show-unsafe-text names clusters by their words)"
        )
    say_prose(f"method: {t.method}")


def taxonomy_command(
    run: Annotated[str, typer.Argument(help="The run whose failures are clustered.")],
    against: Annotated[
        str | None, typer.Option(help="A baseline run: which clusters grew or shrank.")
    ] = None,
    metric: Annotated[str | None, typer.Option(help="Metric (default: the suite's first).")] = None,
    threshold: Annotated[
        float, typer.Option(help="A score below it fails (above it, lower-is-better).")
    ] = 0.5,
    k: Annotated[int | None, typer.Option("--k", help="Clusters (default: by silhouette).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of k-means.")] = 0,
    show_unsafe_text: Annotated[
        bool,
        typer.Option(
            "--show-unsafe-text",
            help="On a red-team suite, name clusters by their prompts' words (harmful by "
            "design; by slice values by default).",
        ),
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Cluster a run's failing examples on MiniLM sentence embeddings and name each cluster.

    Each cluster has its distinguishing terms (class-based TF-IDF), its share of all failures, the error gap of its region against the rest (Newcombe interval) and its examples; with --against, each cluster's paired change between the runs (McNemar). On a red-team suite clusters are named by slice values, not the prompts' words, unless --show-unsafe-text.
    """
    result = wf.run_taxonomy(
        run,
        against=against,
        metric=metric,
        threshold=threshold,
        k=k,
        seed=seed,
        store=assay.open_store(db),
        show_unsafe_text=show_unsafe_text,
    )
    if json:
        emit_json(dataclasses.asdict(result))
    else:
        _print(result)
