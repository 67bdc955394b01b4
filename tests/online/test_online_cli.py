"""``assay ab``: design and readout commands, tested on the sub-app directly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from assay.cli._ab import ab_app, parse_split
from assay.errors import ConfigError, DataError, StorageError
from assay.online import design_experiment, readout

runner = CliRunner()


@pytest.fixture
def unit_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 3000
    pre = rng.gamma(2.0, 5.0, n)
    arm = np.where(rng.random(n) < 0.5, "control", "treatment")
    arm[:2] = ["control", "treatment"]
    df = pd.DataFrame(
        {
            "unit": np.arange(n),
            "arm": arm,
            "spend": pre + rng.normal(0, 2, n),
            "spend_pre": pre,
            "converted": (rng.random(n) < 0.3).astype(int),
            "clicks": rng.poisson(2, n),
            "views": rng.poisson(6, n) + 1,
        }
    )
    path = tmp_path / "units.parquet"
    df.to_parquet(path)
    return path


def test_no_arguments_shows_help() -> None:
    result = runner.invoke(ab_app, [])
    assert "design" in result.output and "readout" in result.output


def test_design_renders_every_number_with_its_method() -> None:
    result = runner.invoke(
        ab_app,
        [
            "design",
            "--mde",
            "0.02",
            "--kind",
            "proportion",
            "--baseline",
            "0.1",
            "--daily-traffic",
            "5000",
            "--weeks",
            "3",
            "--sequential",
        ],
    )
    assert result.exit_code == 0, result.output
    plan = design_experiment(
        mde=0.02, kind="proportion", baseline=0.1, daily_traffic=5000, weeks=3, sequential=True
    ).sample_size
    assert f"{plan.n_per_arm:,}" in result.output
    assert "mSPRT" in result.output or "normal-mixture" in result.output
    assert "MDE reachable by week" in result.output


def test_design_json_is_the_library_result() -> None:
    args = [
        "design",
        "--mde",
        "0.1",
        "--sd",
        "2",
        "--arms",
        "3",
        "--adjustment",
        "dunnett",
        "--cuped-correlation",
        "0.5",
        "--daily-traffic",
        "1000",
        "--json",
    ]
    result = runner.invoke(ab_app, args)
    assert result.exit_code == 0, result.output
    expected = design_experiment(
        mde=0.1, sd=2.0, arms=3, adjustment="dunnett", cuped_correlation=0.5, daily_traffic=1000
    ).to_dict()
    assert json.loads(result.output) == json.loads(json.dumps(expected))


def test_design_and_plan_default_to_proportions_and_say_what_is_missing(tmp_path: Path) -> None:
    result = runner.invoke(ab_app, ["design", "--mde", "0.1"])
    assert isinstance(result.exception, ConfigError)
    assert "--baseline RATE" in str(result.exception)
    result = runner.invoke(ab_app, ["design", "--mde", "0.1", "--kind", "mean"])
    assert "give --sd" in str(result.exception)
    assert "ab_sample_size" not in str(result.exception)
    # Without --kind both commands read a proportion, and both agree with the library.
    result = runner.invoke(ab_app, ["design", "--mde", "0.01", "--baseline", "0.1", "--json"])
    assert result.exit_code == 0, result.output
    expected = design_experiment(mde=0.01, kind="proportion", baseline=0.1).to_dict()
    assert json.loads(result.output) == json.loads(json.dumps(expected))
    for command in ("design", "plan"):
        help_text = " ".join(runner.invoke(ab_app, [command, "--help"]).output.split())
        assert "Default: proportion" in help_text


def test_readout_unit_level_with_every_option(unit_file: Path) -> None:
    args = [
        "readout",
        str(unit_file),
        "--metric",
        "spend",
        "--metric",
        "converted",
        "--metric",
        "ctr=clicks/views",
        "--metric",
        "p50(spend)",
        "--cuped",
        "--bayesian",
        "--planned-split",
        "control=0.5,treatment=0.5",
        "--winsorize",
        "0.999",
    ]
    result = runner.invoke(ab_app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    for text in (
        "unit-level rows",
        "sample ratio",
        "CUPED with theta pooled",
        "delta method",
        "order-statistic",
        "Bayesian readout",
        "winsorised spend",
        "ctr",
    ):
        assert text in result.output, text


def test_readout_json_matches_the_library(unit_file: Path) -> None:
    result = runner.invoke(
        ab_app,
        [
            "readout",
            str(unit_file),
            "--metric",
            "spend",
            "--cuped",
            "--sequential",
            "--tau",
            "0.1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    expected = readout(unit_file, metrics=["spend"], cuped=True, sequential=True, tau=0.1)
    assert json.loads(result.output) == json.loads(json.dumps(expected.to_dict()))


def test_readout_of_a_sums_file_and_srm_warning(tmp_path: Path) -> None:
    path = tmp_path / "sums.csv"
    pd.DataFrame(
        [
            {"arm": "A", "n": 10_000, "sum": 1000, "sum_squares": 1000},
            {"arm": "B", "n": 10_800, "sum": 1150, "sum_squares": 1150},
        ]
    ).to_csv(path, index=False)
    result = runner.invoke(ab_app, ["readout", str(path), "--control", "B"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "UNTRUSTED" in result.output and "proportion" in result.output
    assert "Lift over B" in result.output


def test_readout_bad_data_raises_data_error(tmp_path: Path) -> None:
    path = tmp_path / "sums.csv"
    pd.DataFrame(
        [
            {"arm": "A", "n": 10, "sum": 10.0, "sum_squares": 5.0},
            {"arm": "B", "n": 10, "sum": 5.0, "sum_squares": 5.0},
        ]
    ).to_csv(path, index=False)
    result = runner.invoke(ab_app, ["readout", str(path)])
    assert isinstance(result.exception, DataError)
    assert result.exception.row == 0 and result.exception.column == "sum_squares"
    missing = runner.invoke(ab_app, ["readout", str(tmp_path / "none.csv")])
    # a missing file is not bad data: the file could not be used (exit 5)
    assert isinstance(missing.exception, StorageError)
    assert "none.csv (the experiment data): no such file" in str(missing.exception)


def test_planned_split_parsing() -> None:
    assert parse_split("a=0.4, b=0.6") == {"a": 0.4, "b": 0.6}
    assert parse_split("50/50") == [50.0, 50.0]
    assert parse_split("1:2:1") == [1.0, 2.0, 1.0]
    assert parse_split(None) is None
    with pytest.raises(ConfigError, match="--planned-split"):
        parse_split("half/half")
