"""What `assay ab` users read: one-sided guardrails on their own side, the planned final look,
matching defaults, warnings for plans that cannot work, A/B words, segments and days."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from assay.cli import main
from assay.online import ExperimentPlan, Guardrail, design_from_plan, readout

PLAN = ExperimentPlan(
    name="ranker-v2",
    hypothesis="The new ranker raises conversion.",
    primary_metric="converted",
    mde=0.1,
    mde_relative=True,
    guardrails=(Guardrail("latency_ms", 0.02, higher_is_better=False),),
    sample_size_per_arm=20_000,
    duration_days=14,
    daily_traffic=4_000,
)
SD = 40.0


def stats_csv(path: Path, n: int, rate_t: float, latency_t: float) -> Path:
    def sq(mean: float) -> float:
        return (n - 1) * SD**2 + n * mean**2

    path.write_text(
        "metric,arm,n,sum,sum_squares\n"
        f"converted,control,{n},{0.10 * n},{0.10 * n}\n"
        f"converted,treatment,{n},{rate_t * n},{rate_t * n}\n"
        f"latency_ms,control,{n},{200.0 * n},{sq(200.0)}\n"
        f"latency_ms,treatment,{n},{latency_t * n},{sq(latency_t)}\n"
    )
    return path


def plan_file(tmp_path: Path, plan: ExperimentPlan = PLAN) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan.to_dict()))
    return path


def words(text: str) -> str:
    return " ".join(text.split())


def test_a_lower_is_better_guardrail_passes_a_one_sided_plan(tmp_path: Path, capsys) -> None:
    one_sided = plan_file(tmp_path, ExperimentPlan(**{**PLAN.__dict__, "alternative": "greater"}))
    data = stats_csv(tmp_path / "s.csv", 20_000, 0.12, 199.0)
    assert main(["ab", "readout", str(data), "--plan", str(one_sided), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    latency = next(r for r in out["readout"]["lifts"] if r["metric"] == "latency_ms")
    # Closed form: the one-sided upper bound of a difference in means.
    upper = -1.0 + stats.norm.ppf(0.95) * SD * math.sqrt(2 / 20_000)
    assert latency["alternative"] == "less" and latency["absolute"]["low"] == "-inf"
    assert latency["absolute"]["high"] == pytest.approx(upper, rel=1e-9)
    converted = next(r for r in out["readout"]["lifts"] if r["metric"] == "converted")
    assert converted["alternative"] == "greater"
    rules = {r["rule"]: r for r in out["decision"]["arms"][0]["verdict"]["rules"]}
    assert rules["latency_ms_non_inferiority"]["outcome"] == "pass"
    assert out["decision"]["verdict"] == "SHIP"
    # Worse by 5 ms, beyond the 4 ms margin: the one-sided guardrail cannot pass.
    worse = stats_csv(tmp_path / "w.csv", 20_000, 0.12, 205.0)
    assert main(["ab", "readout", str(worse), "--plan", str(one_sided)]) != 0
    capsys.readouterr()
    # Without a plan, --lower-is-better puts a one-sided readout's bound on the same side.
    args = ["ab", "readout", str(data), "--alternative", "greater", "--json"]
    assert main([*args, "--lower-is-better", "latency_ms"]) == 0
    lifts = {r["metric"]: r for r in json.loads(capsys.readouterr().out)["lifts"]}
    assert lifts["latency_ms"]["absolute"]["high"] == pytest.approx(upper, rel=1e-9)
    assert lifts["converted"]["alternative"] == "greater"


@pytest.mark.parametrize(
    ("n", "tolerance", "code", "said"),
    [
        (19_760, None, 0, "98.8% of the planned 20,000; within the 2% tolerance"),
        (19_760, "0.01", 2, "98.8% of the planned 20,000, short by more than the 1% tolerance"),
        (19_500, None, 2, "97.5% of the planned 20,000, short by more than the 2% tolerance"),
        (20_000, None, 0, "100% of the planned 20,000"),
    ],
)
def test_a_readout_just_short_of_the_plan_is_the_final_look(
    tmp_path: Path, capsys, n: int, tolerance: str | None, code: int, said: str
) -> None:
    data = stats_csv(tmp_path / "s.csv", n, 0.12, 200.0)
    args = ["ab", "readout", str(data), "--plan", str(plan_file(tmp_path))]
    if tolerance is not None:
        args += ["--sample-tolerance", tolerance]
    assert main([*args, "--json"]) == code
    rules = json.loads(capsys.readouterr().out)["decision"]["arms"][0]["verdict"]["rules"]
    reason = next(r["reason"] for r in rules if r["rule"] == "planned_sample")
    assert reason.startswith(f"read with {n:,} users per arm (average over the arms), {said}")
    assert main(args) == code
    out = words(capsys.readouterr().out)
    shown = tolerance or "0.02"
    assert f"planned final look: within {100 * float(shown):g}% of the plan's 20,000 users" in out
    assert any(r["rule"] == "deviation_early_look" for r in rules) == (code == 2)


def test_long_and_underpowered_plans_are_warned_about(tmp_path: Path, capsys) -> None:
    design = ["ab", "design", "--mde", "0.0005", "--baseline", "0.1", "--daily-traffic", "1000"]
    assert main([*design, "--json"]) == 0
    captured = capsys.readouterr()
    days = json.loads(captured.out)["sample_size"]["days"]
    assert days > 90
    assert "note: the experiment" in captured.err
    assert f"would take {days:,} days" in words(captured.err)
    assert (
        main(["ab", "design", "--mde", "0.05", "--baseline", "0.1", "--daily-traffic", "1000"]) == 0
    )
    assert "would take" not in capsys.readouterr().err
    small = ExperimentPlan(**{**PLAN.__dict__, "sample_size_per_arm": 1_000})
    needed = design_from_plan(small, kind="proportion", baseline=0.1).sample_size.n_per_arm
    assert main(["ab", "plan", str(plan_file(tmp_path, small)), "--baseline", "0.1"]) == 0
    err = words(capsys.readouterr().err)
    assert "stops at 1,000 users per arm" in err and f"needs {needed:,} per arm" in err


def test_ab_output_speaks_of_users_and_arms(tmp_path: Path, capsys) -> None:
    assert main(["ab", "plan", str(plan_file(tmp_path)), "--baseline", "0.1"]) == 0
    text = capsys.readouterr().out
    assert "assay monitor" not in text and "exit" not in text
    assert not re.search(r"\b(examples?|runs?|suites?|units?)\b", text), text
    assert text.count("## ") == 1  # one rollout section
    data = stats_csv(tmp_path / "s.csv", 20_000, 0.12, 200.0)
    assert main(["ab", "readout", str(data), "--bayesian", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    chance = next(b for b in out["bayesian"] if b["metric"] == "converted")
    lift = next(r for r in out["lifts"] if r["metric"] == "converted")
    assert main(["ab", "readout", str(data), "--bayesian"]) == 0
    first = words(capsys.readouterr().out)
    rel = lift["relative"]
    expected = (
        f"converted, treatment against control: relative lift {100 * rel['estimate']:+.3g}% "
        f"[{100 * rel['low']:+.3g}%, {100 * rel['high']:+.3g}%]"
    )
    assert first.index(expected) < first.index("latency_ms, treatment")
    assert f"chance to beat control {100 * chance['chance_to_beat_control']:.1f}%" in first


def _units(path: Path, seed: int = 3, n: int = 6_000) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        arm = "control" if rng.random() < 0.5 else "treatment"
        country = str(rng.choice(["de", "fr", "us"]))
        rate = {"de": 0.10, "fr": 0.12, "us": 0.08}[country] * (1.3 if arm == "treatment" else 1)
        rows.append(
            {
                "unit": f"u{i}",
                "arm": arm,
                "country": country,
                "day": int(rng.integers(1, 6)),
                "converted": int(rng.random() < rate),
                "spend": round(float(rng.gamma(2.0, 10.0)), 4),
            }
        )
    _write(path, rows)
    return rows


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _drop(rows: list[dict[str, object]], *columns: str) -> list[dict[str, object]]:
    return [{k: v for k, v in r.items() if k not in columns} for r in rows]


def test_segment_lift_is_the_readout_of_the_segment_alone(tmp_path: Path, capsys) -> None:
    rows = _units(tmp_path / "units.csv")
    args = ["ab", "readout", str(tmp_path / "units.csv"), "--control", "control"]
    assert main([*args, "--segment", "country", "--json"]) == 0
    segments = json.loads(capsys.readouterr().out)["segments"]
    assert [s["segment"] for s in segments["segments"]] == ["de", "fr", "us"]
    p_values = []
    for seg in segments["segments"]:
        # Without --by-day the day column is just another number, read as a metric.
        alone = _drop([r for r in rows if r["country"] == seg["segment"]], "country")
        own = readout(_write(tmp_path / f"{seg['segment']}.csv", alone), control="control")
        assert seg["n_by_arm"] == dict(own.n_by_arm)
        for got, lift in zip(seg["lifts"], own.lifts, strict=True):
            assert got["metric"] == lift.metric
            for part in ("absolute", "relative"):
                for key in ("estimate", "low", "high"):
                    assert got[part][key] == pytest.approx(getattr(getattr(lift, part), key))
            p_values.append(got["p_value"])
        # An independent closed form for the proportion: the unpooled Wald interval.
        c = [int(r["converted"]) for r in alone if r["arm"] == "control"]
        t = [int(r["converted"]) for r in alone if r["arm"] == "treatment"]
        pc, pt = sum(c) / len(c), sum(t) / len(t)
        se = math.sqrt(pc * (1 - pc) / len(c) + pt * (1 - pt) / len(t))
        got = next(x for x in seg["lifts"] if x["metric"] == "converted")["absolute"]
        assert got["low"] == pytest.approx(pt - pc - stats.norm.ppf(0.975) * se, rel=1e-9)
    adjusted = [x["p_value_adjusted"] for s in segments["segments"] for x in s["lifts"]]
    assert adjusted == pytest.approx(list(stats.false_discovery_control(p_values)))
    assert "exploratory" in segments["adjustment"]
    assert main([*args, "--segment", "country"]) == 0
    out = words(capsys.readouterr().out)
    assert "Lift by country over control (exploratory)" in out


def test_cumulative_lift_by_day_is_the_readout_of_every_row_so_far(tmp_path: Path, capsys):
    rows = _units(tmp_path / "units.csv", seed=5)
    args = ["ab", "readout", str(tmp_path / "units.csv"), "--control", "control"]
    assert main([*args, "--by-day", "day", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    days = out["cumulative"]["days"]
    assert [d["day"] for d in days] == ["1", "2", "3", "4", "5"]
    for d in days:
        so_far = _drop([r for r in rows if int(r["day"]) <= int(d["day"])], "day")
        own = readout(_write(tmp_path / f"d{d['day']}.csv", so_far), control="control")
        assert sum(d["n_by_arm"].values()) == len(so_far)
        for got, lift in zip(d["lifts"], own.lifts, strict=True):
            assert got["relative"]["low"] == pytest.approx(lift.relative.low)
            assert got["absolute"]["estimate"] == pytest.approx(lift.absolute.estimate)
    # The last day holds every row: the overall readout, day column not read as a metric.
    overall = out["readout"]["lifts"]
    assert {x["metric"] for x in overall} == {"converted", "spend"}
    assert days[-1]["lifts"][0]["absolute"] == overall[0]["absolute"]
    assert "looks the plan did not make" in out["cumulative"]["note"]


def test_segments_and_days_refuse_what_they_cannot_read(tmp_path: Path, capsys) -> None:
    rows = _units(tmp_path / "units.csv", n=400)
    args = ["ab", "readout", str(tmp_path / "units.csv")]
    assert main([*args, "--segment", "nope"]) == 3
    assert "nope" in capsys.readouterr().err
    stats_file = stats_csv(tmp_path / "s.csv", 1_000, 0.12, 200.0)
    assert main(["ab", "readout", str(stats_file), "--segment", "country"]) == 3
    assert "unit-level rows" in capsys.readouterr().err
    hostile = [{**r, "country": "[red]x\x1b[2J"} if i % 2 else r for i, r in enumerate(rows)]
    _write(tmp_path / "hostile.csv", hostile)
    assert main(["ab", "readout", str(tmp_path / "hostile.csv"), "--segment", "country"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[2J" not in out and "[red]x" in out
    # A segment with one arm only is listed with the reason, not dropped.
    lonely = [*rows, {**rows[0], "unit": "solo", "country": "nz"}]
    _write(tmp_path / "lonely.csv", lonely)
    assert (
        main(["ab", "readout", str(tmp_path / "lonely.csv"), "--segment", "country", "--json"]) == 0
    )
    nz = next(
        s
        for s in json.loads(capsys.readouterr().out)["segments"]["segments"]
        if s["segment"] == "nz"
    )
    assert nz["lifts"] == [] and nz["skipped"]
