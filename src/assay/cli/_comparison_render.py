"""How ``assay compare`` prints a comparison: the overall results, the slices most worth a
look, the tests used, errors and flips, all in 80 columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from assay._util import decimals, difference, estimate, pvalue, result_scale
from assay.cli._render import console, new_table, output_format, safe
from assay.errors import ConfigError

if TYPE_CHECKING:
    from assay.core import Comparison, MetricComparison

__all__ = ["empty_slices_line", "only_metrics", "print_comparison"]


def _result_row(r: MetricComparison) -> dict[str, str]:
    scale = result_scale(r)
    d = decimals(scale, r.difference, r.baseline.estimate, r.candidate.estimate)
    return {
        "metric": safe(r.label),
        "baseline": estimate(r.baseline.estimate, scale, d),
        "candidate": estimate(r.candidate.estimate, scale, d),
        "difference": difference(r.difference, scale, d),
        "p": pvalue(r.p_value, r.resamples),
        "p adj.": pvalue(r.p_adjusted, r.resamples),
        "n": f"{r.n:,}",
        "test": safe(r.test),
    }


def _results_table(title: str, c: Comparison, rows: list[MetricComparison]) -> Table:
    cells = [_result_row(r) for r in rows]
    cols = ["metric", "baseline", "candidate", "difference", "p", "p adj.", "n", "test"]
    if output_format() == "table":
        # 80 columns hold the numbers only if the test moves below the table and one p-value
        # is shown: the adjusted one where there is one (it is what the ranking uses).
        cols.remove("test")
        cols.remove("p" if any(r.p_adjusted is not None for r in rows) else "p adj.")
    headers = {"difference": f"difference [{c.confidence:.0%} CI]"}
    table = new_table(
        title,
        [headers.get(col, col) for col in cols],
        numbers=[headers.get(col, col) for col in cols if col not in ("metric", "test")],
    )
    for row in cells:
        table.add_row(*(row[col] for col in cols))
    return table


def _tests_line(c: Comparison) -> str:
    tests: dict[str, list[str]] = {}
    for r in c.results:
        names = tests.setdefault(r.test, [])
        if r.metric not in names:
            names.append(r.metric)
    return "tests: " + "; ".join(f"{safe(t)} ({', '.join(map(safe, m))})" for t, m in tests.items())


def empty_slices_line(labels: list[str]) -> str:
    """The slices with no paired example, said rather than left out."""
    names = ", ".join(safe(label) for label in labels)
    which = "slice has" if len(labels) == 1 else "slices have"
    return f"no examples in this comparison: {names} (the {which} no paired example, so no result)"


def print_comparison(c: Comparison, *, slices: int | None = 12) -> None:
    """Overall results, then the slices most worth a look (every slice when ``slices`` is
    ``None``)."""
    console.print(
        f"[bold]{safe(c.candidate_model)}[/] (candidate) vs [bold]{safe(c.baseline_model)}[/] "
        f"(baseline) on {safe(c.suite_name)}: {c.coverage.shared:,} paired examples"
    )
    if c.methods and c.methods[0].startswith("Streaming:"):
        console.print(
            "Streaming comparison: records read in example-id order in bounded memory; metrics "
            "that are not means by the Poisson bootstrap (methods: --json)"
        )
    overall = [r for r in c.results if r.slice_attribute is None]
    console.print(_results_table("overall", c, overall))
    by_slice = [r for r in c.results if r.slice_attribute is not None]
    if by_slice:
        ranked = sorted(
            by_slice, key=lambda r: r.p_adjusted if r.p_adjusted is not None else r.p_value
        )
        if slices is None or slices >= len(by_slice):
            title = f"every slice ({len(by_slice)}), strongest evidence first"
            shown = ranked
        else:
            shown = ranked[:slices]
            title = (
                f"slices with the strongest evidence ({len(shown)} of {len(by_slice)}; "
                "--all-slices shows every one)"
            )
        console.print(_results_table(title, c, shown))
    if c.coverage.empty_slices:
        console.print(empty_slices_line(c.coverage.empty_slices))
    if output_format() == "table" and c.results:
        console.print(_tests_line(c))
    for role, e in c.errors.items():
        if e.errors:
            console.print(f"{role}: {e.errors} of {e.records} records errored ({e.error_rate:.1%})")
    for count in c.flip_counts:
        if count.total:
            listed = sum(f.metric == count.metric for f in c.flips)
            console.print(
                f"{count.total:,} examples flipped on {safe(count.metric)}: {count.worse:,} worse, "
                f"{count.better:,} better ({listed:,} listed; --max-flips -1 --json lists all)"
            )
    if c.early_stop_note:
        console.print(safe(c.early_stop_note))


def only_metrics(c: Comparison, metrics: list[str] | None) -> Comparison:
    """The comparison restricted to ``metrics`` (every metric when none is named)."""
    if not metrics:
        return c
    known = list(dict.fromkeys(r.metric for r in c.results))
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise ConfigError(
            f"--metric {', '.join(unknown)}: not compared here. The metrics are {', '.join(known)}."
        )
    wanted = set(metrics)
    return c.model_copy(
        update={
            "results": [r for r in c.results if r.metric in wanted],
            "flips": [f for f in c.flips if f.metric in wanted],
            "flip_counts": [f for f in c.flip_counts if f.metric in wanted],
        }
    )
