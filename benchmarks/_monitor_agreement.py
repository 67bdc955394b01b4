"""Statistics cross-check: assay's per-column drift values against Evidently's defaults.

Evidently's ``DataDriftPreset`` picks a statistic per column by the reference's size: up to
1,000 reference rows, the KS p-value (numeric) and the chi-squared p-value (categorical); above,
the Wasserstein distance over the reference std (numeric) and the Jensen-Shannon distance
(categorical, natural log). The same two tables are judged by ``assay.monitor.drift`` (a
reference profile, as users run it) and the matching value is read from each column:

* KS p-value: assay's test on the raw reference values (Smirnov's asymptotic distribution)
  against scipy's ``ks_2samp`` in Evidently (exact below 10,000 rows): agree to 0.02 absolute.
  Read through the reference profile, assay adds the KLL sketch's rank error to D, so its
  p-value is larger (conservative by design): shown as ``ks_profile``;
* chi-squared: assay's is the 2 x k homogeneity test of both samples; Evidently's is a
  goodness-of-fit test of the current counts against the reference proportions taken as exact
  (which ignores the reference's own sampling noise). Different tests by definition: the table
  shows how often they flag the same columns and how many unchanged columns each flags;
* Wasserstein / std: assay's is computed on 100 reference-quantile bins (each bin's mass at its
  mean value), Evidently's on the raw values with the population std: agree to 0.005 absolute
  (Evidently's drift threshold is 0.1);
* Jensen-Shannon: assay reports base 2; times sqrt(ln 2) it is Evidently's natural-log
  distance over the same category proportions: agree to 1e-9.
"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Any

EVIDENTLY_VALUES = """
import json, sys
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
ref = pd.read_parquet(sys.argv[1] + "/reference.parquet")
cur = pd.read_parquet(sys.argv[1] + "/current.parquet")
for c in ref.columns:
    if str(ref[c].dtype) == "category":
        ref[c], cur[c] = ref[c].astype(str), cur[c].astype(str)
out = {}
for m in Report([DataDriftPreset()]).run(cur, ref).dict()["metrics"]:
    if m["config"]["type"].endswith("ValueDrift"):
        out[m["config"]["column"]] = [m["config"]["method"], m["value"], m["config"]["threshold"]]
print(json.dumps(out))
"""

JS_NATURAL = math.sqrt(math.log(2.0))


def assay_values(folder: Path) -> dict[str, dict[str, float]]:
    """Per column, assay's KS p, chi-squared p, normalised Wasserstein and JS (natural log)."""
    import numpy as np
    import pyarrow.parquet as pq

    from assay.monitor import drift, profile
    from assay.stats.drift import ks_from_points, ks_p_value

    ref_table = pq.read_table(folder / "reference.parquet")
    cur_table = pq.read_table(folder / "current.parquet")
    result = drift(cur_table, profile(ref_table, name="reference"))
    out: dict[str, dict[str, float]] = {}
    for row in result.columns:
        values = {m.name: m.estimate for m in row.measures}
        if row.test is not None:
            values[f"{row.test.name}_profile"] = row.test.p_value
            values[row.test.name] = row.test.p_value
        if row.kind == "numeric":
            # the same test on the raw reference values (no sketch): what Evidently sees
            ref = np.sort(ref_table.column(row.column).to_numpy())
            cur = np.sort(cur_table.column(row.column).to_numpy())
            d = ks_from_points(ref, np.ones(ref.size), cur, cur_sorted=True)
            values["ks"] = ks_p_value(d, ref.size, cur.size)
        if "js" in values:
            values["js_natural"] = values["js"] * JS_NATURAL
        out[row.column] = values
    return out


def evidently_values(python: str, folder: Path) -> dict[str, list[Any]]:
    """Per column, Evidently's ``[method, value, threshold]``."""
    done = subprocess.run(
        [python, "-c", EVIDENTLY_VALUES, str(folder)], check=True, capture_output=True, text=True
    )
    loaded: dict[str, list[Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


# (Evidently's method, assay's value, tolerance kind ("abs"; "sketch": through the profile,
# conservative by design; "other test": a different test by definition),
# tolerance, whether a small value means drift). ``ks`` is the test on the raw reference;
# ``ks_profile`` the value read through the reference profile (KLL rank error added to D).
MATCH = (
    ("K-S p_value", "ks", "abs", 0.02, True),
    ("K-S p_value", "ks_profile", "sketch", math.nan, True),
    ("chi-square p_value", "chi2", "other test", math.nan, True),
    ("Wasserstein distance (normed)", "wasserstein", "abs", 0.005, False),
    ("Jensen-Shannon distance", "js_natural", "abs", 1e-9, False),
)


def _drifts(value: float, threshold: float, small_drifts: bool) -> bool:
    return value < threshold if small_drifts else value >= threshold


def agreement(
    ours: dict[str, dict[str, float]], theirs: dict[str, list[Any]], unchanged: set[str]
) -> list[dict[str, Any]]:
    """One row per Evidently method: columns, largest difference, tolerance, verdicts agreeing,
    and how many ``unchanged`` columns (no shift in the data) each flags at Evidently's
    threshold."""
    rows = []
    for method, name, kind, tolerance, small_drifts in MATCH:
        cols = [c for c, (m, _, _) in theirs.items() if m == method]
        if not cols:
            continue
        diffs, same, flags = [], 0, [0, 0]
        for c in cols:
            _, value, threshold = theirs[c]
            mine = ours[c][name]
            diff = abs(mine - value)
            diffs.append(diff)
            ours_flags, theirs_flags = (
                _drifts(v, float(threshold), small_drifts) for v in (mine, value)
            )
            same += ours_flags == theirs_flags
            if c in unchanged:
                flags[0] += ours_flags
                flags[1] += theirs_flags
        worst = max(diffs)
        rows.append(
            {
                "method": method,
                "assay": name,
                "columns": len(cols),
                "max_diff": worst,
                "kind": kind,
                "tolerance": tolerance,
                "within": kind == "abs" and worst <= tolerance,
                "same_verdict": same,
                "unchanged_flagged": (*flags, len(unchanged & set(cols))),
            }
        )
    return rows


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    """The agreement rows as plain text."""
    print(title)
    print(
        f"  {'Evidently':29} {'assay':11} {'cols':>4} {'max diff':>9} {'tolerance':>11} "
        "same flag  unchanged flagged (assay/Evidently)"
    )
    for r in rows:
        tol = f"{r['tolerance']:g} {r['kind']}" if r["kind"] == "abs" else r["kind"]
        ok = "" if r["kind"] != "abs" else (" ok" if r["within"] else " OUTSIDE")
        mine, theirs, total = r["unchanged_flagged"]
        print(
            f"  {r['method']:29} {r['assay']:11} {r['columns']:>4} {r['max_diff']:>9.3g} "
            f"{tol:>11} {r['same_verdict']:>4}/{r['columns']:<4} {mine}/{theirs} of {total}{ok}"
        )
