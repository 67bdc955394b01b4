"""``assay ab readout --plan/--policy/--report`` and ``assay ab plan``, through ``assay.cli.main``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from assay.cli import VERDICT_EXIT_CODES, main
from assay.online import (
    ExperimentPlan,
    Guardrail,
    MetricBaseline,
    decide_experiment,
    load_plan,
    readout,
    rollout_markdown,
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


def stats_csv(path: Path, n_c: int, n_t: int, rate_t: float, latency_t: float) -> Path:
    def sq(n: int, mean: float) -> float:
        return (n - 1) * 40.0**2 + n * mean**2

    lines = [
        "metric,arm,n,sum,sum_squares",
        f"converted,control,{n_c},{0.10 * n_c},{0.10 * n_c}",
        f"converted,treatment,{n_t},{rate_t * n_t},{rate_t * n_t}",
        f"latency_ms,control,{n_c},{200.0 * n_c},{sq(n_c, 200.0)}",
        f"latency_ms,treatment,{n_t},{latency_t * n_t},{sq(n_t, latency_t)}",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(PLAN.to_dict()))
    return path


CASES = {
    "win": ((20_000, 20_000, 0.12, 200.0), 0),
    "guardrail_breach": ((20_000, 20_000, 0.12, 210.0), 1),
    "srm": ((20_000, 21_000, 0.12, 200.0), 1),
    "underpowered": ((20_000, 20_000, 0.101, 200.0), 2),
}


@pytest.mark.parametrize("case", CASES)
def test_exit_code_is_the_verdict(case: str, tmp_path: Path, plan_file: Path) -> None:
    args, code = CASES[case]
    data = stats_csv(tmp_path / "stats.csv", *args)
    expected = decide_experiment(readout(data, plan=PLAN), PLAN).verdict
    assert VERDICT_EXIT_CODES[expected] == code  # the library's verdict, independently of the CLI
    assert main(["ab", "readout", str(data), "--plan", str(plan_file)]) == code


def test_without_plan_or_policy_there_is_no_verdict(tmp_path: Path) -> None:
    data = stats_csv(tmp_path / "stats.csv", 20_000, 20_000, 0.12, 210.0)
    assert main(["ab", "readout", str(data)]) == 0
    out = tmp_path / "out"
    assert main(["ab", "readout", str(data), "--report", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.md"]
    assert "NO VERDICT" in (out / "report.md").read_text()


def test_a_policy_alone_decides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = stats_csv(tmp_path / "stats.csv", 20_000, 20_000, 0.12, 210.0)
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "name: latency-only\nrules:\n  cost:\n    - name: latency\n      metric: latency_ms\n"
        "      kind: non_inferiority\n      margin: 20\n"
    )
    args = ["ab", "readout", str(data), "--policy", str(policy), "--lower-is-better", "latency_ms"]
    assert main(args) == 0  # +10 ms [9.2, 10.8] is within a 20 ms margin
    assert "latency-only" in capsys.readouterr().out
    policy.write_text(policy.read_text().replace("margin: 20", "margin: 5"))
    assert main(args) == 1
    assert main(args[:5]) == 0  # without the goal, more latency reads as better


def test_an_early_look_by_date_is_inconclusive(tmp_path: Path, plan_file: Path) -> None:
    data = stats_csv(tmp_path / "stats.csv", 20_000, 20_000, 0.12, 200.0)
    args = ["ab", "readout", str(data), "--plan", str(plan_file), "--started", "2024-03-01"]
    assert main([*args, "--analysed", "2024-03-20"]) == 0
    assert main([*args, "--analysed", "2024-03-05"]) == 2


def test_report_files_hold_the_verdict_and_the_rollout(
    tmp_path: Path, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = stats_csv(tmp_path / "stats.csv", 20_000, 21_000, 0.12, 200.0)
    out = tmp_path / "reports"
    args = ["ab", "readout", str(data), "--plan", str(plan_file), "--report", str(out)]
    assert main([*args, "--rollout-steps", "0.1,0.5,1"]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["memo.md", "report.html", "report.md"]
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    memo = (out / "memo.md").read_text()
    for text in (html, md, memo):  # Markdown escapes the underscore
        assert "BLOCK" in text and re.search(r"sample\\?_ratio", text)
        assert "sample-ratio mismatch" in text
    # A BLOCKed treatment's memo has no rollout plan at all, only what must change.
    assert "Rollout and rollback plan" not in memo and "## Staged rollout plan" not in memo
    assert "## 8. No rollout" in memo and "| canary 10% |" not in memo
    assert "assay monitor" not in memo and "`assay gate` exits" not in memo
    assert "memo.md:" in capsys.readouterr().out


def test_a_shipped_treatments_memo_has_one_staged_rollout_section(
    tmp_path: Path, plan_file: Path
) -> None:
    data = stats_csv(tmp_path / "stats.csv", 20_000, 20_000, 0.12, 200.0)
    out = tmp_path / "reports"
    args = ["ab", "readout", str(data), "--plan", str(plan_file), "--output", str(out)]
    assert main([*args, "--rollout-steps", "0.1,0.5,1"]) == 0
    memo = (out / "memo.md").read_text()
    assert memo.count("Rollout and rollback plan") == 1 and "## Staged rollout plan" not in memo
    section = memo.index("## 8. Rollout and rollback plan (staged rollout plan)")
    assert memo.index("## 7.") < section < memo.index("## 9. Sign-off")
    assert "assay monitor" not in memo and "`assay gate` exits" not in memo
    assert "| canary 10% |" in memo and "| ramp 50% |" in memo and "| ramp 5% |" not in memo
    assert main(args) == 0  # the default steps start with a 1% canary
    assert "| canary 1% |" in (out / "memo.md").read_text()


def test_several_arms_get_one_folder_each(tmp_path: Path) -> None:
    data = tmp_path / "stats.csv"
    data.write_text(
        "metric,arm,n,sum,sum_squares\n"
        "converted,control,20000,2000,2000\nconverted,a/1,20000,2400,2400\n"
        "converted,b,20000,2000,2000\n"
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        yaml.safe_dump(
            {
                "name": "x",
                "hypothesis": "h",
                "primary_metric": "converted",
                "arms": ["control", "a/1", "b"],
            }
        )
    )
    out = tmp_path / "r"
    assert main(["ab", "readout", str(data), "--plan", str(plan), "--report", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a_1", "b"]
    assert "**SHIP**" in (out / "a_1" / "memo.md").read_text()
    assert "**INCONCLUSIVE**" in (out / "b" / "memo.md").read_text()


def test_json_holds_the_readout_the_decision_and_the_files(
    tmp_path: Path, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = stats_csv(tmp_path / "stats.csv", 20_000, 20_000, 0.12, 210.0)
    args = ["ab", "readout", str(data), "--plan", str(plan_file), "--json", "--report"]
    assert main([*args, str(tmp_path / "out")]) == 1
    payload = json.loads(capsys.readouterr().out)
    lib = decide_experiment(readout(data, plan=PLAN), PLAN)
    assert payload["decision"]["verdict"] == lib.verdict.value == "BLOCK"
    got = payload["decision"]["arms"][0]["verdict"]
    assert got["rules"] == lib.best.verdict.model_dump(mode="json")["rules"]
    assert payload["readout"]["n_by_arm"] == {"control": 20_000, "treatment": 20_000}
    assert set(payload["files"]) == {"report.html", "report.md", "memo.md"}


def test_bad_plan_file_is_a_configuration_error(tmp_path: Path) -> None:
    data = stats_csv(tmp_path / "stats.csv", 100, 100, 0.1, 200.0)
    bad = tmp_path / "plan.yaml"
    bad.write_text("name: x\nhypothesis: h\nprimary_metric: m\nbogus: 1\n")
    assert main(["ab", "readout", str(data), "--plan", str(bad)]) == 4
    bad.write_text("- just\n- a list\n")
    assert main(["ab", "readout", str(data), "--plan", str(bad)]) == 4


def test_plan_command_prints_the_rollout(
    plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["ab", "plan", str(plan_file), "--baseline", "0.1", "--guardrail", "latency_ms=200:40"]
    assert main(args) == 0
    text = capsys.readouterr().out
    from assay.online import design_from_plan

    plan = load_plan(plan_file)
    expected = rollout_plan(
        plan,
        design_from_plan(plan, baseline=0.1),
        baselines={"latency_ms": MetricBaseline(kind="mean", baseline=200.0, sd=40.0)},
    )
    assert text == rollout_markdown(expected)
    assert main([*args, "--json", "--steps", "0.1,1", "--shadow-days", "2"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in payload["steps"]] == ["shadow", "canary 10%", "full 100%"]
    assert payload["steps"][0]["min_days"] == 2
    assert main([*args[:3], "--guardrail", "latency_ms"]) == 4
    assert main([*args[:3], "--steps", "0.5,0.1"]) == 4


def test_the_worked_example_ships(tmp_path: Path) -> None:
    folder = Path(__file__).resolve().parents[2] / "examples" / "ab_readout"
    data, plan = folder / "stats.csv", folder / "plan.yaml"
    args = ["ab", "readout", str(data), "--plan", str(plan), "--report", str(tmp_path)]
    assert main(args) == 0
    readme = (folder / "README.md").read_text()
    memo = (tmp_path / "memo.md").read_text()
    assert "**SHIP**" in memo and "SHIP: every blocking rule passes." in readme
    assert main([*args[:5], "--started", "2024-05-06", "--analysed", "2024-05-13"]) == 2
    assert main([*args[:5], "--confidence", "0.9"]) == 2
