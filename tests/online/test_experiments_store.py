"""Stored A/B experiments: the plan frozen under its name, readouts kept oldest first, the
status of each experiment, on an embedded store and through a team server."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assay.errors import ConfigError, ImmutableError, NotFoundError
from assay.online import ExperimentPlan
from assay.server import ServerSettings, create_app
from assay.storage import RemoteStore, Store, open_store
from assay.testing import running_server
from assay.workflows import (
    experiment_history,
    experiment_plan,
    list_experiments,
    read_out_experiment,
    record_experiment_plan,
    record_readout,
)

PLAN = ExperimentPlan(
    name="ranker-v2",
    hypothesis="The new ranker raises conversion.",
    primary_metric="converted",
    mde=0.1,
    sample_size_per_arm=2_000,
)


def stats_table(n: int, rate_t: float) -> str:
    return (
        "metric,arm,n,sum,sum_squares\n"
        f"converted,control,{n},{0.10 * n},{0.10 * n}\n"
        f"converted,treatment,{n},{rate_t * n},{rate_t * n}\n"
    )


def readout_of(tmp_path: Path, n: int, rate_t: float, plan: ExperimentPlan = PLAN):  # type: ignore[no-untyped-def]
    path = tmp_path / f"data-{n}-{rate_t}.csv"
    path.write_text(stats_table(n, rate_t))
    return read_out_experiment(path, plan=plan)


@pytest.fixture(params=["sqlite", "remote"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An embedded SQLite store, and a remote store over a real server on loopback."""
    with open_store(f"sqlite:///{tmp_path / 'db' / 'assay.db'}") as backend:
        if request.param == "sqlite":
            yield backend
            return
        with running_server(create_app(backend, ServerSettings())) as url:
            remote = open_store(url)
            assert isinstance(remote, RemoteStore)
            yield remote
            remote.close()


def test_plan_is_frozen_and_readouts_are_kept_in_order(any_store: Store, tmp_path: Path) -> None:
    digest = record_experiment_plan(PLAN, store=any_store)
    assert record_experiment_plan(PLAN.to_dict(), store=any_store) == digest  # same plan: no-op
    changed = dataclasses.replace(PLAN, mde=0.2)
    with pytest.raises(ImmutableError, match="frozen"):
        record_experiment_plan(changed, store=any_store)
    assert experiment_plan("ranker-v2", store=any_store) == (digest, PLAN)
    [only] = list_experiments(store=any_store)
    assert (only.name, only.status, only.readouts, only.last_readout) == (
        "ranker-v2",
        "planned",
        0,
        None,
    )

    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    early = readout_of(tmp_path, 500, 0.11)
    final = readout_of(tmp_path, 2_000, 0.14)
    first = record_readout("ranker-v2", early, store=any_store, recorded_at=t0)
    [listed] = list_experiments(store=any_store)
    assert listed.status == "running"  # an early look cannot SHIP
    assert first["verdict"] == "INCONCLUSIVE"
    second = record_readout("ranker-v2", final, store=any_store, recorded_at=t0 + timedelta(days=7))
    history = experiment_history("ranker-v2", store=any_store)
    assert [h["digest"] for h in history] == [first["digest"], second["digest"]]
    assert [h["n_by_arm"]["treatment"] for h in history] == [500, 2_000]
    lift = final.readout.lift("converted", "treatment").relative
    arm = history[1]["arms"][0]
    assert (arm["lift"], arm["low"], arm["high"]) == (lift.estimate, lift.low, lift.high)
    assert history[1]["verdict"] == str(final.verdict.verdict) == "SHIP"  # type: ignore[union-attr]
    assert history[1]["srm"]["mismatch"] is False
    assert history[1]["plan_digest"] == digest
    [decided] = list_experiments(store=any_store)
    assert (decided.status, decided.readouts) == ("decided", 2)
    assert decided.last_readout == history[1]


def test_readouts_need_the_registered_plan(any_store: Store, tmp_path: Path) -> None:
    done = readout_of(tmp_path, 500, 0.11)
    with pytest.raises(NotFoundError, match="record its plan first"):
        record_readout("ranker-v2", done, store=any_store)
    record_experiment_plan(PLAN, store=any_store)
    other = dataclasses.replace(PLAN, mde=0.3)
    with pytest.raises(ImmutableError, match="other than the one registered"):
        record_readout("ranker-v2", readout_of(tmp_path, 500, 0.11, other), store=any_store)
    assert experiment_history("ranker-v2", store=any_store) == []
    with pytest.raises(ConfigError):
        record_readout("", done, store=any_store)
    with pytest.raises(NotFoundError):
        experiment_history("nobody", store=any_store)


def test_many_experiments_are_listed_in_the_order_registered(store: Store) -> None:
    names = ["b-test", "a-test", "<script>alert(1)</script>", "c test/../x"]
    for name in names:
        record_experiment_plan(PLAN, name=name, store=store)
    assert [e.name for e in list_experiments(store=store)] == names
    # the registered plan carries its name, so each name has a digest of its own
    assert len({e.plan_digest for e in list_experiments(store=store)}) == len(names)


def test_cli_records_a_readout_and_lists_experiments(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    import yaml

    from assay.cli import main

    plan_path = tmp_path / "plan.yaml"
    plan_path.write_text(yaml.safe_dump(PLAN.to_dict()))
    early, final = tmp_path / "early.csv", tmp_path / "final.csv"
    early.write_text(stats_table(500, 0.11))
    final.write_text(stats_table(2_000, 0.14))
    assert main(["ab", "list"]) == 0
    assert "No A/B experiments are stored" in capsys.readouterr().out
    assert main(["ab", "readout", str(early), "--plan", str(plan_path), "--record"]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "recorded readout 1 of ranker-v2" in out
    assert main(["ab", "readout", str(final), "--plan", str(plan_path), "--record", "--json"]) == 0
    recorded = json.loads(capsys.readouterr().out)["recorded"]
    assert recorded["number"] == 2 and recorded["verdict"] == "SHIP"
    assert recorded["store"].endswith("assay.db")
    assert main(["ab", "list", "--json"]) == 0
    [item] = json.loads(capsys.readouterr().out)["items"]
    assert (item["name"], item["status"], item["readouts"]) == ("ranker-v2", "decided", 2)
    assert item["last_readout"]["digest"] == recorded["digest"]
    assert main(["ab", "list"]) == 0
    table = capsys.readouterr().out
    arm = recorded["arms"][0]
    shown = f"{100 * arm['lift']:+.1f}% [{100 * arm['low']:+.1f}%, {100 * arm['high']:+.1f}%]"
    assert "ranker-v2" in table and "decided" in table and shown in table
    # a different plan under the same name is refused, and nothing more is recorded
    plan_path.write_text(yaml.safe_dump(dataclasses.replace(PLAN, mde=0.3).to_dict()))
    assert main(["ab", "readout", str(final), "--plan", str(plan_path), "--record"]) not in (
        0,
        1,
        2,
    )
    assert "frozen" in capsys.readouterr().err
    assert len(experiment_history("ranker-v2")) == 2
    assert main(["ab", "readout", str(final), "--record"]) not in (0, 1, 2)
    assert "give --plan" in capsys.readouterr().err
