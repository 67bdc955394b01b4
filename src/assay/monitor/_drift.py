"""``drift(current, reference)``: a window judged against a reference profile, column by column.

One pass per column: the window's values are read once for the distances, the test and the
data-quality counts. Problems of one column (missing, type changed, too few values, all
missing) make that column *inconclusive with the reason*; they never stop the others and never
pass silently. Problems of the whole input (not a table, a damaged profile, a spec naming
columns the reference lacks) raise a ConfigError or DataError.
"""

from __future__ import annotations

import zlib
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from assay.errors import ConfigError
from assay.monitor._drift_judge import (
    inconclusive,
    judge_categorical,
    judge_numeric,
    missing_share,
    with_verdict,
)
from assay.monitor._drift_model import ColumnDrift, DriftResult
from assay.monitor._drift_window import (
    categorical_window,
    categorical_window_from_profile,
    numeric_window,
    numeric_window_from_profile,
)
from assay.monitor._profile import profile
from assay.monitor._profile_model import ColumnProfile, Profile
from assay.monitor._spec import DriftSpec
from assay.monitor._table import as_table, column_kind
from assay.stats.drift import adjust_drift_pvalues

__all__ = ["drift"]


def _column_rng(seed: int, name: str) -> np.random.Generator:
    # One stream per column name: a column's interval does not depend on the other columns.
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def _judge(ref: ColumnProfile, current: pa.Table | Profile, spec: DriftSpec) -> ColumnDrift:
    name = ref.name
    if isinstance(current, Profile):
        cur_col = current.column(name)
        cur_kind, cur_dtype, rows = cur_col.kind, cur_col.dtype, cur_col.rows
    else:
        column = current.column(name)
        cur_kind, cur_dtype, rows = column_kind(column.type), str(column.type), len(column)
    if ref.kind == "unsupported":
        return inconclusive(name, ref.kind, f"type {ref.dtype} is not profiled (counts only)", spec)
    if cur_kind != ref.kind and cur_dtype != "null":  # an all-null column has no type of its own
        return inconclusive(
            name,
            ref.kind,
            f"type changed: reference {ref.dtype} ({ref.kind}), window {cur_dtype} ({cur_kind})",
            spec,
        )
    if rows == 0:
        return inconclusive(name, ref.kind, "the current window is empty", spec)
    rng = _column_rng(spec.seed, name)
    if ref.kind == "numeric":
        assert ref.numeric is not None
        if isinstance(current, Profile):
            win = numeric_window_from_profile(current.column(name), ref.numeric)
        else:
            win = numeric_window(current.column(name), ref.numeric)
        if win.n == 0:
            share = missing_share(ref, win.rows, win.missing, spec.confidence)
            return inconclusive(
                name, ref.kind, "no finite values in the current window", spec, share=share
            )
        return judge_numeric(ref, win, spec, rng)
    cwin = (
        categorical_window_from_profile(current.column(name))
        if isinstance(current, Profile)
        else categorical_window(current.column(name))
    )
    if cwin.counts.sum() + cwin.other == 0:
        share = missing_share(ref, cwin.rows, cwin.missing, spec.confidence)
        return inconclusive(
            name, ref.kind, "no non-null values in the current window", spec, share=share
        )
    return judge_categorical(ref, cwin, spec, rng)


def drift(
    current: Any,
    reference: Profile | Any,
    *,
    spec: DriftSpec | None = None,
    name: str = "current",
) -> DriftResult:
    """Judge a current window (a table, a path, or a :class:`Profile`) against a reference.

    ``reference`` is a :class:`Profile` (or a table, profiled first). Each watched column gets
    its distances with intervals, its KS or chi-squared test (Benjamini-Hochberg across the
    columns), a verdict against its margin judged on the interval, and data-quality findings.
    """
    spec = spec or DriftSpec()
    ref = reference if isinstance(reference, Profile) else profile(reference, name="reference")
    cur: pa.Table | Profile = current if isinstance(current, Profile) else as_table(current)
    cur_names = cur.column_names if isinstance(cur, Profile) else tuple(cur.column_names)
    watched = list(spec.columns) if spec.columns is not None else list(ref.column_names)
    unknown = [c for c in watched if c not in ref.column_names]
    if unknown:
        raise ConfigError(
            f"the monitor spec watches columns the reference {ref.name!r} does not have: "
            f"{', '.join(unknown[:10])}"
        )
    watched = [c for c in watched if c not in spec.ignore]
    rows: list[ColumnDrift] = []
    verdict: Literal["drifted", "not drifted", "inconclusive"]
    for col in watched:
        ref_col = ref.column(col)
        if col not in cur_names:
            rows.append(inconclusive(col, ref_col.kind, "missing from the current window", spec))
            continue
        rows.append(_judge(ref_col, cur, spec))
    p_values = [r.test.p_value if r.test is not None else float("nan") for r in rows]
    adjusted = adjust_drift_pvalues(p_values, spec.alpha)
    rows = [with_verdict(r, p, spec.alpha) for r, p in zip(rows, adjusted, strict=True)]
    if any(r.verdict == "drifted" or r.quality_alarm for r in rows):
        verdict = "drifted"
    elif any(r.verdict == "inconclusive" for r in rows) or not rows:
        verdict = "inconclusive"
    else:
        verdict = "not drifted"
    added = tuple(c for c in cur_names if c not in ref.column_names and c not in spec.ignore)
    return DriftResult(
        reference=ref.name,
        reference_digest=ref.digest,
        current=name,
        rows_reference=ref.rows,
        rows_current=cur.rows if isinstance(cur, Profile) else cur.num_rows,
        columns=tuple(rows),
        verdict=verdict,
        confidence=spec.confidence,
        alpha=spec.alpha,
        added_columns=added,
        settings=spec.model_dump(mode="json"),
    )
