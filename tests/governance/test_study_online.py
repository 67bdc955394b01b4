"""An online study: its A/B plan registered with it (inline or by name), its evidence read from
the experiment's stored readouts, and the study's deviations from what was stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.errors import ConfigError, NotFoundError
from assay.online import ExperimentPlan
from assay.storage import Store
from assay.workflows import (
    get_experiment,
    read_out_experiment,
    record_experiment,
    register_study,
    study_status,
)

STUDY = """\
name: checkout-v2
hypothesis: The one-page checkout raises conversion by at least 1 point.
owner: Ana Lima
deadline: "2099-03-01"
experiment:
  name: checkout-v2
  hypothesis: The one-page checkout raises conversion.
  primary_metric: {metric}
  mde: 0.01
  mde_relative: false
  sample_size_per_arm: 15000
primary_metric: converted
minimum_effect: 0.01
decision_rule: default
sample_size:
  method: ab_proportion
  baseline_rate: 0.1
kill_criteria: [conversion falls by more than 1 point]
"""


def _readout(tmp_path: Path, plan: ExperimentPlan, n: int):  # type: ignore[no-untyped-def]
    path = tmp_path / f"readout-{n}.csv"
    path.write_text(
        "metric,arm,n,sum,sum_squares\n"
        f"converted,control,{n},{0.10 * n},{0.10 * n}\n"
        f"converted,treatment,{n},{0.115 * n},{0.115 * n}\n"
    )
    return read_out_experiment(path, plan=plan)


def test_an_online_study_reads_its_experiment(study_store: Store, tmp_path: Path):
    path = tmp_path / "study.yaml"
    path.write_text(STUDY.format(metric="conversion"))
    with pytest.raises(ConfigError, match="is not the experiment's"):
        register_study(path, store=study_store)
    assert study_store.decisions.ledger() == []
    with pytest.raises(NotFoundError):
        get_experiment("checkout-v2", store=study_store)
    path.write_text(STUDY.format(metric="converted"))
    registration, _ = register_study(path, store=study_store)
    size = registration.sample_size
    assert size.method.endswith("(units per arm)") and size.required > 10_000
    plan = ExperimentPlan.from_dict(registration.experiment_plan or {})
    assert get_experiment("checkout-v2", store=study_store)["status"] == "planned"
    status = study_status("checkout-v2", store=study_store)
    assert status.kind == "online" and status.evidence is None and status.deviations == []
    record_experiment(_readout(tmp_path, plan, 4000), store=study_store)
    status = study_status("checkout-v2", store=study_store)
    evidence = status.evidence
    assert evidence is not None and evidence["n"] == 4000 and evidence["readouts"] == 1
    assert evidence["difference"] == pytest.approx(0.15)  # relative lift: 11.5% over 10%
    assert [d.kind for d in status.deviations] == ["sample_size"]
    assert f"of the planned {size.planned:,}" in status.deviations[0].message


def test_an_inline_plan_clashing_with_a_stored_experiment_records_nothing(
    study_store: Store, tmp_path: Path
):
    from assay.errors import ImmutableError
    from assay.workflows import record_experiment_plan

    other = ExperimentPlan(name="checkout-v2", hypothesis="Another", primary_metric="converted")
    record_experiment_plan(other, store=study_store)
    path = tmp_path / "study.yaml"
    path.write_text(STUDY.format(metric="converted"))
    with pytest.raises(ImmutableError, match="stored with another plan"):
        register_study(path, store=study_store)
    assert study_store.decisions.ledger() == []
    bad = STUDY.format(metric="converted").replace("  mde: 0.01\n", "  mde: 0.01\n  colour: red\n")
    path.write_text(bad)
    with pytest.raises(ConfigError, match="experiment: Unknown experiment-plan fields: colour"):
        register_study(path, store=study_store)
