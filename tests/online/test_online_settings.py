"""``ReadoutSettings``: one model for every setting of a readout; explicit > plan > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.errors import ParameterError
from assay.online import (
    ExperimentPlan,
    ReadoutSettings,
    check_deviations,
    readout,
    readout_settings,
    watch,
)

PLAN = ExperimentPlan(
    name="checkout",
    hypothesis="A shorter checkout converts more.",
    primary_metric="converted",
    arms=("A", "B"),
    planned_split=(0.4, 0.6),
    alpha=0.1,
    alternative="greater",
    family=("converted", "revenue"),
    multiplicity="bh",
    cuped=True,
    sequential=True,
    tau=0.2,
    srm_threshold=0.01,
    secondary_metrics=("revenue",),
)


def sums_csv(path: Path) -> Path:
    path.write_text(
        "metric,arm,n,sum,sum_squares\n"
        "converted,A,4000,400,400\n"
        "converted,B,6010,660,660\n"
        "revenue,A,4000,80000,1.7e7\n"
        "revenue,B,6010,121000,2.6e7\n"
    )
    return path


def test_defaults_without_a_plan() -> None:
    s = readout_settings()
    assert s == ReadoutSettings()
    assert (s.confidence, s.alternative, s.multiplicity, s.srm_threshold) == (
        0.95,
        "two-sided",
        "holm",
        0.001,
    )
    assert (s.cuped, s.sequential, s.tau, s.control, s.family, s.planned_split) == (
        False,
        False,
        0.05,
        None,
        None,
        None,
    )


def test_the_plan_fills_what_the_caller_leaves_out() -> None:
    s = readout_settings(PLAN)
    assert s.confidence == pytest.approx(0.9)
    assert (s.alternative, s.multiplicity, s.srm_threshold, s.tau) == ("greater", "bh", 0.01, 0.2)
    assert (s.cuped, s.sequential, s.control) == (True, True, "A")
    assert s.family == ("converted", "revenue")
    assert s.planned_split == {"A": 0.4, "B": 0.6}


def test_an_explicit_setting_wins_over_the_plan() -> None:
    s = readout_settings(PLAN, confidence=0.95, cuped=False, control="B", family=["converted"])
    assert (s.confidence, s.cuped, s.control, s.family) == (0.95, False, "B", ("converted",))
    assert s.alternative == "greater"  # not given: still the plan's
    assert readout_settings(PLAN, cuped=None).cuped is True  # None means "not given"


def test_settings_and_keywords_give_the_same_readout(tmp_path: Path) -> None:
    data = sums_csv(tmp_path / "sums.csv")
    by_keywords = readout(data, plan=PLAN, confidence=0.95, multiplicity="holm")
    by_settings = readout(data, readout_settings(PLAN, confidence=0.95, multiplicity="holm"))
    assert by_settings.to_dict() == by_keywords.to_dict()
    assert by_settings.parameters["confidence"] == 0.95
    assert by_settings.parameters["planned_split"] == pytest.approx([0.4, 0.6])


def test_a_setting_that_differs_from_the_plan_is_still_a_deviation(tmp_path: Path) -> None:
    data = sums_csv(tmp_path / "sums.csv")
    kinds = [d.kind for d in check_deviations(PLAN, readout(data, plan=PLAN, cuped=False))]
    assert kinds == ["cuped"]
    assert check_deviations(PLAN, readout(data, readout_settings(PLAN))) == []


def test_settings_do_not_mix_with_a_plan_or_keywords(tmp_path: Path) -> None:
    data = sums_csv(tmp_path / "sums.csv")
    with pytest.raises(ParameterError, match="'cuped' parameter of readout"):
        readout(data, ReadoutSettings(), cuped=True)
    with pytest.raises(ParameterError, match="'plan' parameter of readout"):
        readout(data, ReadoutSettings(), plan=PLAN)
    with pytest.raises(ParameterError, match="'settings' parameter of readout"):
        readout(data, {"cuped": True})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("confidence", 1.5, "a float in \\(0, 1\\)"),
        ("multiplicity", "bonferroni", "one of 'holm', 'bh', 'none'"),
        ("alternative", "up", "one of 'two-sided', 'greater', 'less'"),
        ("tau", -1.0, "a number > 0"),
        ("cuped", "yes", "a valid boolean"),
    ],
)
def test_bad_settings_name_the_public_function(name: str, value: object, expected: str) -> None:
    with pytest.raises(
        ParameterError, match=f"The '{name}' parameter of readout must be {expected}"
    ):
        readout_settings(**{name: value})
    with pytest.raises(ParameterError, match=f"'{name}' parameter of readout"):
        readout("unused.csv", **{name: value})  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'nope' parameter of readout"):
        readout_settings(nope=1)


def test_watch_takes_settings_with_sequential_monitoring(tmp_path: Path) -> None:
    looks = [sums_csv(tmp_path / "sums.csv")]
    settings = readout_settings(PLAN)
    by_settings = watch(looks, settings=settings)
    assert by_settings.to_dict() == watch(looks, plan=PLAN).to_dict()
    assert by_settings.parameters["looks"] == 1
    with pytest.raises(ParameterError, match="'settings' parameter of watch"):
        watch(looks, settings=readout_settings(PLAN, sequential=False))
