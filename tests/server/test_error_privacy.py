"""Errors never show the server's own places or internals, over real HTTP: a store failure
answers one sentence that names the run, digest or upload the request was about and a
reference that the server's log holds with the whole message; any other message has the
server's folders cut out."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from assay.server import ServerSettings, create_app
from assay.server._error_text import ERROR_LOGGER
from assay.storage import Store, open_store
from assay.testing import running_server
from assay.testing._stored import make_records, make_run, make_suite_model


@dataclass
class Served:
    url: str
    store: Store
    folder: Path  # the store's folder on the server
    run_id: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    folder = tmp_path / "server-side"
    with open_store(f"sqlite:///{folder / 'assay.db'}") as store:
        suite, examples = make_suite_model("private", n=12, seed=3)
        store.suites.put(suite, examples)
        records = make_records(12, seed=4)
        store.runs.put(make_run(suite, records, run_id="kept-run"), records)
        with running_server(create_app(store, ServerSettings())) as url:
            yield Served(url, store, folder, "kept-run")


def _error(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    found: dict[str, Any] = answer.json()["error"]
    assert found["status"] == status
    return found


def _no_place(text: str, served: Served) -> None:
    for place in (str(served.folder), str(served.folder.resolve()), tempfile.gettempdir()):
        assert place not in text
    assert "Errno" not in text and "Traceback" not in text


def _record_files(served: Served) -> list[Path]:
    found = [p for p in served.folder.rglob("*.parquet") if "records" in p.parts]
    assert found, list(served.folder.rglob("*"))
    return found


def test_a_missing_record_file_names_the_run_and_logs_the_path(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    for path in _record_files(served):
        path.unlink()
    with caplog.at_level(logging.ERROR, logger=ERROR_LOGGER):
        answer = httpx.get(f"{served.url}/api/v1/runs/{served.run_id}/records")
    error = _error(answer, 503)
    assert error["type"] == "StorageError"
    message = error["message"]
    assert f"the records of run {served.run_id!r}" in message
    _no_place(message, served)
    reference = message.rsplit("reference ", 1)[1].rstrip(".")
    logged = [r.getMessage() for r in caplog.records if r.name == ERROR_LOGGER]
    assert any(reference in line and str(served.folder) in line for line in logged), logged
    # the page of the same records says the same, as HTML, without the place either
    page = httpx.get(f"{served.url}/runs/{served.run_id}/records")
    assert page.status_code == 503
    assert served.run_id in page.text
    _no_place(page.text, served)


def test_an_altered_artifact_names_its_digest_not_its_file(served: Served) -> None:
    payload = b'{"policy": "kept"}'
    digest = served.store.artifacts.put(payload, media_type="application/json")
    assert digest == hashlib.sha256(payload).hexdigest()
    files = [p for p in served.folder.rglob(digest) if p.is_file()]
    assert len(files) == 1
    files[0].write_bytes(b"altered after it was stored")
    answer = httpx.get(f"{served.url}/api/v1/artifacts/{digest}")
    message = _error(answer, 503)["message"]
    assert f"artifact {digest!r}" in message
    _no_place(message, served)


def test_an_upload_that_is_not_parquet_does_not_name_its_spool_file(served: Served) -> None:
    answer = httpx.post(
        f"{served.url}/api/v1/runs",
        content=b"certainly not a Parquet file",
        headers={"Content-Type": "application/vnd.apache.parquet"},
    )
    assert 400 <= answer.status_code < 500, answer.text
    error = answer.json()["error"]
    _no_place(json.dumps(error), served)
    assert "assay-upload-" not in error["message"]


def test_a_failing_database_names_what_was_asked_not_its_sql(served: Served) -> None:
    assert served.store.database_file is not None
    with closing(sqlite3.connect(served.store.database_file)) as conn:
        conn.execute("ALTER TABLE runs RENAME TO runs_gone")
        conn.commit()
    answer = httpx.get(f"{served.url}/api/v1/runs/{served.run_id}")
    message = _error(answer, 503)["message"]
    assert f"run {served.run_id!r}" in message
    _no_place(message, served)
    for internal in ("SQL", "sqlite", "runs_gone", "SELECT", "OperationalError"):
        assert internal not in message


def test_a_folder_is_cut_only_where_its_name_ends() -> None:
    from types import SimpleNamespace

    from assay.server._error_text import without_places

    root = SimpleNamespace(location=lambda relative: "/srv/assay-files/" + relative)
    store = SimpleNamespace(artifacts=SimpleNamespace(root=root), database_file=None)
    state = SimpleNamespace(assay=SimpleNamespace(store=store))
    request = SimpleNamespace(app=SimpleNamespace(state=state))
    message = (
        "Cannot read /srv/assay-files/records/r1.parquet: gone; "
        "see '/srv/assay-files-old/x' and /srv/assay-files"
    )
    assert without_places(message, request) == (
        "Cannot read [a place on the server]: gone; "
        "see '/srv/assay-files-old/x' and [a place on the server]"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/artifacts/..%2F..%2Fassay.db",
        "/api/v1/artifacts/%2e%2e%2f%2e%2e%2fassay.db/info",
        "/api/v1/artifacts/" + "0" * 62 + "%2F..",
        "/api/v1/runs/..%2F..%2Fassay.db/records",
        "/api/v1/suites/..%2Fassay.db",
    ],
)
def test_a_path_given_for_an_id_reaches_no_file(served: Served, path: str) -> None:
    answer = httpx.get(served.url + path)
    assert 400 <= answer.status_code < 500, answer.text
    assert b"SQLite format" not in answer.content
    _no_place(json.dumps(answer.json()), served)
