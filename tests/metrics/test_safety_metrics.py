"""Safety metrics: clustered intervals against statsmodels, uplift against an exact McNemar
test and Holm, coverage by seeded simulation of clustered red-team data."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from assay.errors import DataError
from assay.metrics import safety_summary


def _red_team(rng: np.random.Generator, bases: int, templates: int, spread: float = 1.5) -> dict:
    """Prompts of ``bases`` requests, each direct and through each template; a base request's
    own propensity to be refused is shared by all its prompts (the reason to cluster)."""
    effect = rng.normal(0.0, spread, bases)
    lift = np.linspace(0.0, 1.0, templates) if templates else np.array([])
    rows = []
    for b in range(bases):
        for t in range(-1, templates):
            logit = 0.3 + effect[b] - (lift[t] if t >= 0 else 0.0)
            rows.append(
                (
                    f"b{b}",
                    "harmful" if t < 0 else "jailbreak",
                    "none" if t < 0 else f"t{t}",
                    1 / (1 + np.exp(-logit)),
                )
            )
    p = np.array([r[3] for r in rows])
    return {
        "refused": (rng.random(p.size) < p).astype(float),
        "kind": [r[1] for r in rows],
        "base": [r[0] for r in rows],
        "category": [f"c{int(r[0][1:]) % 3}" for r in rows],
        "template": [r[2] for r in rows],
    }


def _summary(d: dict, **kw):  # type: ignore[no-untyped-def]
    return safety_summary(
        d["refused"],
        kind=d["kind"],
        base=d["base"],
        category=d["category"],
        template=d["template"],
        **kw,
    )


def test_overall_interval_is_statsmodels_cluster_robust() -> None:
    d = _red_team(np.random.default_rng(5), bases=60, templates=3)
    s = _summary(d)
    success = 1.0 - d["refused"]
    fit = sm.OLS(success, np.ones((success.size, 1))).fit(
        cov_type="cluster", cov_kwds={"groups": np.unique(d["base"], return_inverse=True)[1]}
    )
    e = s.attack_success
    assert e is not None and e.n_clusters == 60
    assert e.estimate == pytest.approx(float(fit.params[0]), abs=1e-12)
    assert e.se == pytest.approx(float(fit.bse[0]), rel=1e-9)
    half = stats.t.ppf(0.975, 59) * float(fit.bse[0])
    assert (e.low, e.high) == pytest.approx((fit.params[0] - half, fit.params[0] + half), rel=1e-9)


def test_refusal_is_one_minus_direct_attack_success_and_benign_is_separate() -> None:
    d = _red_team(np.random.default_rng(1), bases=40, templates=2)
    d["refused"] = np.append(d["refused"], [1.0, 0.0, 0.0, 0.0])
    d["kind"] += ["benign"] * 4
    d["base"] += [f"benign{i}" for i in range(4)]
    d["category"] += ["benign"] * 4
    d["template"] += ["none"] * 4
    s = _summary(d)
    assert s.refusal_rate is not None and s.direct_attack_success is not None
    assert s.refusal_rate.estimate == pytest.approx(1 - s.direct_attack_success.estimate)
    assert s.over_refusal is not None and s.over_refusal.estimate == 0.25
    assert s.over_refusal.n == 4 and "ilson" in s.over_refusal.method
    assert set(s.by_template) == {"none", "t0", "t1"}
    assert "benign" not in s.by_category


def test_no_benign_set_is_said_and_missing_scores_are_counted() -> None:
    d = _red_team(np.random.default_rng(2), bases=20, templates=1)
    d["refused"][:3] = np.nan
    s = _summary(d)
    assert s.over_refusal is None
    assert any("no benign requests" in n for n in s.notes)
    assert s.missing == 3
    assert s.attack_success is not None and s.attack_success.n == len(d["kind"]) - 3


def test_uplift_is_an_exact_mcnemar_test_with_holm_over_templates() -> None:
    d = _red_team(np.random.default_rng(3), bases=50, templates=4)
    s = _summary(d)
    assert s.multiplicity == "holm" and len(s.uplift) == 4
    refused = d["refused"].reshape(50, 5)  # direct, t0..t3 per base request
    raw = []
    for j, u in enumerate(s.uplift, start=1):
        direct, jail = 1 - refused[:, 0], 1 - refused[:, j]
        assert u.template == f"t{j - 1}" and u.n_pairs == 50
        assert u.result.difference.estimate == pytest.approx(jail.mean() - direct.mean())
        up, down = (
            int(np.sum((jail == 1) & (direct == 0))),
            int(np.sum((jail == 0) & (direct == 1))),
        )
        if up + down < 25:  # exact McNemar: a two-sided binomial test on the discordant pairs
            assert u.result.p_value == pytest.approx(stats.binomtest(up, up + down).pvalue)
        raw.append(u.result.p_value)
    holm = multipletests(raw, method="holm")[1]
    assert [u.adjusted_p for u in s.uplift] == pytest.approx(list(holm))


@pytest.mark.seeds(100)
def test_clustered_interval_covers_the_attack_success_rate(seed: int) -> None:
    """Over 300 simulated red-team runs, the clustered 95% interval covers the true rate
    93-97.5% of the time; the same interval ignoring the clusters covers far less."""
    rng = np.random.default_rng(1000 + seed)
    truth_draw = _red_team(np.random.default_rng(0), bases=200_000 // 4, templates=3)
    truth = 1.0 - float(np.mean(truth_draw["refused"]))  # rate of the generating process
    hit, naive = 0, 0
    sims = 300
    for _ in range(sims):
        d = _red_team(rng, bases=40, templates=3)
        e = _summary(d).attack_success
        assert e is not None
        hit += e.low <= truth <= e.high
        flat = safety_summary(
            d["refused"],
            kind=d["kind"],
            base=[str(i) for i in range(len(d["kind"]))],
            category=d["category"],
            template=d["template"],
        ).attack_success
        assert flat is not None
        naive += flat.low <= truth <= flat.high
    assert 0.93 * sims <= hit <= 0.975 * sims
    assert naive < hit - 0.04 * sims


def test_bad_input_is_refused() -> None:
    with pytest.raises(DataError, match="unknown prompt kind"):
        safety_summary([1.0], kind=["other"], base=["b"], category=["c"], template=["none"])
    with pytest.raises(DataError, match="0, 1 or missing"):
        safety_summary([0.5], kind=["harmful"], base=["b"], category=["c"], template=["none"])
    with pytest.raises(DataError, match="one value per prompt"):
        safety_summary(
            [1.0, 0.0],
            kind=["harmful"],
            base=["b", "c"],
            category=["c", "c"],
            template=["none", "none"],
        )
