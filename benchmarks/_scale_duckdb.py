"""bench_scale.py's second reference: DuckDB computing the comparison's point estimates.

One query per kind over the two record files joined on example id, with grouping sets for
all examples and each of the 5 slice attributes: the paired means of the mean metrics (both
runs scored), and the confusion counts of the label metrics (both runs usable), from which
macro-F1 and MCC are finished here in a few lines of numpy.

DuckDB runs with a bounded memory (``memory_limit``, 4 GB unless ``ASSAY_BENCH_DUCKDB_MEMORY``
says otherwise), two threads, no insertion order kept, and a spill folder beside the data
(``duckdb-spill``, removed after): the join of two 100,000,000-row files otherwise builds a hash
table larger than the machine's memory (19 GB resident on a 23 GB machine, killed).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from bench_compare import ATTRIBUTES, BINARY, CONTINUOUS, LABELS, NON_MEAN


def _joined(folder: Path) -> str:
    base, cand = (str(folder / f"{n}.parquet") for n in ("baseline", "candidate"))
    return (
        f"read_parquet('{base}') AS b JOIN read_parquet('{cand}') AS c "
        "ON b.example_id = c.example_id"
    )


def _sets(extra: str = "") -> str:
    keys = ["()", *[f"(b.{a})" for a in ATTRIBUTES]]
    if extra:
        keys = [f"({extra})", *[f"(b.{a}, {extra})" for a in ATTRIBUTES]]
    return ", ".join(keys)


def _key(metric: str, row: tuple[object, ...]) -> str:
    for attr, value in zip(ATTRIBUTES, row, strict=False):
        if value is not None:
            return f"{metric}|{attr}|{value}"
    return f"{metric}|None|None"


def _macro_f1(m: np.ndarray) -> float:
    tp = np.diag(m).astype(float)
    fp, fn = m.sum(0) - tp, m.sum(1) - tp
    den = 2 * tp + fp + fn
    return float(np.mean(np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), 0.0)))


def _mcc(m: np.ndarray) -> float:
    m = m.astype(np.float64)
    t, p, c, s = m.sum(1), m.sum(0), np.trace(m), m.sum()
    den = np.sqrt((s * s - (p * p).sum()) * (s * s - (t * t).sum()))
    return float((c * s - (t * p).sum()) / den) if den > 0 else 0.0


MEMORY_LIMIT = os.environ.get("ASSAY_BENCH_DUCKDB_MEMORY", "4GB")


def duckdb_points(folder: Path) -> dict[str, list[float]]:
    spill = folder / "duckdb-spill"
    try:
        return _points(folder, spill)
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _points(folder: Path, spill: Path) -> dict[str, list[float]]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    means = BINARY + CONTINUOUS
    both = {m: f"b.{m} IS NOT NULL AND c.{m} IS NOT NULL" for m in means}
    aggregates = ", ".join(
        f"avg(b.{m}) FILTER (WHERE {both[m]}), avg(c.{m}) FILTER (WHERE {both[m]}), "
        f"avg(c.{m} - b.{m})"
        for m in means
    )
    attrs = ", ".join(f"b.{a}" for a in ATTRIBUTES)
    rows = con.execute(
        f"SELECT {attrs}, {aggregates} FROM {_joined(folder)} GROUP BY GROUPING SETS ({_sets()})"
    ).fetchall()
    out: dict[str, list[float]] = {}
    k = len(ATTRIBUTES)
    for row in rows:
        for i, m in enumerate(means):
            out[_key(m, row)] = [float(v) for v in row[k + 3 * i : k + 3 * i + 3]]
    labels = {f'"{v}"': i for i, v in enumerate(LABELS)}
    counts = con.execute(
        f"SELECT {attrs}, b.reference, b.output, c.output, count(*) FROM {_joined(folder)} "
        "WHERE b.error IS NULL AND c.error IS NULL "
        f"GROUP BY GROUPING SETS ({_sets('b.reference, b.output, c.output')})"
    ).fetchall()
    tables: dict[str, np.ndarray] = {}
    for row in counts:
        ref, out_b, out_c, n = row[k:]
        key = _key("", row)
        m = tables.setdefault(key, np.zeros((2, len(LABELS), len(LABELS)), dtype=np.int64))
        t = labels[ref]
        m[0, t, LABELS.index(out_b)] += n
        m[1, t, LABELS.index(out_c)] += n
    for key, m in tables.items():
        for metric, aggregate in NON_MEAN.items():
            value = _macro_f1 if aggregate == "macro_f1" else _mcc
            b, c = value(m[0]), value(m[1])
            out[f"{metric}{key}"] = [b, c, c - b]
    return out


def step_duckdb(folder: Path, cpu: Callable[[], float], rss: Callable[[], float]) -> dict[str, Any]:
    start = time.perf_counter()
    points = duckdb_points(folder)
    return {"wall": time.perf_counter() - start, "cpu": cpu(), "rss": rss(), "points": points}


def agreement(ours: dict[str, list[float]], theirs: dict[str, list[float]]) -> float:
    """The largest difference between assay's estimates and DuckDB's."""
    worst = 0.0
    for key, values in theirs.items():
        mine = ours.get(key)
        if mine is None:
            raise SystemExit(f"DuckDB has a result that assay does not: {key}")
        worst = max(worst, *(abs(a - b) for a, b in zip(mine, values, strict=True)))
    return worst
