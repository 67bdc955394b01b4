"""The drift values a user reads, on the statistics Evidently picks by default, against scipy.

Evidently's defaults: up to 1,000 reference rows the KS p-value (numeric) and a chi-squared
p-value (categorical); above, the Wasserstein distance over the reference std and the
Jensen-Shannon distance (natural log). ``benchmarks/bench_monitor.py`` compares the same values
with Evidently itself; here scipy is the independent reference, with the same tolerances.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
import scipy.stats as ss
from scipy.spatial.distance import jensenshannon

from assay.monitor import drift, profile
from assay.stats.drift import ks_from_points, ks_p_value

CATS = np.array([f"category_{i}" for i in range(12)])


def _tables(rows: int, shift: float, seed: int) -> tuple[pa.Table, pa.Table]:
    probs = np.linspace(1.0, 2.0, 12)
    probs /= probs.sum()
    rng = np.random.default_rng(seed)
    out = []
    for moved in (0.0, shift):
        p = probs[::-1] if moved else probs
        out.append(
            pa.table(
                {
                    "num": rng.gamma(2.0, 1.0, rows) + moved * 0.3,
                    "cat": pa.array(CATS[rng.choice(12, size=rows, p=p)]),
                }
            )
        )
    return out[0], out[1]


@pytest.mark.parametrize(("shift", "seed"), [(0.0, 1), (1.0, 2), (0.0, 3)])
def test_small_windows_ks_and_chi2_match_scipy(shift: float, seed: int) -> None:
    ref, cur = _tables(1000, shift, seed)
    result = drift(cur, profile(ref, name="reference"))
    a, b = ref.column("num").to_numpy(), cur.column("num").to_numpy()
    # KS on the raw reference values: Smirnov's asymptotic p equals scipy's, and is within
    # 0.02 of the exact p that Evidently reports below 10,000 rows
    d = ks_from_points(np.sort(a), np.ones(a.size), np.sort(b), cur_sorted=True)
    p = ks_p_value(d, a.size, b.size)
    assert d == pytest.approx(ss.ks_2samp(a, b).statistic, abs=1e-12)
    assert p == pytest.approx(ss.ks_2samp(a, b, method="asymp").pvalue, abs=1e-9)
    assert abs(p - ss.ks_2samp(a, b, method="exact").pvalue) <= 0.02
    # the profile's sketch adds its rank error to D: the p-value read is never smaller
    ks = result.column("num").test
    assert ks is not None and ks.name == "ks" and ks.p_value >= p - 1e-12
    # chi-squared: the 2 x k homogeneity test, as scipy's contingency test computes it
    chi2 = result.column("cat").test
    assert chi2 is not None and chi2.name == "chi2"
    cats = [str(c) for c in CATS]
    table = [
        [int(np.sum(np.asarray(t.column("cat").to_pylist()) == c)) for c in cats]
        for t in (ref, cur)
    ]
    expected = ss.chi2_contingency(table, correction=False)
    assert chi2.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert chi2.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(("shift", "seed"), [(0.0, 4), (1.0, 5)])
def test_large_windows_wasserstein_and_js_match_scipy(shift: float, seed: int) -> None:
    ref, cur = _tables(20_000, shift, seed)
    result = drift(cur, profile(ref, name="reference"))
    a, b = ref.column("num").to_numpy(), cur.column("num").to_numpy()
    measures = {m.name: m for m in result.column("num").measures}
    exact = ss.wasserstein_distance(a, b) / np.std(a)  # Evidently's normalisation (ddof 0)
    assert abs(measures["wasserstein"].estimate - exact) <= 0.005
    cat = {m.name: m for m in result.column("cat").measures}
    p = np.array([np.mean(np.asarray(ref.column("cat").to_pylist()) == c) for c in CATS])
    q = np.array([np.mean(np.asarray(cur.column("cat").to_pylist()) == c) for c in CATS])
    assert cat["js"].estimate == pytest.approx(jensenshannon(p, q, base=2), abs=1e-12)
    natural = cat["js"].estimate * math.sqrt(math.log(2.0))
    assert natural == pytest.approx(jensenshannon(p, q), abs=1e-12)
