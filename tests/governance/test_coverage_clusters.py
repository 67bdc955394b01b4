"""Coverage of a clustered suite: the cluster is the unit, as in assay's clustered intervals,
so a slice of many examples in few clusters is not reported useful; the interval the clusters
give is checked against statsmodels' cluster-robust one."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

import assay
from assay.stats import interval_half_width, interval_sample_size
from assay.workflows import scenario_coverage

REGISTRY = """\
scenarios:
  - name: women
    weight: 1
    half_width: 0.08
    covered_by:
      - suite: adult-households
        slice: sex=Female
"""


def _households(adult_data: assay.SuiteData, size: int) -> assay.SuiteData:
    """The Adult sample in households of ``size`` consecutive people; the last fifth of the
    people have no household (each is a cluster of its own)."""
    rows = adult_data.examples.to_pylist()
    n = len(rows)
    examples = [
        {
            "example_id": r["example_id"],
            **({"cluster": f"h{i // size}"} if i < 4 * n // 5 else {}),
            "slices": {"sex": r["sex"]},
            "input": r["input"],
            "reference": r["reference"],
        }
        for i, r in enumerate(rows)
    ]
    return assay.make_suite(
        "adult-households",
        examples,
        metrics=[{"name": "accuracy", "scorer": "exact_match"}],
        slices=["sex"],
    )


def test_a_clustered_slice_counts_its_clusters_not_its_examples(
    real_store, adult_data, tmp_path: Path
):
    suite = _households(adult_data, 8)
    assay.register_suite(suite, store=real_store)
    registry = tmp_path / "coverage.yaml"
    registry.write_text(REGISTRY)
    women = scenario_coverage(registry, store=real_store).scenarios[0]
    c = women.slices[0]
    frame = suite.examples.to_pandas()
    mine = frame[frame["sex"] == "Female"]
    clusters = mine["cluster"].dropna().nunique() + int(mine["cluster"].isna().sum())
    needed = interval_sample_size(0.08, proportion=0.5)
    assert (c.n, c.n_clusters, c.unit, c.needed_n) == (len(mine), clusters, "clusters", needed)
    # enough examples, too few clusters: independent examples would have called it covered
    assert c.n >= needed > clusters
    assert (c.useful, women.status) == (False, "too small")
    assert c.design_effect == pytest.approx(len(mine) / clusters)
    assert c.half_width_now == interval_half_width(clusters, proportion=0.5)
    row = c.to_dict()
    assert (row["unit"], row["design_effect"], row["useful"]) == (
        "clusters",
        c.design_effect,
        False,
    )


@pytest.mark.parametrize(("g", "m"), [(40, 5), (152, 3), (400, 2)])
def test_the_units_interval_is_the_cluster_robust_one_at_full_correlation(g: int, m: int):
    """G equal clusters of m examples, each cluster all 1 or all 0 (ICC 1) with p = 0.5:
    statsmodels' cluster-robust t interval (G - 1 degrees of freedom) is the interval of G
    independent units, which is what coverage plans with (up to the sample sd's G / (G - 1))."""
    y = np.repeat(np.arange(g) % 2, m).astype(float)
    groups = np.repeat(np.arange(g), m)
    fit = sm.OLS(y, np.ones_like(y)).fit(cov_type="cluster", cov_kwds={"groups": groups})
    half = stats.t.ppf(0.975, g - 1) * float(fit.bse[0])
    assert half == pytest.approx(interval_half_width(g, proportion=0.5) * math.sqrt(g / (g - 1)))
    # the naive count (every example independent) would claim a far narrower interval
    assert interval_half_width(g * m, proportion=0.5) < half / math.sqrt(m) * 1.01
