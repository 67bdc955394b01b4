"""Readout from files and tables: unit rows and sums agree, checks fire, bad data is named."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.errors import DataError, ParameterError
from assay.online import (
    SUFFICIENT_STATISTICS_COLUMNS,
    ExperimentPlan,
    MetricSpec,
    aggregate_units,
    readout,
    watch,
)
from assay.stats import MeanSums, ab_lift, adjust_pvalues


def units(
    n: int = 4000, seed: int = 0, arms: tuple[str, ...] = ("control", "treatment")
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.asarray(arms)[rng.integers(0, len(arms), n)]
    arm[: len(arms)] = arms  # first appearance order is the given order
    lift = np.select([arm == a for a in arms], np.arange(len(arms)) * 0.1)
    spend_pre = rng.gamma(2.0, 5.0, n)
    views_pre = rng.poisson(5, n) + 1
    views = views_pre + rng.poisson(1, n)
    return pd.DataFrame(
        {
            "unit": np.arange(n),
            "arm": arm,
            "spend": 0.7 * spend_pre + rng.gamma(2.0, 2.0, n) + lift,
            "spend_pre": spend_pre,
            "converted": (rng.random(n) < 0.2 + lift / 5).astype(int),
            "clicks": rng.binomial(views, 0.3),
            "views": views,
            "clicks_pre": rng.binomial(views_pre, 0.3),
            "views_pre": views_pre,
        }
    )


METRICS = ["spend", "converted", "ctr=clicks/views"]


def pandas_sums(df: pd.DataFrame) -> pd.DataFrame:
    """The sufficient-statistics table, computed independently with a pandas group-by."""
    rows = []
    for arm, g in df.groupby("arm", sort=False):
        y, x = g["spend"], g["spend_pre"]
        rows.append(
            {
                "metric": "spend",
                "arm": arm,
                "n": len(g),
                "sum": y.sum(),
                "sum_squares": (y * y).sum(),
                "sum_pre": x.sum(),
                "sum_squares_pre": (x * x).sum(),
                "sum_cross": (y * x).sum(),
            }
        )
        c = g["converted"]
        rows.append(
            {
                "metric": "converted",
                "arm": arm,
                "n": len(g),
                "sum": c.sum(),
                "sum_squares": (c * c).sum(),
            }
        )
        num, den, pn, pd_ = (
            g[k].astype(float) for k in ("clicks", "views", "clicks_pre", "views_pre")
        )
        rows.append(
            {
                "metric": "ctr",
                "arm": arm,
                "n": len(g),
                "sum_num": num.sum(),
                "sum_den": den.sum(),
                "sum_squares_num": (num * num).sum(),
                "sum_squares_den": (den * den).sum(),
                "sum_num_den": (num * den).sum(),
                "sum_num_pre": pn.sum(),
                "sum_den_pre": pd_.sum(),
                "sum_squares_num_pre": (pn * pn).sum(),
                "sum_squares_den_pre": (pd_ * pd_).sum(),
                "sum_num_den_pre": (pn * pd_).sum(),
                "sum_cross_num_num": (num * pn).sum(),
                "sum_cross_num_den": (num * pd_).sum(),
                "sum_cross_den_num": (den * pn).sum(),
                "sum_cross_den_den": (den * pd_).sum(),
            }
        )
    return pd.DataFrame(rows)


def numbers(r: object) -> list[float]:
    out = []
    for lift in r.lifts:  # type: ignore[attr-defined]
        for e in (lift.absolute, lift.relative, lift.control_value, lift.treatment_value):
            out += [e.estimate, e.low, e.high]
        out += [lift.p_value, lift.p_value_relative, lift.theta or 0.0]
    return out


@pytest.mark.parametrize(
    "kwargs", [{}, {"cuped": True}, {"cuped": True, "sequential": True, "tau": 0.1}]
)
def test_unit_rows_and_sufficient_statistics_give_identical_results(
    tmp_path: Path, kwargs: dict
) -> None:
    df = units()
    raw = readout(df, metrics=METRICS, **kwargs)
    path = tmp_path / "sums.csv"
    pandas_sums(df).to_csv(path, index=False)
    from_sums = readout(path, **kwargs)
    assert raw.source == "unit-level rows" and from_sums.source == "sufficient statistics"
    assert (
        [r.metric for r in raw.lifts]
        == [r.metric for r in from_sums.lifts]
        == ["spend", "converted", "ctr"]
    )
    assert [r.kind for r in raw.lifts] == ["mean", "proportion", "ratio"]
    np.testing.assert_allclose(numbers(raw), numbers(from_sums), rtol=1e-9, atol=1e-12)
    assert raw.srm == from_sums.srm
    # The table the library writes reads back to exactly the same readout.
    own = aggregate_units(df, METRICS).sums
    assert list(own.columns) == [c for c in SUFFICIENT_STATISTICS_COLUMNS if c in own.columns]
    assert numbers(readout(own, **kwargs)) == numbers(raw)


def test_every_input_form_reads_the_same(tmp_path: Path) -> None:
    df = units(3000, seed=1)
    pq.write_table(
        pa.Table.from_pandas(df, preserve_index=False), tmp_path / "u.parquet", row_group_size=700
    )
    df.to_csv(tmp_path / "u.csv", index=False)
    results = [
        readout(src, metrics=METRICS, cuped=True)
        for src in (df, pa.Table.from_pandas(df), tmp_path / "u.parquet", str(tmp_path / "u.csv"))
    ]
    for r in results[1:]:
        np.testing.assert_allclose(numbers(r), numbers(results[0]), rtol=1e-10)


def test_readout_matches_the_stats_function_on_the_same_sums() -> None:
    df = units(2000, seed=2)
    r = readout(df, metrics=["spend"], cuped=True, control="treatment")
    assert r.control == "treatment" and r.arms == ("treatment", "control")
    g = {a: df[df.arm == a] for a in ("control", "treatment")}

    def s(a: str) -> MeanSums:
        y, x = g[a].spend.to_numpy(), g[a].spend_pre.to_numpy()
        return MeanSums(y.size, y.sum(), y @ y, x.sum(), x @ x, y @ x)

    ref = ab_lift(s("treatment"), s("control"), cuped=True)
    assert r.lifts[0].absolute.estimate == pytest.approx(ref.absolute.estimate, rel=1e-10)
    assert r.lifts[0].treatment == "control"


def test_default_metrics_skip_ids_and_covariates() -> None:
    r = readout(units(500).drop(columns=["clicks", "views", "clicks_pre", "views_pre"]))
    assert [x.metric for x in r.lifts] == ["spend", "converted"]


def test_quantile_metric_and_cuped_note() -> None:
    r = readout(units(3000), metrics=["p90(spend)", "spend"], cuped=True)
    q = r.lift("p90(spend)")
    assert q.kind == "quantile" and q.status == "ok"
    assert any("CUPED does not apply" in n for n in r.notes)
    assert r.lift("spend").theta is not None


def test_metrics_without_covariate_say_cuped_was_not_applied() -> None:
    r = readout(units(1000), metrics=["converted"], cuped=True)
    assert r.lifts[0].theta is None
    assert "CUPED not applied: no pre-period covariate" in r.lifts[0].notes


def test_sample_ratio_mismatch_marks_the_readout_untrusted() -> None:
    df = units(6000, seed=3)
    lopsided = pd.concat(
        [df, df[df.arm == "treatment"].iloc[:400].assign(unit=lambda d: d.unit + 10**6)]
    )
    bad = readout(lopsided, metrics=["spend"])
    assert bad.srm.mismatch and not bad.trusted
    assert "sample-ratio mismatch" in bad.warnings[0]
    good = readout(df, metrics=["spend"])
    assert good.trusted and not good.warnings
    planned = readout(
        lopsided, metrics=["spend"], planned_split={"control": 0.48, "treatment": 0.52}
    )
    assert planned.srm.planned == pytest.approx((0.48, 0.52))


def test_multiple_arms_and_family_adjustment() -> None:
    df = units(6000, seed=4, arms=("control", "b", "c"))
    r = readout(df, metrics=["spend", "converted"], family=["spend"], multiplicity="holm")
    assert [(x.metric, x.treatment) for x in r.lifts] == [
        ("spend", "b"),
        ("spend", "c"),
        ("converted", "b"),
        ("converted", "c"),
    ]
    raw = [r.lift("spend", "b").p_value, r.lift("spend", "c").p_value]
    expected = adjust_pvalues(raw, method="holm").adjusted
    assert [r.lift("spend", t).p_value_adjusted for t in ("b", "c")] == pytest.approx(
        list(expected)
    )
    assert r.lift("converted", "b").p_value_adjusted is None
    bh = readout(df, metrics=["spend", "converted"], multiplicity="bh")
    all_raw = [x.p_value for x in bh.lifts]
    assert [x.p_value_adjusted for x in bh.lifts] == pytest.approx(
        list(adjust_pvalues(all_raw, method="bh").adjusted)
    )
    with pytest.raises(KeyError):
        r.lift("spend")


def test_winsorisation_caps_and_reports() -> None:
    df = units(2000, seed=5)
    df.loc[5, "spend"] = 1e6
    r = readout(df, metrics=["spend"], winsorize=0.99)
    cap = next(w for w in r.winsorization if w.column == "spend")
    assert cap.cap == pytest.approx(np.quantile(df.spend, 0.99))
    assert sum(cap.capped.values()) == int((df.spend > cap.cap).sum())
    assert r.parameters["winsorize"] == 0.99
    plain = readout(df, metrics=["spend"])
    assert r.lifts[0].absolute.se < plain.lifts[0].absolute.se / 5
    with pytest.raises(ParameterError, match="'winsorize' parameter of readout"):
        readout(pandas_sums(df), winsorize=0.99)


def test_bayesian_readout_and_json() -> None:
    r = readout(units(2000), metrics=METRICS, bayesian=True, prior_sd=0.2, cuped=True)
    assert len(r.bayesian) == 3 and r.bayesian[0].prior_sd == 0.2
    text = json.dumps(r.to_dict(), allow_nan=False)
    back = json.loads(text)
    assert back["lifts"][0]["method"] == r.lifts[0].method
    assert back["parameters"]["cuped"] is True and back["trusted"] is True
    one = readout(units(2000), metrics=["spend"], alternative="greater")
    assert (
        json.loads(json.dumps(one.to_dict(), allow_nan=False))["lifts"][0]["absolute"]["high"]
        == "inf"
    )


def test_plan_supplies_the_defaults() -> None:
    plan = ExperimentPlan(
        name="checkout",
        hypothesis="h",
        primary_metric="spend",
        arms=("treatment", "control"),
        planned_split=(0.5, 0.5),
        cuped=True,
        sequential=True,
        tau=0.2,
        alpha=0.1,
        family=("spend",),
        multiplicity="bh",
    )
    r = readout(units(2000), metrics=["spend", "converted"], plan=plan)
    assert r.control == "treatment" and r.parameters["confidence"] == pytest.approx(0.9)
    assert r.lifts[0].tau == 0.2 and r.lifts[0].theta is not None
    assert r.lifts[0].adjustment == "bh" and r.lifts[1].p_value_adjusted is None
    assert readout(units(2000), metrics=["spend"], plan=plan, cuped=False).lifts[0].theta is None


# --- bad data ---------------------------------------------------------------------------


def write_sums(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "sums.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


GOOD = [
    {"arm": "A", "n": 100, "sum": 50.0, "sum_squares": 50.0},
    {"arm": "B", "n": 110, "sum": 60.0, "sum_squares": 60.0},
]


@pytest.mark.parametrize(
    ("change", "row", "column", "text"),
    [
        ({"n": -3}, 1, "n", "non-negative integer"),
        ({"n": 0}, 1, "n", "zero units"),
        ({"n": 2.5}, 1, "n", "non-negative integer"),
        ({"sum_squares": 10.0}, 1, "sum_squares", "smaller than sum²/n"),
        ({"sum": None}, 1, "sum", "missing value"),
    ],
)
def test_bad_sufficient_statistics_name_file_row_and_column(
    tmp_path: Path, change: dict, row: int, column: str, text: str
) -> None:
    rows = [dict(GOOD[0]), {**GOOD[1], **change}]
    path = write_sums(tmp_path, rows)
    with pytest.raises(DataError) as info:
        readout(path)
    err = info.value
    assert (err.row, err.column, err.file) == (row, column, str(path))
    assert text in str(err)


def test_structural_problems_in_sums_tables(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="two rows for arm 'A'"):
        readout(pd.DataFrame([GOOD[0], GOOD[0], GOOD[1]]))
    with pytest.raises(DataError, match="no row for arm 'B'"):
        readout(
            pd.DataFrame(
                [
                    {**GOOD[0], "metric": "m1"},
                    {**GOOD[1], "metric": "m1"},
                    {**GOOD[0], "metric": "m2"},
                ]
            )
        )
    with pytest.raises(DataError, match="column 'arm'"):
        readout(pd.DataFrame(GOOD).drop(columns="arm"), unit_level=False)
    with pytest.raises(DataError, match="control arm 'C' is not in the data"):
        readout(pd.DataFrame(GOOD), control="C")
    with pytest.raises(DataError, match="names arm 'C'"):
        readout(pd.DataFrame(GOOD), planned_split={"A": 0.5, "C": 0.5})
    with pytest.raises(DataError, match="arm 'B' is in the data but not in the planned split"):
        readout(pd.DataFrame(GOOD), planned_split={"A": 1.0})
    with pytest.raises(DataError, match="at least two arms"):
        readout(pd.DataFrame(GOOD[:1]))
    with pytest.raises(DataError, match="metric 'nope' is not in the table"):
        readout(pd.DataFrame(GOOD), metrics=["nope"])
    with pytest.raises(DataError, match="no such file"):
        readout(tmp_path / "missing.csv")


def test_zero_variance_and_zero_denominator_are_inconclusive() -> None:
    flat = pd.DataFrame(
        [
            {"arm": "A", "n": 10, "sum": 30.0, "sum_squares": 90.0},
            {"arm": "B", "n": 10, "sum": 30.0, "sum_squares": 90.0},
        ]
    )
    r = readout(flat)
    assert r.lifts[0].status == "inconclusive" and "zero variance" in (r.lifts[0].reason or "")
    assert r.lifts[0].p_value_adjusted is None
    ratio = pd.DataFrame(
        [
            {
                "arm": "A",
                "n": 10,
                "sum_num": 0.0,
                "sum_den": 0.0,
                "sum_squares_num": 0.0,
                "sum_squares_den": 0.0,
                "sum_num_den": 0.0,
            },
            {
                "arm": "B",
                "n": 10,
                "sum_num": 3.0,
                "sum_den": 9.0,
                "sum_squares_num": 3.0,
                "sum_squares_den": 15.0,
                "sum_num_den": 5.0,
            },
        ]
    )
    r = readout(ratio)
    assert r.lifts[0].kind == "ratio" and "denominator sums to zero" in (r.lifts[0].reason or "")


@pytest.mark.parametrize(
    ("mutate", "row", "column"),
    [
        (lambda d: d.assign(spend=d.spend.where(d.index != 7)), 7, "spend"),
        (lambda d: d.assign(spend_pre=d.spend_pre.where(d.index != 3, np.inf)), 3, "spend_pre"),
        (lambda d: d.assign(arm=d.arm.where(d.index != 11)), 11, "arm"),
        (lambda d: d.assign(unit=d.unit.where(d.index != 9, 2)), 9, "unit"),
    ],
)
def test_bad_unit_rows_name_the_row_and_column(mutate: object, row: int, column: str) -> None:
    df = mutate(units(50))  # type: ignore[operator]
    with pytest.raises(DataError) as info:
        readout(df, metrics=["spend"], cuped=True)
    assert (info.value.row, info.value.column) == (row, column)


def test_unit_level_metric_errors() -> None:
    df = units(100)
    with pytest.raises(DataError, match="not in the data"):
        readout(df, metrics=["revenue"])
    with pytest.raises(DataError, match="not a numeric column"):
        readout(df.assign(spend=df.spend.astype(str)), metrics=[MetricSpec("spend")])
    with pytest.raises(DataError, match="column 'arm'"):
        readout(df.drop(columns="arm"), unit_level=True)
    empty = df.iloc[:0]
    with pytest.raises(DataError):
        readout(empty, metrics=["spend"])
    assert math.isfinite(readout(df, metrics=[MetricSpec("spend", kind="count")]).lifts[0].p_value)


def test_watching_daily_looks_keeps_the_running_minimum_and_intersection() -> None:
    df = units(6000, seed=6)
    looks = [df.iloc[: 1000 * k] for k in range(1, 7)]
    watched = watch(looks, metrics=["spend", "converted"], tau=0.1, cuped=True)
    singles = [
        readout(x, metrics=["spend", "converted"], tau=0.1, cuped=True, sequential=True)
        for x in looks
    ]
    for i, lift in enumerate(watched.lifts):
        assert lift.p_value == min(s.lifts[i].p_value for s in singles)
        assert lift.absolute.low == max(s.lifts[i].absolute.low for s in singles)
        assert lift.absolute.high == min(s.lifts[i].absolute.high for s in singles)
        assert lift.absolute.estimate == singles[-1].lifts[i].absolute.estimate
        assert any("over 6 looks" in n for n in lift.notes)
    assert watched.parameters["looks"] == 6 and watched.parameters["sequential"] is True
    expected = adjust_pvalues([x.p_value for x in watched.lifts], method="holm").adjusted
    assert [x.p_value_adjusted for x in watched.lifts] == pytest.approx(list(expected))
    with pytest.raises(ParameterError, match="'sequential' parameter of watch"):
        watch(looks, sequential=False)
    with pytest.raises(ParameterError, match="'looks'"):
        watch([])


def test_public_names_of_the_online_package() -> None:
    import assay.online

    assert sorted(assay.online.__all__) == sorted(
        [
            "DEFAULT_SAMPLE_TOLERANCE",
            "DEVIATION_KINDS",
            "ROLLOUT_HEADING",
            "SUFFICIENT_STATISTICS_COLUMNS",
            "Analysis",
            "ArmDecision",
            "CumulativeLift",
            "DailyLift",
            "Deviation",
            "DeviationKind",
            "ExperimentDesign",
            "ExperimentPlan",
            "ExperimentVerdict",
            "Guardrail",
            "InterleavedList",
            "InterleavingResult",
            "MetricBaseline",
            "MetricSpec",
            "Readout",
            "ReadoutSettings",
            "RolloutCriterion",
            "RolloutPlan",
            "RolloutStep",
            "SegmentBreakdown",
            "SegmentLift",
            "StepSizing",
            "UnitAggregate",
            "Winsorization",
            "aggregate_units",
            "baselines_from_readout",
            "check_deviations",
            "cumulative_lift",
            "decide_experiment",
            "design_experiment",
            "design_from_plan",
            "interleaving_test",
            "load_plan",
            "metric_goals",
            "parse_metric",
            "plan_policy",
            "readout",
            "readout_comparison",
            "readout_settings",
            "rollout_markdown",
            "rollout_plan",
            "segment_breakdown",
            "team_draft_interleave",
            "watch",
            "without_columns",
        ]
    )
    for name in assay.online.__all__:
        assert getattr(assay.online, name) is not None


def test_empty_sufficient_statistics_table_is_refused() -> None:
    with pytest.raises(DataError, match="no rows"):
        readout(pd.DataFrame(columns=["arm", "n", "sum", "sum_squares"]))
