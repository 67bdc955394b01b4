"""MLflow servers that answer wrongly or not at all, and bad arguments: clear errors, nothing
stored (stdlib HTTP servers on loopback; no MLflow needed)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import assay
from assay.errors import ConfigError, DataError, ParameterError, StorageError
from assay.testing import closed_port, make_records, make_run, make_suite_model


def _nothing_stored(store: assay.Store) -> None:
    assert store.runs.list() == []


class _Hostile(BaseHTTPRequestHandler):
    """Answers every request with the server's ``answer``: (status, body)."""

    def _answer(self) -> None:
        status, body = self.server.answer  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (
            (500, b'{"error_code": "INTERNAL_ERROR", "message": "db down"}'),
            StorageError,
            "refused GET .*runs/get.*HTTP 500.*INTERNAL_ERROR: db down",
        ),
        ((200, b"<html>a proxy page</html>"), DataError, "not valid JSON"),
        ((200, b'{"run": {"info": "x"}}'), DataError, "unexpected answer to runs/get"),
        ((200, b"[]"), DataError, "expected a JSON object"),
    ],
)
def test_a_server_answering_wrongly(store, hostile, answer, error, words) -> None:
    hostile.answer = answer  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{hostile.server_address[1]}"
    with pytest.raises(error, match=words):
        assay.import_from_mlflow("abc123", tracking_uri=url, store=store)
    _nothing_stored(store)


def test_an_unreachable_server(store) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(StorageError, match=f"MLflow tracking server at {url} cannot be reached"):
        assay.import_from_mlflow("abc123", tracking_uri=url, store=store)
    _nothing_stored(store)


def test_export_to_a_server_answering_wrongly(store, hostile) -> None:
    suite, examples = make_suite_model(n=20)
    store.suites.put(suite, examples)
    records = make_records(20)
    run = store.runs.put(make_run(suite, records), records)[0]
    hostile.answer = (200, b'{"experiment": {"experiment_id": "1"}, "run": {}}')  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{hostile.server_address[1]}"
    with pytest.raises(DataError, match="unexpected answer to runs/create"):
        assay.export_to_mlflow(run.run_id, tracking_uri=url, store=store)


def test_bad_arguments(store) -> None:
    with pytest.raises(ParameterError, match="'kind' parameter of export_to_mlflow"):
        assay.export_to_mlflow("r", tracking_uri="http://x", kind="study", store=store)
    with pytest.raises(ConfigError, match="http"):
        assay.export_to_mlflow("r", tracking_uri="file:///tmp/mlruns", store=store)
    with pytest.raises(ConfigError, match="two runs"):
        assay.export_to_mlflow("r", tracking_uri="http://x", kind="comparison", store=store)
    with pytest.raises(ParameterError, match="'run_id' parameter of import_from_mlflow"):
        assay.import_from_mlflow(7, tracking_uri="http://x", store=store)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="MLflow run id"):
        assay.import_from_mlflow("../../etc", tracking_uri="http://x", store=store)
    _nothing_stored(store)
