"""What a report shows, independent of its format: capped selections, method footnotes, heat map.

Every format (HTML, Markdown, memo) draws from these functions so they show the same rows,
the same omissions and the same method numbering.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from assay._util import check_instance, check_int
from assay.core import Comparison, MetricComparison, RunInfo, VerdictResult
from assay.reports._footnotes import MethodIndex, method_index, resampling_summary
from assay.reports._format import direction, is_operational
from assay.reports._kind import OFFLINE, ReportKind

__all__ = [
    "RESULT_HEADERS",
    "HeatMap",
    "MethodIndex",
    "ReportLimits",
    "Selection",
    "check_inputs",
    "header_rows",
    "heat_map",
    "is_small",
    "method_index",
    "metric_names",
    "resampling_summary",
    "run_lookup",
    "select_results",
    "slice_directions",
]

RESULT_HEADERS = (
    "Metric",
    "Slice",
    "n",
    "Baseline",
    "Candidate",
    "Difference",
    "Direction",
    "Test",
    "p",
    "p adjusted",
    "MDE",
    "Notes",
)
"""Columns of the results table, the same in HTML and Markdown."""


@dataclass(frozen=True)
class ReportLimits:
    """Caps that keep a report small (well under 5 MB) whatever the size of the comparison.

    Whatever a cap leaves out is counted and said in the report.
    """

    flips: int = 50
    """Flipped examples shown (the comparison lists the largest regressions first)."""
    result_rows: int = 300
    """Rows of the forest plot and of the results table."""
    heatmap_metrics: int = 20
    """Metric columns of the slice heat map."""
    heatmap_slices: int = 80
    """Slice rows of the slice heat map."""
    manifest_rows: int = 200
    """Manifest differences listed."""
    text_chars: int = 600
    """Characters of one input, reference or output shown before it is cut."""
    value_chars: int = 160
    """Characters of one manifest value shown before it is cut."""
    small_slice: int = 30
    """Slices with fewer paired examples are marked small (reported with their width)."""

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            check_int(getattr(self, name), name, "ReportLimits", minimum=1)


def check_inputs(
    function: str, comparison: object, verdict: object, *, verdict_required: bool = False
) -> None:
    """Fail with the one bad-argument message shape when the inputs are not the right models."""
    check_instance(comparison, "comparison", function, Comparison, "an assay.core.Comparison")
    if verdict is None and not verdict_required:
        return
    check_instance(verdict, "verdict", function, VerdictResult, "an assay.core.VerdictResult")


def run_lookup(comparison: Comparison, runs: Iterable[RunInfo]) -> dict[str, RunInfo]:
    """The runs given, keyed ``baseline`` / ``candidate`` when their ids match the comparison."""
    found: dict[str, RunInfo] = {}
    for run in runs:
        if run.run_id == comparison.baseline_run:
            found["baseline"] = run
        if run.run_id == comparison.candidate_run:
            found["candidate"] = run
    return found


def metric_names(comparison: Comparison) -> list[str]:
    """Metrics in order of first appearance."""
    return list(dict.fromkeys(r.metric for r in comparison.results))


def is_small(r: MetricComparison, limits: ReportLimits) -> bool:
    """A slice too small to be judged: fewer than ``limits.small_slice`` pairs, or noted small."""
    return r.n < limits.small_slice or any("small" in note.lower() for note in r.notes)


@dataclass(frozen=True)
class Selection:
    """Results shown in the forest plot and results table, in the comparison's order."""

    shown: list[MetricComparison]
    omitted: int
    note: str | None


def _p(r: MetricComparison) -> float:
    p = r.p_adjusted if r.p_adjusted is not None else r.p_value
    return p if not math.isnan(p) else 1.0


def select_results(comparison: Comparison, verdict: VerdictResult | None, limit: int) -> Selection:
    """At most ``limit`` results: every overall row, every row a rule used, then the smallest p.

    The order shown is the comparison's own (overall, then slices, metric by metric).
    """
    results = comparison.results
    if len(results) <= limit:
        return Selection(list(results), 0, None)
    evidence = {label for rule in (verdict.rules if verdict else []) for label in rule.evidence}
    ranked = sorted(
        range(len(results)),
        key=lambda i: (
            results[i].slice_attribute is not None,
            results[i].label not in evidence,
            _p(results[i]),
            i,
        ),
    )
    keep = sorted(ranked[:limit])
    omitted = len(results) - len(keep)
    note = (
        f"{omitted:,} of {len(results):,} results are not shown: the report keeps every "
        f"overall result, every result a rule used, then the slices with the smallest "
        f"p-values (up to {limit:,} rows)."
    )
    return Selection([results[i] for i in keep], omitted, note)


@dataclass(frozen=True)
class HeatMap:
    """Slice rows × metric columns of a comparison's slice results."""

    metrics: list[str]
    slices: list[tuple[str, str]]
    cells: dict[tuple[str, str, str], MetricComparison]
    sizes: dict[tuple[str, str], int]
    omitted_metrics: int
    omitted_slices: int
    notes: list[str] = field(default_factory=list)


def heat_map(comparison: Comparison, limits: ReportLimits) -> HeatMap:
    """The slice results, capped at ``limits.heatmap_metrics`` × ``limits.heatmap_slices``.

    Quality metrics come before latency and cost; slices keep the comparison's order.
    """
    sliced = [r for r in comparison.results if r.slice_attribute is not None]
    all_metrics = list(dict.fromkeys(r.metric for r in sliced))
    all_metrics.sort(key=is_operational)  # stable: quality first, then operational
    all_slices = list(dict.fromkeys((str(r.slice_attribute), str(r.slice_value)) for r in sliced))
    metrics = all_metrics[: limits.heatmap_metrics]
    slices = all_slices[: limits.heatmap_slices]
    wanted_m, wanted_s = set(metrics), set(slices)
    cells: dict[tuple[str, str, str], MetricComparison] = {}
    sizes: dict[tuple[str, str], int] = {}
    for r in sliced:
        key = (str(r.slice_attribute), str(r.slice_value))
        if key in wanted_s and r.metric in wanted_m:
            cells[(*key, r.metric)] = r
            sizes[key] = max(sizes.get(key, 0), r.n)
    notes = []
    if len(all_metrics) > len(metrics):
        notes.append(
            f"{len(all_metrics) - len(metrics):,} metrics beyond the first {len(metrics)} are not drawn."
        )
    if len(all_slices) > len(slices):
        notes.append(
            f"{len(all_slices) - len(slices):,} slices beyond the first {len(slices)} are not drawn."
        )
    return HeatMap(
        metrics,
        slices,
        cells,
        sizes,
        len(all_metrics) - len(metrics),
        len(all_slices) - len(slices),
        notes,
    )


def slice_directions(
    results: Sequence[MetricComparison],
) -> dict[str, dict[str, list[MetricComparison]]]:
    """Per metric, its slice results grouped as ``better`` / ``worse`` / ``unclear``."""
    out: dict[str, dict[str, list[MetricComparison]]] = {}
    for r in results:
        if r.slice_attribute is None:
            continue
        groups = out.setdefault(r.metric, {"better": [], "worse": [], "unclear": []})
        groups[direction(r)].append(r)
    return out


def header_rows(
    c: Comparison,
    runs: dict[str, RunInfo],
    escape: Callable[[str], str],
    kind: ReportKind = OFFLINE,
) -> list[list[str]]:
    """The report header as (label, value) rows, values escaped for the output format."""

    def who(model: str, run: str) -> str:
        if kind.paired:
            return f"{escape(model)} ({kind.group} {escape(run)})"
        return f"{kind.group} {escape(run)}"  # an arm is its own name: no model apart from it

    rows = [
        ["Baseline", who(c.baseline_model, c.baseline_run)],
        ["Candidate", who(c.candidate_model, c.candidate_run)],
        [kind.whole.capitalize(), f"{escape(c.suite_name)} ({escape(c.suite_digest)})"],
        ["Compared", escape(c.created_at.isoformat(timespec="seconds"))],
        ["Confidence", f"{c.confidence:.0%} intervals throughout"],
    ]
    for role in ("baseline", "candidate"):
        run = runs.get(role)
        if run is None:
            continue
        params = ", ".join(f"{k}={v}" for k, v in sorted(run.model.parameters.items()))
        text = (
            f"recorded {run.created_at.isoformat(timespec='seconds')}; "
            f"{run.n_records:,} records, {run.n_examples:,} examples, "
            f"{run.n_errors:,} errors" + (f"; parameters: {params}" if params else "")
        )
        rows.append([f"{role.capitalize()} run", escape(text)])
    return rows
