"""The table of ``assay runs list``: one line per run, whatever the terminal's width.

On a terminal the run id, the date, the model and the counts keep their full width. The suite
and the tags share what the metrics leave and are cut short with an ellipsis rather than
folded onto more lines. When that does not fit, the table gives way in this order, and its
title says what it left out: the tags, the metrics' intervals (estimates only), the suite,
then the last metrics. Piped output (the plain layout) never wraps and always has
everything, as has a terminal wide enough.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.table import Table

from assay._util import Bounds, decimals, estimate, plural, scale_of, summary
from assay.cli._render import new_table, printable, safe

__all__ = ["runs_table"]

FLEXIBLE = ("suite", "tags")
"""Columns cut short on a narrow terminal; every other column keeps its width."""
_MIN_FLEXIBLE = 6
_GIVING_WAY: tuple[tuple[bool, tuple[str, ...]], ...] = (
    (True, FLEXIBLE),
    (True, ("suite",)),
    (False, ("suite",)),
    (False, ()),
)
"""(intervals shown, flexible columns shown), tried in turn until the table fits."""


Run = Mapping[str, Any]
"""A run as its JSON object (``RunInfo.model_dump(mode="json")``)."""


@dataclass(frozen=True)
class _Summary:
    estimate: float
    low: float
    high: float


def _summary(metric: Mapping[str, Any]) -> _Summary:
    return _Summary(metric["estimate"], metric["low"], metric["high"])


def _estimate_only(s: Bounds, metric: str) -> str:
    scale = scale_of(metric, [s.estimate, s.low, s.high])
    return estimate(s.estimate, scale, decimals(scale, s))


def _cells(r: Run, metrics: Sequence[str], when: str, intervals: bool) -> dict[str, str]:
    cell = summary if intervals else _estimate_only
    stored = r["metrics"]
    return {
        "run": r["run_id"][:12],
        "created": datetime.fromisoformat(r["created_at"]).strftime(when),
        "suite": r["suite_name"],
        "model": f"{r['model']['name']}@{r['model']['version']}",
        "records": str(r["n_records"]),
        "errors": str(r["n_errors"]),
        **{name: cell(_summary(stored[name]), name) if name in stored else "-" for name in metrics},
        "tags": ", ".join(f"{k}={v}" for k, v in r["tags"].items()),
    }


def _width(name: str, rows: list[dict[str, str]]) -> int:
    return max([cell_len(name)] + [cell_len(printable(row[name])) for row in rows])


def _flexible_limits(wanted: dict[str, int], left: int) -> dict[str, int]:
    """Widths for the suite and tags within ``left`` columns: the shorter whole if it fits in
    half, the other the rest; else half each."""
    if not wanted or sum(wanted.values()) <= left:
        return {}
    if len(wanted) == 1:
        return dict.fromkeys(wanted, left)
    small = min(wanted.values())
    if small <= left // 2:
        return {n: (w if w == small else left - small) for n, w in wanted.items()}
    return dict.fromkeys(wanted, left // 2)


def _layout(
    runs: Sequence[Run], metrics: list[str], when: str, width: int | None
) -> tuple[list[str], list[dict[str, str]], dict[str, int], list[str]]:
    """The columns shown, the rows, the cut widths and what was left out, for ``width``."""
    core = ["run", "created", "model", "records", "errors"]
    rows = [_cells(r, metrics, when, True) for r in runs]
    for intervals, flexible in _GIVING_WAY:
        if not intervals:
            rows = [_cells(r, metrics, when, False) for r in runs]
        columns = ["run", "created", "suite", "model", "records", "errors", *metrics, "tags"]
        columns = [c for c in columns if c not in FLEXIBLE or c in flexible]
        gone = [*([] if intervals else ["intervals"]), *(c for c in FLEXIBLE if c not in flexible)]
        if width is None:
            return columns, rows, {}, []
        room = width - 2 * len(columns)  # one space either side of each column
        left = room - sum(_width(c, rows) for c in columns if c not in FLEXIBLE)
        wanted = {c: _width(c, rows) for c in flexible}
        if left >= sum(min(w, _MIN_FLEXIBLE) for w in wanted.values()):
            return columns, rows, _flexible_limits(wanted, left), gone
    # estimates only, no suite or tags, and as many metrics as fit
    kept = list(metrics)
    while kept and width is not None:
        room = width - 2 * (len(core) + len(kept))
        if sum(_width(c, rows) for c in [*core, *kept]) <= room:
            break
        kept.pop()
    dropped = len(metrics) - len(kept)
    more = [f"{plural(dropped, 'metric')}"] if dropped else []
    columns = [c for c in ["run", "created", "model", "records", "errors", *kept]]
    return columns, rows, {}, ["intervals", "suite", "tags", *more]


def runs_table(runs: Sequence[Run], *, width: int | None, when: str) -> Table:
    """The runs (as JSON objects) as a table; ``width``: the terminal's columns (``None``:
    piped, no limit)."""
    metrics = sorted({name for r in runs for name in r["metrics"]})
    columns, rows, limits, gone = _layout(runs, metrics, when, width)
    title = f"{plural(len(runs), 'run')}; metrics are estimates with 95% intervals"
    if gone:
        title = f"{plural(len(runs), 'run')}; too narrow for {', '.join(gone)} (--format plain)"
    table = new_table(title, columns, numbers=[c for c in columns if c not in FLEXIBLE])
    for column in table.columns:
        name = str(column.header)
        if name in limits:
            column.no_wrap, column.overflow = True, "ellipsis"
            column.max_width = limits[name]
            column.min_width = None
    for row in rows:
        table.add_row(*(safe(row[c]) for c in columns))
    return table
