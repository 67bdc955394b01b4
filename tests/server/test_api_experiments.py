"""Stored A/B experiments over real HTTP: a readout recorded on request (editors only), the
list of experiments, one experiment's frozen plan and its readouts over time."""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest
import yaml

from assay.online import ExperimentPlan
from assay.server import Role, ServerSettings, create_app
from assay.storage import Store
from assay.testing import running_server
from assay.workflows import experiment_history, list_experiments

HEADER = "X-Forwarded-User"
PLAN = ExperimentPlan(
    name="ranker <v2>/eu",
    hypothesis="The new ranker raises conversion.",
    primary_metric="converted",
    mde=0.1,
    sample_size_per_arm=2_000,
)


def data(n: int, rate_t: float) -> str:
    return (
        "metric,arm,n,sum,sum_squares\n"
        f"converted,control,{n},{0.10 * n},{0.10 * n}\n"
        f"converted,treatment,{n},{rate_t * n},{rate_t * n}\n"
    )


def body(n: int, rate_t: float, plan: ExperimentPlan = PLAN, **extra: object) -> dict[str, object]:
    return {"data_csv": data(n, rate_t), "plan_yaml": yaml.safe_dump(plan.to_dict()), **extra}


@pytest.fixture
def roles_server(server_store: Store) -> Iterator[str]:
    """A server whose users are named by a proxy header: an editor and a viewer."""
    settings = ServerSettings(
        auth="header",
        auth_header=HEADER,
        header_roles={"ed": Role.editor, "vera": Role.viewer},
    )
    with running_server(create_app(server_store, settings)) as url:
        yield url


def post(url: str, user: str, payload: dict[str, object]) -> httpx.Response:
    return httpx.post(
        url + "/api/v1/experiments/readout", json=payload, headers={HEADER: user}, timeout=60
    )


def test_recorded_readouts_are_listed_and_kept_in_order(
    roles_server: str, server_store: Store
) -> None:
    # a viewer may read out, but not record
    assert post(roles_server, "vera", body(500, 0.11)).status_code == 200
    refused = post(roles_server, "vera", body(500, 0.11, record=True))
    assert refused.status_code == 403
    assert refused.json()["error"]["type"] == "forbidden"
    assert list_experiments(store=server_store) == []

    first = post(roles_server, "ed", body(500, 0.11, record=True))
    assert first.status_code == 200, first.text
    assert first.json()["recorded"]["number"] == 1
    assert "store" not in first.json()["recorded"]
    second = post(roles_server, "ed", body(2_000, 0.14, record=True)).json()["recorded"]
    assert second["number"] == 2 and second["verdict"] == "SHIP"

    listed = httpx.get(roles_server + "/api/v1/experiments", headers={HEADER: "vera"}).json()
    [item] = listed["items"]
    assert (item["name"], item["status"], item["readouts"]) == (PLAN.name, "decided", 2)
    assert item["last_readout"]["digest"] == second["digest"]
    assert listed["next_cursor"] is None

    path = "/api/v1/experiments/" + urllib.parse.quote(PLAN.name, safe="")
    detail = httpx.get(roles_server + path, headers={HEADER: "vera"}).json()
    assert detail["plan"] == PLAN.to_dict()
    assert detail["plan_digest"] == item["plan_digest"] == second["plan_digest"]
    stored = experiment_history(PLAN.name, store=server_store)
    assert detail["history"] == stored
    assert [h["n_by_arm"]["treatment"] for h in detail["history"]] == [500, 2_000]


def test_a_registered_plan_is_frozen_and_mistakes_are_one_clear_error(
    roles_server: str,
) -> None:
    assert post(roles_server, "ed", body(500, 0.11, record=True)).status_code == 200
    changed = dataclasses.replace(PLAN, mde=0.2)
    frozen = post(roles_server, "ed", body(500, 0.11, changed, record=True))
    assert frozen.status_code == 409
    assert "frozen" in frozen.json()["error"]["message"]
    # the same readout under a new name registers a new experiment
    renamed = post(roles_server, "ed", body(500, 0.11, changed, record=True, name="ranker-v3"))
    assert renamed.status_code == 200 and renamed.json()["recorded"]["experiment"] == "ranker-v3"
    no_plan = post(roles_server, "ed", {"data_csv": data(500, 0.11), "record": True})
    assert no_plan.status_code == 422
    assert no_plan.json()["error"]["message"] == "record needs the plan: send plan_yaml."
    missing = httpx.get(roles_server + "/api/v1/experiments/nobody", headers={HEADER: "vera"})
    assert missing.status_code == 404
    assert set(missing.json()["error"]) == {"type", "message", "status"}
