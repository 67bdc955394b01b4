"""Hostile JSON from an MLflow server (deep nesting, huge or infinite numbers) and tables whose
score columns collide: one DataError naming the resource, nothing stored (stdlib HTTP server on
loopback; no MLflow needed)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assay
from assay.errors import DataError
from assay.importers import read_mlflow_run
from assay.importers._common import as_float

_RUN_ID = "abc123"
_ARTIFACTS = f"mlflow-artifacts:/1/{_RUN_ID}/artifacts"


def _run(listed: bool = True) -> bytes:
    tags = []
    if listed:
        logged = [{"path": "eval_results_table.json", "type": "table"}]
        tags.append({"key": "mlflow.loggedArtifacts", "value": json.dumps(logged)})
    info = {"run_id": _RUN_ID, "artifact_uri": _ARTIFACTS, "run_name": "r"}
    return json.dumps({"run": {"info": info, "data": {"tags": tags}}}).encode()


def _table(rows: str) -> bytes:
    return (
        '{"columns": ["inputs", "acc/score", "latency", "token_count"], "data": ' + rows + "}"
    ).encode()


class _Routed(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes: dict[str, bytes] = self.server.routes  # type: ignore[attr-defined]
        key = next((k for k in routes if k in self.path), None)
        body = routes[key] if key else b"{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    served = ThreadingHTTPServer(("127.0.0.1", 0), _Routed)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield served
    served.shutdown()
    served.server_close()


def _import(server: ThreadingHTTPServer, store: assay.Store, routes: dict[str, bytes]) -> Any:
    server.routes = routes  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{server.server_address[1]}"
    return assay.import_from_mlflow(_RUN_ID, tracking_uri=url, store=store)


_GOOD = '[["a", 1.0, 0.5, 3], ["b", 0, 0.25, 4]]'


@pytest.mark.parametrize(
    ("routes", "words"),
    [
        ({"runs/get": b'{"run":' + b"[" * 100_000}, r"runs/get.*nested more than 64"),
        ({"runs/get": b'{"run": ' + b"[" * 70 + b"]" * 70 + b"}"}, "nested more than 64"),
        ({"runs/get": b'{"run": {"x": ' + b"9" * 5000 + b"}}"}, r"runs/get.*out of range"),
        ({"runs/get": _run(), "eval_results": b"[" * 100_000}, r"run abc123.*nested"),
        ({"runs/get": _run(), "eval_results": _table('[["a", 1' + "0" * 400 + "]]")}, "range"),
        ({"runs/get": _run(), "eval_results": _table('[["a", 1e400, 1, 1]]')}, "1e400"),
        ({"runs/get": _run(), "eval_results": _table('[["a", 1, -1e999, 1]]')}, "range"),
        ({"runs/get": _run(), "eval_results": _table('[["a", 1, 1, 1' + "0" * 30 + "]]")}, "range"),
        ({"runs/get": _run(), "eval_results": _table('[["a", NaN, 1, 1]]')}, "NaN"),
        ({"runs/get": _run(listed=False), "artifacts?": b"[" * 100_000}, "artifacts.*nested"),
        ({"runs/get": _run(listed=False), "artifacts?": b"[1]"}, "artifact listing"),
    ],
)
def test_hostile_json_is_one_data_error(server, store, routes, words) -> None:
    with pytest.raises(DataError, match=words):
        _import(server, store, routes)
    assert store.runs.list() == []


def test_a_good_table_still_imports(server, store) -> None:
    logged = _import(server, store, {"runs/get": _run(), "eval_results": _table(_GOOD)})
    assert logged.run.n_records == 2
    records = store.runs.records(logged.run.run_id)
    pairs = zip(
        records.column("acc").to_pylist(), records.column("tokens_out").to_pylist(), strict=True
    )
    assert sorted(pairs) == [(0.0, 4), (1.0, 3)]


def _mlflow_run() -> dict[str, Any]:
    return {"info": {"run_id": _RUN_ID, "artifact_uri": _ARTIFACTS}, "data": {}}


def test_a_token_count_out_of_range_names_the_field() -> None:
    table = {"columns": ["inputs", "acc/score", "token_count"], "data": [["a", 1, 10**30]]}
    with pytest.raises(DataError, match="token_count") as caught:
        read_mlflow_run(_mlflow_run(), table, tracking_uri="http://x")
    assert "run abc123" in str(caught.value)


def test_an_integer_beyond_a_float_is_no_score() -> None:
    assert as_float(10**400) is None
    assert as_float(-(10**400)) is None
    assert as_float(3) == 3.0


@pytest.mark.parametrize("pair", [("a-b", "a_b"), ("acc", "acc "), ("x.y", "x y")])
def test_score_columns_that_become_one_metric_are_refused(pair: tuple[str, str]) -> None:
    first, second = pair
    table = {
        "columns": ["inputs", f"{first}/score", f"{second}/score"],
        "data": [["a", 1, 0], ["b", 0, 1]],
    }
    with pytest.raises(DataError, match="both become the metric"):
        read_mlflow_run(_mlflow_run(), table, tracking_uri="http://x")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
        max_leaves=40,
    ),
    st.integers(min_value=0, max_value=200),
)
def test_fuzzed_answers_store_a_run_or_raise_a_data_error(server, store, value, depth) -> None:
    body = b"[" * depth + json.dumps(value).encode() + b"]" * depth
    for routes in ({"runs/get": body}, {"runs/get": _run(), "eval_results": body}):
        with contextlib.suppress(DataError):
            _import(server, store, routes)
    assert store.runs.list() == []


def _bare_run(data: Any) -> bytes:
    info = {"run_id": _RUN_ID, "artifact_uri": _ARTIFACTS, "run_name": "r"}
    return json.dumps({"run": {"info": info, "data": data}}).encode()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"key": st.text(max_size=12)},
            optional={
                "value": st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                "step": st.integers() | st.text(max_size=3),
                "timestamp": st.integers() | st.none(),
            },
        )
        | st.integers()
        | st.text(max_size=4),
        max_size=6,
    ),
    st.lists(
        st.fixed_dictionaries({"key": st.text(max_size=12), "value": st.text(max_size=20)}),
        max_size=4,
    ),
)
def test_a_run_without_a_table_keeps_only_finite_numbers_or_raises(
    server, store, metrics, params
) -> None:
    """Hostile metric and param lists of a run without a table: a summary whose metrics are
    finite numbers or None, or one DataError naming the run; never a run."""
    routes = {
        "runs/get": _bare_run({"metrics": metrics, "params": params}),
        "artifacts?": b'{"files": []}',
    }
    try:
        summary = _import(server, store, routes)
    except DataError as exc:
        assert _RUN_ID in str(exc)
    else:
        assert isinstance(summary, assay.workflows.MlflowSummary)
        for value in summary.metrics.values():
            assert value is None or (isinstance(value, float) and abs(value) < float("inf"))
    assert store.runs.list() == []
