"""``read_out_experiment`` and ``plan_rollout``: the A/B chain as one library call each."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assay import plan_rollout, read_out_experiment
from assay.errors import ParameterError
from assay.online import (
    ExperimentPlan,
    Guardrail,
    MetricBaseline,
    decide_experiment,
    design_from_plan,
    readout,
    readout_settings,
    rollout_plan,
)

PLAN = ExperimentPlan(
    name="ranker-v2",
    hypothesis="The new ranker raises conversion.",
    primary_metric="converted",
    mde=0.1,
    guardrails=(Guardrail("latency_ms", 0.02, higher_is_better=False),),
    sample_size_per_arm=20_000,
    duration_days=14,
    daily_traffic=4_000,
)


def stats_csv(path: Path, rate_t: float = 0.12, latency_t: float = 200.0) -> Path:
    n = 20_000

    def sq(mean: float) -> float:
        return (n - 1) * 40.0**2 + n * mean**2

    path.write_text(
        "metric,arm,n,sum,sum_squares\n"
        f"converted,control,{n},{0.10 * n},{0.10 * n}\n"
        f"converted,treatment,{n},{rate_t * n},{rate_t * n}\n"
        f"latency_ms,control,{n},{200.0 * n},{sq(200.0)}\n"
        f"latency_ms,treatment,{n},{latency_t * n},{sq(latency_t)}\n"
    )
    return path


def test_one_call_gives_the_chain_of_calls(tmp_path: Path) -> None:
    data = stats_csv(tmp_path / "stats.csv", latency_t=210.0)
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(PLAN.to_dict()))
    done = read_out_experiment(data, plan=plan_file, output=tmp_path / "out")
    chained = readout(data, plan=PLAN)
    assert done.readout.to_dict() == chained.to_dict()
    assert done.plan == PLAN
    assert done.verdict is not None
    lib = decide_experiment(chained, PLAN)
    rules = done.verdict.best.verdict.model_dump(mode="json")["rules"]
    assert rules == lib.best.verdict.model_dump(mode="json")["rules"]
    assert done.verdict.verdict.value == "BLOCK"
    assert set(done.files) == {"report.html", "report.md", "memo.md"}
    assert all(path.is_file() for path in done.files.values())
    assert not list((tmp_path / "out").glob(".*partial"))
    assert done.to_dict()["files"]["memo.md"] == str(tmp_path / "out" / "memo.md")


def test_without_plan_or_policy_there_is_a_readout_only(tmp_path: Path) -> None:
    data = stats_csv(tmp_path / "stats.csv")
    done = read_out_experiment(data, control="treatment")
    assert done.verdict is None and done.files == {} and done.plan is None
    assert done.readout.control == "treatment"
    assert done.to_dict()["decision"] is None


def test_settings_or_options_not_both(tmp_path: Path) -> None:
    data = stats_csv(tmp_path / "stats.csv")
    settings = readout_settings(PLAN, confidence=0.9)
    done = read_out_experiment(data, plan=PLAN, settings=settings)
    assert done.readout.parameters["confidence"] == 0.9
    assert done.verdict is not None
    assert [d.kind for d in done.verdict.deviations] == ["alpha"]
    with pytest.raises(ParameterError, match="'cuped' parameter of read_out_experiment"):
        read_out_experiment(data, settings=settings, cuped=True)
    with pytest.raises(ParameterError, match="'confidence' parameter of read_out_experiment"):
        read_out_experiment(data, confidence=2.0)


def test_plan_rollout_is_the_designed_rollout() -> None:
    guardrails = {"latency_ms": MetricBaseline(kind="mean", baseline=200.0, sd=40.0)}
    got = plan_rollout(PLAN.to_dict(), baseline=0.1, baselines=guardrails, steps=(0.1, 1.0))
    expected = rollout_plan(
        PLAN, design_from_plan(PLAN, baseline=0.1), baselines=guardrails, steps=(0.1, 1.0)
    )
    assert got == expected
    assert plan_rollout(PLAN) == rollout_plan(PLAN)


def test_arm_names_cannot_write_outside_the_output_folder(tmp_path: Path) -> None:
    data = tmp_path / "arms.csv"
    rows = ["metric,arm,n,sum,sum_squares"]
    for arm, rate in (("control", 0.10), ("..", 0.11), ("../x", 0.12)):
        rows.append(f"converted,{arm},20000,{rate * 20000},{rate * 20000}")
    data.write_text("\n".join(rows) + "\n")
    out = tmp_path / "deep" / "out"
    done = read_out_experiment(data, control="control", output=out)
    assert done.files
    for path in done.files.values():
        assert out in path.resolve().parents
