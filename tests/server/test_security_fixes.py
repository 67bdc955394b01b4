"""Hostile uploads and requests over real HTTP: the server computes what it stores from what
it received, bounds what it reads, and answers one JSON error."""

from __future__ import annotations

import base64
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import sqlalchemy as sa

from assay.core import Decision, Verdict, VerdictResult
from assay.errors import GateError
from assay.gates import default_policy, policy_to_yaml
from assay.server import ServerSettings, create_app
from assay.server._errors import MAX_JSON_BYTES, install_error_handlers
from assay.storage import RemoteStore, Store, open_store
from assay.storage.wire import PARQUET, SUITE_KEY, parquet_bytes
from assay.testing import running_server
from assay.testing._gated import gated_decision
from assay.testing._stored import make_decision, make_records, make_run, make_suite_model


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'server' / 'assay.db'}") as opened:
        yield opened


@pytest.fixture
def url(store: Store) -> Iterator[str]:
    with running_server(create_app(store, ServerSettings())) as base:
        yield base


@pytest.fixture
def remote(url: str) -> Iterator[RemoteStore]:
    client = RemoteStore(url)
    yield client
    client.close()


def counts(store: Store) -> dict[str, int]:
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
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def one_error(status: int, found: Any, expected: int) -> dict[str, Any]:
    assert status == expected, found
    assert set(found) == {"error"}
    error: dict[str, Any] = found["error"]
    assert error["status"] == expected and error["message"] and error["type"]
    return error


def test_a_run_uploaded_under_another_runs_digest_does_not_take_its_place(
    remote: RemoteStore, tmp_path: Path
) -> None:
    suite, examples = make_suite_model("squat", n=20, seed=1)
    records = make_records(20, seed=2)
    genuine = make_run(suite, records, run_id="genuine", content_digest="")
    # the digest the server computes for the genuine run, from a scratch store of its own
    with open_store(f"sqlite:///{tmp_path / 'scratch.db'}") as scratch:
        scratch.suites.put(suite, examples)
        claimed = scratch.runs.put(genuine, records)[0].content_digest
    forged_records = records.set_column(
        records.column_names.index("accuracy"), "accuracy", pa.array([1.0] * records.num_rows)
    )
    forged = genuine.model_copy(update={"run_id": "forged", "content_digest": claimed})
    remote.suites.put(suite, examples)
    stored_forged, _ = remote.runs.put(forged, forged_records)
    assert stored_forged.content_digest != claimed
    got, created = remote.runs.put(genuine, records)
    assert created is True and got.run_id == "genuine" and got.content_digest == claimed
    served = remote.runs.records("genuine").column("accuracy")
    assert pc.mean(served).as_py() == pc.mean(records.column("accuracy")).as_py()
    again, created = remote.runs.put(genuine, records)
    assert created is False and again.run_id == "genuine"


def test_a_suite_whose_examples_are_not_its_digest_is_refused(
    url: str, store: Store, remote: RemoteStore
) -> None:
    suite, examples = make_suite_model("claimed", n=20, seed=1)
    forged = examples.set_column(
        examples.column_names.index("reference"), "reference", pa.array([9] * examples.num_rows)
    )
    before = counts(store)
    for claimed, table in (
        (suite, forged),
        (suite.model_copy(update={"examples_digest": "f" * 64}), examples),
    ):
        body = parquet_bytes(table, {SUITE_KEY: claimed.model_dump_json().encode()})
        status, found = call(url, "POST", "/api/v1/suites", body, {"Content-Type": PARQUET})
        assert "examples_digest" in one_error(status, found, 422)["message"]
    assert counts(store) == before
    assert remote.suites.put(suite, examples) is True
    assert remote.suites.put(suite, examples) is False
    assert (
        remote.suites.examples(suite.digest)
        .column("reference")
        .equals(examples.column("reference"))
    )


def _gate_pair(remote: RemoteStore) -> tuple[str, str]:
    """A suite and two runs on it, the candidate much worse: the default policy blocks it."""
    suite, examples = make_suite_model("gated", n=200, seed=1)
    remote.suites.put(suite, examples)
    ids = []
    for run_id, correct in (("base", 190), ("cand", 120)):
        records = make_records(200, seed=2).append_column("lang", examples.column("lang"))
        accuracy = pa.array([1.0] * correct + [0.0] * (200 - correct))
        records = records.set_column(records.column_names.index("accuracy"), "accuracy", accuracy)
        stored, _ = remote.runs.put(make_run(suite, records, run_id=run_id), records)
        ids.append(stored.run_id)
    return ids[0], ids[1]


def _put(url: str, decision: Decision) -> tuple[int, Any]:
    body = decision.model_dump_json().encode()
    headers = {"Content-Type": "application/json"}
    return call(url, "PUT", f"/api/v1/decisions/{decision.decision_id}", body, headers)


def test_a_decision_claiming_another_verdict_than_its_runs_give_is_refused(
    url: str, store: Store, remote: RemoteStore
) -> None:
    baseline, candidate = _gate_pair(remote)
    honest = gated_decision(remote, baseline, candidate, decision_id="honest")
    assert honest.verdict == Verdict.BLOCK
    claimed = VerdictResult.model_validate_json(remote.artifacts.get(honest.artifacts["verdict"]))
    shipped = claimed.model_copy(update={"verdict": Verdict.SHIP, "summary": "SHIP: fine"})
    forged = gated_decision(remote, baseline, candidate, decision_id="forged", verdict=shipped)
    relabelled = honest.model_copy(
        update={"decision_id": "relabelled", "verdict": Verdict.SHIP, "summary": "SHIP: fine"}
    )
    rules = [r.model_copy(update={"outcome": "pass", "blocking": False}) for r in claimed.rules]
    passing = gated_decision(
        remote,
        baseline,
        candidate,
        decision_id="passing",
        verdict=claimed.model_copy(update={"rules": rules}),
    )
    text = policy_to_yaml(default_policy()).replace("min_slice_size: 30", "min_slice_size: 3")
    assert text != policy_to_yaml(default_policy())
    other_policy = gated_decision(
        remote, baseline, candidate, decision_id="other-policy", policy_yaml=text
    )
    before = counts(store)
    for bad in (forged, relabelled, passing, other_policy):
        one_error(*_put(url, bad), 422)
    with pytest.raises(GateError, match="not stored"):
        remote.decisions.put(forged)
    assert counts(store) == before
    status, found = _put(url, honest)
    assert status == 201 and found["kind"] == "decision"
    assert store.decisions.get("honest").verdict == Verdict.BLOCK


def _alias_bomb(levels: int = 6) -> str:
    """A few hundred bytes that expand to millions of strings (9 ** levels)."""
    items = ['&a0 ["' + "x" * 60 + '"]']
    items += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "name: [" + ", ".join(items) + "]\n"


def test_a_policy_yaml_alias_bomb_is_one_short_error(url: str, remote: RemoteStore) -> None:
    baseline, candidate = _gate_pair(remote)
    bomb = _alias_bomb()
    assert len(bomb) < 1000
    body = json.dumps({"baseline": baseline, "candidate": candidate, "policy_yaml": bomb})
    status, found = call(
        url, "POST", "/api/v1/verdicts", body.encode(), {"Content-Type": "application/json"}
    )
    assert len(json.dumps(found)) < 2000
    one_error(status, found, 422)
    # a policy field holding a huge value is quoted briefly
    huge = "name: " + "x" * 100_000 + "\nconfidence: [" + ", ".join(["1"] * 20_000) + "]\n"
    body = json.dumps({"baseline": baseline, "candidate": candidate, "policy_yaml": huge})
    status, found = call(
        url, "POST", "/api/v1/verdicts", body.encode(), {"Content-Type": "application/json"}
    )
    assert len(json.dumps(found)) < 2000
    assert status in (400, 422)
    one_error(status, found, status)


def test_non_upload_bodies_are_capped_at_one_mebibyte(url: str, store: Store) -> None:
    before = counts(store)
    big = json.dumps({"baseline": "x" * (MAX_JSON_BYTES + 10), "candidate": "y"}).encode()
    host = urllib.parse.urlsplit(url).netloc
    # refused on its Content-Length, before the body is sent
    conn = http.client.HTTPConnection(host, timeout=30)
    conn.putrequest("POST", "/api/v1/verdicts")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(len(big)))
    conn.endheaders()
    response = conn.getresponse()
    found = json.loads(response.read())
    conn.close()
    assert f"{MAX_JSON_BYTES:,} bytes" in one_error(response.status, found, 413)["message"]
    # streamed without a Content-Length: counted as it arrives
    conn = http.client.HTTPConnection(host, timeout=30)
    chunks = (big[i : i + 65536] for i in range(0, len(big), 65536))
    conn.request(
        "POST",
        "/api/v1/verdicts",
        body=chunks,
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    response = conn.getresponse()
    found = json.loads(response.read())
    conn.close()
    assert f"{MAX_JSON_BYTES:,} bytes" in one_error(response.status, found, 413)["message"]
    assert counts(store) == before


def _nested(depth: int) -> dict[str, Any]:
    payload: dict[str, Any] = {"state": "alarm"}
    for _ in range(depth - 1):
        payload = {"inner": payload}
    return payload


def test_a_deep_or_huge_challenge_is_refused_and_the_ledger_stays_readable(
    url: str, store: Store
) -> None:
    suite, examples = make_suite_model("challenged", n=20, seed=1)
    store.suites.put(suite, examples)
    for run_id, seed in (("ch-a", 2), ("ch-b", 3)):
        records = make_records(20, seed=seed)
        store.runs.put(make_run(suite, records, run_id=run_id), records)
    store.decisions.put(make_decision("ch-a", "ch-b", decision_id="challenged"))
    before = counts(store)
    path = "/api/v1/decisions/challenged/challenges"
    headers = {"Content-Type": "application/json"}
    for payload in (_nested(450), _nested(33), {"log": "x" * (70 * 1024)}):
        status, found = call(url, "POST", path, json.dumps(payload).encode(), headers)
        assert status in (400, 422), found
        one_error(status, found, status)
    assert counts(store) == before
    status, found = call(url, "POST", path, json.dumps(_nested(31)).encode(), headers)
    assert status == 201, found
    status, found = call(url, "GET", "/api/v1/ledger")
    assert status == 200 and [e["kind"] for e in found["items"]] == ["decision", "challenge"]


def test_an_unexpected_failure_answers_the_json_error_shape() -> None:
    from fastapi import FastAPI

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret /srv/path in a traceback")

    app.state.assay = type("S", (), {"settings": ServerSettings()})()
    with running_server(app) as base:
        status, found = call(base, "GET", "/boom")
    assert "secret" not in one_error(status, found, 500)["message"]


@pytest.mark.parametrize("offset", [10**19, 1e300, True, "5", -1, None])
def test_a_forged_runs_cursor_is_one_422(url: str, offset: object) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()
    status, found = call(url, "GET", f"/api/v1/runs?cursor={cursor}")
    assert "bad cursor" in one_error(status, found, 422)["message"]


@pytest.fixture
def token_url(store: Store) -> Iterator[tuple[str, str]]:
    token = store.users.add("ed", "editor").token
    with running_server(create_app(store, ServerSettings(auth="token"))) as base:
        yield base, token


def _session(url: str, token: str) -> httpx.Client:
    client = httpx.Client(base_url=url)
    csrf = re.search(r"name=csrf_token value='(\w+)'", client.get("/login").text)
    assert csrf is not None
    assert client.post("/login", data={"token": token, "csrf_token": csrf[1]}).status_code == 303
    return client


def test_a_signed_in_browsers_form_post_to_the_api_needs_the_csrf_header(
    token_url: tuple[str, str],
) -> None:
    url, token = token_url
    with closing(_session(url, token)) as client:
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = client.post("/api/v1/artifacts", content=b"a=b", headers=form)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["status"] == 403


def test_a_signed_out_browser_asking_for_a_page_is_sent_to_sign_in(
    token_url: tuple[str, str],
) -> None:
    url, token = token_url
    html = {"Accept": "text/html,application/xhtml+xml"}
    answer = httpx.get(url + "/runs?model=a&sort=-created_at", headers=html)
    assert answer.status_code == 303
    target = urllib.parse.urlsplit(answer.headers["location"])
    assert target.path == "/login"
    assert urllib.parse.parse_qs(target.query) == {"next": ["/runs?model=a&sort=-created_at"]}
    # the API, and a client that does not ask for HTML, still get the JSON 401
    assert httpx.get(url + "/api/v1/runs", headers=html).status_code == 401
    assert httpx.get(url + "/runs").status_code == 401
    # signing in on that page comes back to the page
    with closing(httpx.Client(base_url=url)) as client:
        login = client.get(answer.headers["location"]).text
        csrf = re.search(r"name=csrf_token value='(\w+)'", login)
        assert csrf is not None
        data = {"token": token, "csrf_token": csrf[1], "next": "/runs?model=a&sort=-created_at"}
        signed = client.post("/login", data=data)
        assert signed.status_code == 303 and signed.headers["location"].startswith("/runs")


def test_a_missing_artifact_names_its_digest_and_no_server_path(url: str, tmp_path: Path) -> None:
    missing = "0" * 64
    for path in (f"/api/v1/artifacts/{missing}", f"/api/v1/artifacts/{missing}/info"):
        status, found = call(url, "GET", path)
        message = one_error(status, found, 404)["message"]
        assert missing in message
        assert str(tmp_path) not in message and "/" not in message.replace(path, "")
