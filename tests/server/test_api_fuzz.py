"""The API fuzzed from its own OpenAPI document with schemathesis, over real HTTP: no answer
is a server error, and every answer matches the document (status, media type, schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from assay.core import Verdict
from assay.server import ServerSettings, create_app
from assay.storage import open_store
from assay.storage.wire import PARQUET
from assay.testing import running_server
from assay.testing._stored import make_decision, make_records, make_run, make_suite_model


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over a store holding a suite, two runs and a decision."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    with open_store(f"sqlite:///{folder / 'assay.db'}") as store:
        suite, examples = make_suite_model("fuzz", n=20, seed=1)
        store.suites.put(suite, examples)
        for run_id, seed in (("fuzz-a", 1), ("fuzz-b", 2)):
            records = make_records(20, seed=seed, errors=2)
            store.runs.put(make_run(suite, records, run_id=run_id), records)
        store.decisions.put(
            make_decision("fuzz-a", "fuzz-b", decision_id="fuzz-d", verdict=Verdict.SHIP)
        )
        settings_ = ServerSettings(max_upload_bytes=64 * 1024 * 1024)
        with running_server(create_app(store, settings_)) as url:
            yield url


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: str) -> Any:
    return schemathesis.openapi.from_url(f"{fuzzed_server}/api/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")
# Parquet bodies are generated as arbitrary bytes and sent as they are
schemathesis.serializer.alias(PARQUET, "application/octet-stream")


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_answers_every_generated_request_within_its_document(case: Any) -> None:
    # A document cannot say which runs exist: a well-formed request for an unknown run gets
    # its 404 (or 409 for an ambiguous prefix), which this check would count as a refusal.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
