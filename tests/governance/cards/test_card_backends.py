"""The same card, verification and datasheet on PostgreSQL and through a team server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from card_evidence import log_rule

import assay
from assay.server import ServerSettings, create_app
from assay.storage import RemoteStore, Store, open_store
from assay.testing import running_server
from assay.workflows import card_state, model_card, suite_datasheet

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "remote-sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_migrated_url")
        with open_store(url, artifacts=str(tmp_path / "files")) as store:
            yield store
        return
    with (
        open_store(f"sqlite:///{tmp_path / 'server' / 'assay.db'}") as own,
        running_server(create_app(own, ServerSettings())) as url,
    ):
        remote = open_store(url)
        assert isinstance(remote, RemoteStore)
        yield remote
        remote.close()


def test_card_publish_verify_and_datasheet(backend: Store, adult_sample, tmp_path: Path):
    assay.register_suite(adult_sample, store=backend)
    base = log_rule(adult_sample, "income-rule@1.0", "v1", backend).run
    cand = log_rule(adult_sample, "income-rule@2.0", "v2", backend).run
    assay.decide(base.run_id, cand.run_id, output=tmp_path / "r", store=backend)
    result = model_card("income-rule@2.0", format="json", publish=True, store=backend)
    assert result.entry is not None and result.entry.payload["card_digest"] == result.card.digest
    assert result.card.runs[0].metrics[0].estimate == cand.metrics["accuracy"].estimate
    assert len(result.card.decisions) == 1 and result.card.decisions[0].differences
    state = card_state("income-rule@2.0", store=backend)
    assert (state.present, state.current) == (True, True), state.reason
    assay.decide(cand.run_id, base.run_id, output=tmp_path / "r2", store=backend)
    state = card_state("income-rule@2.0", store=backend)
    assert not state.current and "added" in state.reason
    sheet = suite_datasheet("adult-income", store=backend).datasheet
    assert sheet.facts.n_examples == adult_sample.suite.n_examples
    assert sheet.models == ["income-rule@1.0", "income-rule@2.0"]
