"""``assay contamination``: is the suite in the training corpus?"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

import assay
import assay.workflows as wf
from assay.cli._inputs import check_readable, suite_file_or_name
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, safe, say_prose

if TYPE_CHECKING:
    from assay.analysis import ContaminationResult

__all__ = ["contamination_command"]


def _interval(e: Any) -> str:
    return f"{e.estimate:+.4f} [{e.low:+.4f}, {e.high:+.4f}]"


def _print(result: ContaminationResult) -> None:
    n = len(result.examples)
    table = Table(title=f"contamination of {safe(result.suite)} ({n:,} examples)")
    table.add_column("status")
    table.add_column("examples", justify="right")
    table.add_column("share", justify="right")
    for status in ("contaminated", "clean", "undetectable"):
        k = result.count(status)
        table.add_row(status, f"{k:,}", f"{k / n:.1%}" if n else "-")
    console.print(table)
    say_prose(
        f"corpus: {result.corpus_documents:,} documents, {result.corpus_bytes:,} bytes in "
        f"{len(result.corpus_files)} files, {result.corpus_digest}"
    )
    problems = {k: v for k, v in result.read_problems.items() if v}
    if problems:
        say_prose(
            "corpus lines not read cleanly: "
            + "; ".join(
                f"{v:,} {k.replace('_', ' ')} (first at {result.first_problems[k]})"
                for k, v in problems.items()
            )
        )
    for note in result.notes:
        say_prose(f"note: {note}")
    if result.effect is not None:
        e = result.effect
        say_prose(
            f"{e.metric}: contaminated {e.contaminated.estimate:.4f} "
            f"(n={e.contaminated.n:,}), clean {e.clean.estimate:.4f} (n={e.clean.n:,}); "
            f"difference {_interval(e.difference)} ({e.difference.method}, "
            f"{e.difference.confidence:.0%})"
        )
    say_prose(f"method: {result.method}")
    if result.marked_suite:
        say_prose(
            f"registered {result.suite} {result.marked_suite[:12]} with a contamination slice "
            "attribute; runs on it can be gated with the clean_subset rule kind"
        )


def contamination_command(
    suite: Annotated[
        str,
        typer.Argument(
            help="Suite YAML file, or a stored suite's name or digest.",
            callback=suite_file_or_name,
        ),
    ],
    corpus: Annotated[
        list[Path],
        typer.Option(
            "--corpus",
            help="Corpus file: .jsonl, .parquet or text (one document a line), optionally "
            ".gz/.bz2/.xz/.zst; repeatable.",
            callback=lambda paths: [check_readable(Path(p), "the corpus file") for p in paths],
        ),
    ],
    run: Annotated[
        str | None, typer.Option(help="A run of the suite: its metric, contaminated vs clean.")
    ] = None,
    metric: Annotated[
        str | None, typer.Option(help="The metric (default: the suite's first).")
    ] = None,
    n: Annotated[int, typer.Option("--n", help="Words per n-gram of the exact search.")] = 13,
    near: Annotated[
        float, typer.Option(help="Jaccard threshold of the near-duplicate search; 0 turns it off.")
    ] = 0.8,
    bands: Annotated[int, typer.Option(help="LSH bands.")] = 32,
    rows: Annotated[int, typer.Option(help="Rows (MinHash permutations) per band.")] = 4,
    text_field: Annotated[
        str, typer.Option(help="JSONL field or Parquet column holding the text.")
    ] = "text",
    mark: Annotated[
        bool,
        typer.Option(
            "--mark",
            help="Register the suite's next version with a `contamination` slice attribute "
            "(for the clean_subset rule kind).",
        ),
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Mark each example contaminated, clean or undetectable against training-corpus files.

    Exact: shared word n-grams after NFKC, case folding and removal of all Unicode punctuation (an example shorter than n words is undetectable by it, never clean). Near: MinHash-LSH candidates verified by their true Jaccard; the chance of retrieving a document at the threshold is printed. Broken corpus lines are counted and reported.
    """
    result = wf.suite_contamination(
        suite,
        corpus,
        run=run,
        metric=metric,
        n=n,
        near_threshold=near or None,
        bands=bands,
        rows=rows,
        text_field=text_field,
        mark=mark,
        store=assay.open_store(db),
    )
    if json:
        emit_json(wf.contamination_json(result))
    else:
        _print(result)
