"""``assay analyze``: slices where a run fails, or where a candidate is worse than a baseline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

import assay
from assay.cli._options import DbOption, FormatOption, JsonOption
from assay.cli._render import (
    console,
    emit_json,
    new_table,
    output_format,
    printable,
    safe,
    wrap_plain,
)

if TYPE_CHECKING:
    from assay.workflows import Analysis

__all__ = ["analyze_command", "print_analysis"]


def _iv(x: float, low: float, high: float) -> str:
    return f"{x:+.3f} [{low:+.3f}, {high:+.3f}]"


def _say(text: str, *, indent: str = "", style: str = "") -> None:
    """Prose: wrapped at 80 columns when piped, left to the terminal otherwise."""
    if output_format() != "table":
        for line in wrap_plain(text, indent=indent):
            console.print(Text(line), soft_wrap=True)
    else:
        console.print(Text(indent + printable(text), style=style))


def print_analysis(analysis: Analysis) -> None:
    """The summary, the discovered slices with intervals, the fix list and the files."""
    d = analysis.discovery
    _say(d.summary())
    _say(f"values: {d.value_definition}", style="dim")
    if d.slices and output_format() == "table":
        table = new_table(
            None, ("slice", "n", "effect [interval]", "adj. p"), numbers=("n", "adj. p")
        )
        table.columns[1].justify = table.columns[3].justify = "right"
        for s in d.slices:
            merged = f" (= {safe('; '.join(s.same_rows_as))})" if s.same_rows_as else ""
            table.add_row(
                safe(s.description) + merged,
                s.n_text().removeprefix("n = "),
                _iv(s.effect, s.low, s.high),
                f"{s.adjusted_p_value:.2g}",
            )
        console.print(table)
    elif d.slices:
        _say("slices worse than the rest:")
        for s in d.slices:
            merged = f" (same rows: {'; '.join(s.same_rows_as)})" if s.same_rows_as else ""
            _say(
                f"{s.description}{merged}: {s.n_text()}, effect "
                f"{_iv(s.effect, s.low, s.high)}, adjusted p {s.adjusted_p_value:.2g}",
                indent="  ",
            )
    for slice_, explained_by in d.explained:
        _say(f"left out: {slice_} (explained by {explained_by})", indent="  ", style="dim")
    t = analysis.taxonomy
    if t is None:
        _say(
            "failure taxonomy: not made (--taxonomy adds it; it embeds every example with "
            "MiniLM, which is slow)",
            style="dim",
        )
    else:
        _say(
            f"failure taxonomy: {t.n_failures:,} failing of {t.n_examples:,} examples in "
            f"{t.k} clusters: " + "; ".join(f"{c.name} ({c.size:,})" for c in t.clusters)
        )
    c = analysis.contamination
    if c is not None:
        counts = ", ".join(f"{c['counts'][s]:,} {s}" for s in ("contaminated", "clean"))
        _say(f"contamination (stored {c['artifact'][:12]}): {counts} of {c['examples']:,}")
    if analysis.fixes.problems:
        _say("fix list (impact = share of examples x error gap):")
        for k, p in enumerate(analysis.fixes.problems, start=1):
            low, high = p.impact_interval
            _say(
                f"{k}. {p.name} ({p.source}): impact {_iv(p.impact, low, high)}, "
                f"{p.size:,} examples ({p.share:.1%})",
                indent="  ",
            )
    if analysis.promoted:
        pr = analysis.promoted
        _say(
            f"promoted into {pr['name']} version {pr['version']} ({pr['digest'][:12]}): "
            + ", ".join(pr["slices"])
        )
    _say(f"stored as artifact {analysis.artifact[:12]}", style="dim")
    for kind, path in analysis.files.items():
        _say(f"{kind}: {path}")


def analyze_command(
    run: Annotated[str, typer.Argument(help="The run to analyse (id, prefix or model@version).")],
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="A baseline run on the same suite version: find where RUN is worse than it, "
            "on the paired per-example difference.",
        ),
    ] = None,
    metric: Annotated[
        str | None, typer.Option("--metric", help="The metric (default: the suite's first).")
    ] = None,
    attribute: Annotated[
        list[str] | None,
        typer.Option(
            "--attribute",
            help="A categorical attribute to slice on (repeat; default: the "
            "suite's slice attributes).",
        ),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            help="A numeric field binned at quantiles (repeat; default: input_length when the "
            "records have inputs).",
        ),
    ] = None,
    control: Annotated[
        str,
        typer.Option(
            "--control",
            help="bh: Benjamini-Hochberg over every candidate (false discovery rate); holm: "
            "family-wise error rate; split: discover on one half, confirm on the other.",
        ),
    ] = "bh",
    alpha: Annotated[float, typer.Option("--alpha", help="q for bh; FWER for holm, split.")] = 0.05,
    max_predicates: Annotated[
        int, typer.Option("--max-predicates", help="Most predicates in a slice.")
    ] = 3,
    min_size: Annotated[
        int, typer.Option("--min-size", help="Fewest examples in (and outside) a slice.")
    ] = 30,
    bins: Annotated[int, typer.Option("--bins", help="Quantile bins of a numeric field.")] = 4,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the split (split mode).")] = 0,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the analysis report (HTML) here.")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Write the fix list (Markdown) here.")
    ] = None,
    promote: Annotated[
        bool,
        typer.Option(
            "--promote",
            help="Register the next suite version with the discovered slices declared.",
        ),
    ] = False,
    taxonomy: Annotated[
        bool,
        typer.Option(
            "--taxonomy",
            help="Cluster the failures too (MiniLM embeddings of every example: slow) and rank "
            "the clusters with the slices in the fix list.",
        ),
    ] = False,
    db: DbOption = None,
    format_: FormatOption = None,
    json: JsonOption = False,
) -> None:
    """Slices where a run fails more than elsewhere (or is worse than a baseline), tested with
    false-discovery control, ranked into a fix list and stored with the run."""
    from assay.workflows import analyze_run

    analysis = analyze_run(
        run,
        against=against,
        metric=metric,
        attributes=attribute or None,
        fields=field or None,
        control=control,  # type: ignore[arg-type]
        alpha=alpha,
        max_predicates=max_predicates,
        min_size=min_size,
        bins=bins,
        rng=seed,
        html=html,
        markdown=markdown,
        promote=promote,
        taxonomy=taxonomy,
        store=assay.open_store(db),
    )
    if json:
        emit_json(analysis.to_dict())
        return
    print_analysis(analysis)
