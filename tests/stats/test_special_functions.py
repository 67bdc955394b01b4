"""Special functions taken without scipy.stats agree with scipy.stats; a comparison does not
import scipy.stats, scipy.optimize or the scipy.special package (only its compiled ufuncs)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy import optimize, stats

from assay.stats import minimum_detectable_effect, paired_t_power, proportion_interval
from assay.stats._clustered import t_quantile, z_quantile
from assay.stats._power import bracketed_root
from assay.testing import comparison_suite, paired_records, run_info

P = [1e-12, 1e-6, 0.0005, 0.025, 0.1, 0.5, 0.8, 0.975, 0.999, 1 - 1e-9]


@pytest.mark.parametrize("df", [1, 2, 3, 7, 30, 64, 999, 10**6])
def test_t_quantile_equals_scipy(df: int) -> None:
    for p in P:
        t_quantile.cache_clear()
        assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-12, abs=0)


def test_normal_quantile_equals_scipy() -> None:
    for p in [*P, 1e-300, 0.3]:
        z_quantile.cache_clear()
        assert z_quantile(p) == pytest.approx(stats.norm.ppf(p), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 10), (7, 20), (50, 51), (300, 1000)])
def test_clopper_pearson_equals_scipys_beta_quantiles(k: int, n: int) -> None:
    r = proportion_interval(k, n, method="clopper-pearson")
    low = 0.0 if k == 0 else stats.beta.ppf(0.025, k, n - k + 1)
    high = 1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k)
    assert (r.low, r.high) == pytest.approx((low, high), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("alternative", ["two-sided", "one-sided"])
@pytest.mark.parametrize("n", [3, 12, 80, 5000])
def test_t_power_equals_scipys_noncentral_t(n: int, alternative: str) -> None:
    effect, sd, alpha = 0.4, 1.3, 0.05
    nc = effect * math.sqrt(n) / sd
    df = n - 1
    if alternative == "two-sided":
        crit = stats.t.ppf(1 - alpha / 2, df)
        want = stats.nct.sf(crit, df, nc) + stats.nct.sf(crit, df, -nc)  # lower tail by symmetry
        lower = stats.nct.cdf(-crit, df, nc)
        if math.isfinite(lower):  # where scipy's cdf is finite it is the same number
            assert stats.nct.sf(crit, df, -nc) == pytest.approx(lower, rel=1e-12, abs=1e-300)
    else:
        want = stats.nct.sf(stats.t.ppf(1 - alpha, df), df, nc)
    got = paired_t_power(n, effect, sd, alpha=alpha, alternative=alternative)  # type: ignore[arg-type]
    assert got == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("n", [2, 3, 5, 40, 1000, 10**6])
@pytest.mark.parametrize("power", [0.5, 0.8, 0.95])
def test_minimum_detectable_effect_is_the_root_scipy_finds(n: int, power: float) -> None:
    mde = minimum_detectable_effect(n, 1.0, power=power)
    ref = optimize.brentq(
        lambda d: paired_t_power(n, d, 1.0) - power, 0.5 * mde, 1.5 * mde, xtol=1e-14, rtol=1e-12
    )
    assert mde == pytest.approx(ref, rel=1e-11)
    assert paired_t_power(n, mde, 1.0) == pytest.approx(power, abs=1e-9)


def test_bracketed_root_converges_on_flat_and_steep_functions() -> None:
    cases = [
        (lambda x: x**3 - 2.0, 0.0, 5.0, 2 ** (1 / 3)),
        (lambda x: math.tanh(50 * (x - 0.3)), -1.0, 1.0, 0.3),  # flat far from the root
        (lambda x: math.exp(x) - 1e6, 0.0, 100.0, math.log(1e6)),
        (lambda x: x, 0.0, 1.0, 0.0),  # the root at an end
    ]
    for f, a, b, root in cases:
        got = bracketed_root(f, a, b, xtol=1e-14, rtol=1e-12)
        assert got == pytest.approx(root, rel=2e-12, abs=2e-14)


def test_a_comparison_imports_no_scipy_stats_optimize_or_special_package(tmp_path: Path) -> None:
    data = comparison_suite(300, metrics=("accuracy", "score"), seed=1)
    for name, table in (("b", paired_records(data, 0)), ("c", paired_records(data, 1, shift=0.2))):
        pq.write_table(table, tmp_path / f"{name}.parquet")
        (tmp_path / f"{name}.json").write_text(run_info(data, name).model_dump_json())
    (tmp_path / "suite.json").write_text(data.suite.model_dump_json())
    code = f"""
import sys
from pathlib import Path
import pyarrow.parquet as pq
from assay.compare import compare_records
from assay.core import RunInfo, Suite
d = Path({str(tmp_path)!r})
runs = [RunInfo.model_validate_json((d / f"{{x}}.json").read_text()) for x in "bc"]
tables = [pq.read_table(d / f"{{x}}.parquet") for x in "bc"]
suite = Suite.model_validate_json((d / "suite.json").read_text())
c = compare_records(runs[0], tables[0], runs[1], tables[1], suite, resamples=50)
assert c.results and c.results[0].mde is not None
print(sorted(m for m in ("scipy.stats", "scipy.optimize", "scipy.special") if m in sys.modules))
print("scipy.special._ufuncs" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "True"]


def test_quantiles_of_many_probabilities_at_once_stay_finite() -> None:
    ps = np.linspace(0.001, 0.999, 50)
    assert all(math.isfinite(t_quantile(float(p), 5)) for p in ps)
