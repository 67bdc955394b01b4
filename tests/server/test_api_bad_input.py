"""Bad input to the API over real HTTP: each gets one JSON error and leaves the store as it
was (row counts checked)."""

from __future__ import annotations

import datetime
import hashlib
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa

from assay.core import Verdict
from assay.server import ServerSettings, create_app
from assay.storage import RemoteStore, Store, open_store
from assay.storage.wire import DIGEST_HEADER, PARQUET, RUN_KEY, SUITE_KEY, parquet_bytes
from assay.testing import running_server
from assay.testing._stored import make_decision, make_records, make_run, make_suite_model

LIMIT = 64 * 1024


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'server' / 'assay.db'}") as opened:
        yield opened


@pytest.fixture
def url(store: Store) -> Iterator[str]:
    with running_server(create_app(store, ServerSettings(max_upload_bytes=LIMIT))) as base:
        yield base


def _counts(store: Store) -> dict[str, int]:
    assert store.engine is not None
    with store.engine.connect() as conn:
        return {
            table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("suites", "runs", "decisions", "ledger")
        }


def call(
    url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    request = urllib.request.Request(url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _one_error(status: int, found: Any, expected: int) -> dict[str, Any]:
    assert status == expected, found
    assert set(found) == {"error"}
    error: dict[str, Any] = found["error"]
    assert error["status"] == expected and error["message"] and error["type"]
    return error


@pytest.fixture
def stored(url: str, store: Store) -> dict[str, Any]:
    """A suite, two runs and a SHIP decision, stored through the API."""
    remote = RemoteStore(url)
    suite, examples = make_suite_model("bad-input", n=20, seed=1)
    remote.suites.put(suite, examples)
    records = make_records(20, seed=2)
    run = make_run(suite, records, run_id="bad-a")
    remote.runs.put(run, records)
    other = make_records(20, seed=3)
    remote.runs.put(make_run(suite, other, run_id="bad-b"), other)
    decision = make_decision("bad-a", "bad-b", decision_id="bad-decision", verdict=Verdict.SHIP)
    store.decisions.put(decision)  # as recorded; the server stores only verdicts it reaches
    remote.close()
    return {"run": run, "records": records, "decision": decision}


def _run_body(run: Any, records: Any) -> bytes:
    return parquet_bytes(records, {RUN_KEY: run.model_dump_json().encode()})


def test_malformed_json_and_wrong_types_are_422(url: str, store: Store, stored: Any) -> None:
    before = _counts(store)
    path = "/api/v1/decisions/bad-decision/approvals"
    json_type = {"Content-Type": "application/json"}
    status, found = call(url, "POST", path, b'{"role": "safety",', json_type)
    assert "json" in _one_error(status, found, 422)["message"].lower()
    status, found = call(url, "POST", path, json.dumps({"role": ["x"]}).encode(), json_type)
    assert "role" in _one_error(status, found, 422)["message"]
    status, found = call(
        url, "POST", path, json.dumps({"role": "a", "status": "yes"}).encode(), json_type
    )
    _one_error(status, found, 422)
    status, found = call(url, "GET", "/api/v1/runs?limit=many")
    assert "limit" in _one_error(status, found, 422)["message"]
    status, found = call(url, "POST", "/api/v1/runs", b"not parquet", {"Content-Type": PARQUET})
    _one_error(status, found, 422)
    assert _counts(store) == before


def test_examples_with_a_date_column_are_hashed_and_refused_by_their_digest(
    url: str, store: Store, stored: Any
) -> None:
    before = _counts(store)
    suite, examples = make_suite_model("dated", n=5, seed=1)
    day = pa.array([datetime.date(2026, 1, 1)] * 5, pa.date32())
    body = parquet_bytes(
        examples.append_column("added_on", day), {SUITE_KEY: suite.model_dump_json().encode()}
    )
    status, found = call(url, "POST", "/api/v1/suites", body, {"Content-Type": PARQUET})
    assert "examples_digest" in _one_error(status, found, 422)["message"]
    assert _counts(store) == before


def test_an_oversize_upload_is_413_naming_the_limit(url: str, store: Store, stored: Any) -> None:
    before = _counts(store)
    big = make_records(20_000, seed=9)
    body = _run_body(stored["run"].model_copy(update={"run_id": "too-big"}), big)
    assert len(body) > LIMIT
    status, found = call(url, "POST", "/api/v1/runs", body, {"Content-Type": PARQUET})
    assert f"{LIMIT:,} bytes" in _one_error(status, found, 413)["message"]
    # streamed without a Content-Length: counted as it arrives
    host = urllib.parse.urlsplit(url).netloc
    conn = http.client.HTTPConnection(host, timeout=30)
    chunks = (body[i : i + 8192] for i in range(0, len(body), 8192))
    conn.request(
        "POST", "/api/v1/runs", body=chunks, headers={"Content-Type": PARQUET}, encode_chunked=True
    )
    response = conn.getresponse()
    found = json.loads(response.read())
    conn.close()
    assert f"{LIMIT:,} bytes" in _one_error(response.status, found, 413)["message"]
    assert _counts(store) == before


def test_an_upload_whose_digest_does_not_match_is_refused(
    url: str, store: Store, stored: Any
) -> None:
    before = _counts(store)
    run = stored["run"].model_copy(update={"run_id": "digest-liar", "content_digest": ""})
    records = make_records(20, seed=7)
    body = _run_body(run, records)
    wrong = {"Content-Type": PARQUET, DIGEST_HEADER: hashlib.sha256(body + b"x").hexdigest()}
    status, found = call(url, "POST", "/api/v1/runs", body, wrong)
    assert _one_error(status, found, 422)["type"] == "digest_mismatch"
    assert _counts(store) == before


def test_a_run_uploaded_twice_is_stored_once(url: str, store: Store, stored: Any) -> None:
    before = _counts(store)
    body = _run_body(stored["run"], stored["records"])
    headers = {"Content-Type": PARQUET, DIGEST_HEADER: hashlib.sha256(body).hexdigest()}
    status, found = call(url, "POST", "/api/v1/runs", body, headers)
    assert status == 200 and found["created"] is False
    assert found["run"]["run_id"] == "bad-a"
    assert _counts(store) == before


def test_unknown_ids_are_404(url: str, store: Store, stored: Any) -> None:
    before = _counts(store)
    for path in (
        "/api/v1/runs/no-such-run",
        "/api/v1/runs/no-such-run/records",
        "/api/v1/suites/no-such-suite",
        "/api/v1/decisions/no-such-decision",
        "/api/v1/artifacts/" + "0" * 64,
        "/api/v1/comparisons?baseline=no-such-run&candidate=bad-b",
    ):
        status, found = call(url, "GET", path)
        _one_error(status, found, 404)
    status, found = call(
        url,
        "POST",
        "/api/v1/decisions/no-such-decision/approvals",
        json.dumps({"role": "safety"}).encode(),
        {"Content-Type": "application/json"},
    )
    _one_error(status, found, 404)
    assert _counts(store) == before


def test_the_same_approval_twice_is_409_and_appends_nothing(
    url: str, store: Store, stored: Any
) -> None:
    path = "/api/v1/decisions/bad-decision/approvals"
    body = json.dumps({"role": "safety", "note": "ok"}).encode()
    headers = {"Content-Type": "application/json"}
    status, found = call(url, "POST", path, body, headers)
    assert status == 201 and found["kind"] == "approval"
    before = _counts(store)
    status, found = call(url, "POST", path, body, headers)
    assert "already recorded" in _one_error(status, found, 409)["message"]
    assert _counts(store) == before
    (approval,) = store.decisions.approvals("bad-decision")
    assert approval.name == "local"  # the signed-in identity, never a name from the body


def test_an_override_needs_a_reason_and_a_ship_cannot_be_overridden(
    url: str, store: Store, stored: Any
) -> None:
    before = _counts(store)
    path = "/api/v1/decisions/bad-decision/approvals"
    headers = {"Content-Type": "application/json"}
    body = json.dumps({"role": "lead", "status": "override"}).encode()
    _one_error(*call(url, "POST", path, body, headers), 422)
    body = json.dumps({"role": "lead", "status": "override", "note": "why"}).encode()
    assert "SHIP" in _one_error(*call(url, "POST", path, body, headers), 400)["message"]
    body = json.dumps({"role": "lead", "name": "Mallory"}).encode()
    _one_error(*call(url, "POST", path, body, headers), 422)
    assert _counts(store) == before
