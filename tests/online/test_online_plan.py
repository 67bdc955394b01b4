"""The written test plan and the design helper."""

from __future__ import annotations

import dataclasses
import json

import pytest
import yaml

from assay.errors import ConfigError
from assay.online import ExperimentPlan, Guardrail, design_experiment
from assay.stats import ab_mde_by_week, ab_sample_size


def make_plan() -> ExperimentPlan:
    design = design_experiment(
        mde=0.02,
        relative=True,
        kind="proportion",
        baseline=0.1,
        daily_traffic=20_000,
        cuped_correlation=0.3,
    )
    return ExperimentPlan(
        name="new-ranker",
        hypothesis="The new ranker raises conversion because results are more relevant.",
        primary_metric="converted",
        arms=("control", "ranker-v2"),
        planned_split=(0.5, 0.5),
        mde=0.02,
        guardrails=(Guardrail("latency_p90", 0.05, higher_is_better=False),),
        secondary_metrics=("spend",),
        family=("converted", "spend"),
        decision_rule="Ship if the lower bound of the conversion lift is above 0 and no guardrail fails.",
        duration_days=design.sample_size.days,
        sample_size_per_arm=design.sample_size.n_per_arm,
        daily_traffic=20_000,
        cuped=True,
        expected_correlation=0.3,
    )


def test_plan_round_trips_through_yaml_and_json() -> None:
    plan = make_plan()
    data = plan.to_dict()
    assert yaml.safe_load(yaml.safe_dump(data)) == data  # plain types only
    assert ExperimentPlan.from_dict(yaml.safe_load(yaml.safe_dump(data))) == plan
    assert ExperimentPlan.from_dict(json.loads(json.dumps(data))) == plan
    assert data["guardrails"] == [
        {"metric": "latency_p90", "margin": 0.05, "higher_is_better": False}
    ]
    assert plan.control == "control"
    assert plan.metrics() == ("converted", "latency_p90", "spend")
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.name = "x"  # type: ignore[misc]


def test_family_defaults_to_the_primary_metric() -> None:
    plan = ExperimentPlan(name="x", hypothesis="h", primary_metric="m")
    assert plan.effective_family() == ("m",)


@pytest.mark.parametrize(
    "change",
    [
        {"arms": ("a",)},
        {"arms": ("a", "a")},
        {"planned_split": (0.5,)},
        {"planned_split": (0.5, -0.5)},
        {"alpha": 1.5},
        {"multiplicity": "bonferroni-ish"},
        {"alternative": "up"},
        {"tau": 0.0},
        {"primary_metric": ""},
    ],
)
def test_invalid_plans_are_refused(change: dict) -> None:
    base = {"name": "x", "hypothesis": "h", "primary_metric": "m"}
    with pytest.raises(ConfigError):
        ExperimentPlan(**(base | change))


def test_from_dict_refuses_unknown_fields() -> None:
    data = make_plan().to_dict() | {"owner": "me"}
    with pytest.raises(ConfigError, match="owner"):
        ExperimentPlan.from_dict(data)


def test_design_combines_sample_size_and_weekly_mde() -> None:
    d = design_experiment(mde=0.1, sd=1.0, daily_traffic=500, weeks=3, sequential=True)
    assert d.sample_size == ab_sample_size(mde=0.1, sd=1.0, daily_traffic=500, sequential=True)
    assert d.mde_by_week == ab_mde_by_week(
        daily_traffic=500, weeks=3, sd=1.0, sequential=True, tau=0.1
    )
    assert json.loads(json.dumps(d.to_dict(), allow_nan=False))["sample_size"]["sequential"] is True
    assert design_experiment(mde=0.1, sd=1.0).mde_by_week == ()
