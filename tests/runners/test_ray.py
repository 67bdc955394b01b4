"""The Ray backend on a real local cluster: the same records as the local runner, latency aside."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import assay
from assay.cli import main
from assay.errors import ConfigError, MissingDependencyError
from assay.runners import (
    CallableAdapter,
    OpenAIAdapter,
    SklearnAdapter,
    evaluate_suite,
    evaluate_suite_ray,
)
from assay.testing import QA_TEMPLATE as TEMPLATE
from assay.testing import synthetic_suite

# find_spec, not importorskip: collecting the suite must not import ray (seconds)
pytestmark = pytest.mark.skipif(
    find_spec("ray") is None, reason="needs ray (pip install 'assay[ray]')"
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """One local cluster with two CPUs for the module (it takes seconds to start)."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        # each worker imports this module the first time it loads an adapter from it: let
        # both do it now, side by side, rather than one after the other in the tests
        evaluate_suite_ray(synthetic_suite(2), CallableAdapter(answer), num_shards=2)
        yield
    finally:
        ray.shutdown()


def number(question: str) -> int:
    return int(question.rsplit(" ", 1)[-1])


def answer(question: str) -> str:
    """Right on two questions in three."""
    i = number(question)
    return f"answer {i}" if i % 3 else f"answer {i + 1}"


def fragile(question: str) -> str:
    """Fails on every seventh question."""
    if number(question) % 7 == 0:
        raise ValueError(f"no answer to {question!r}")
    return answer(question)


def brevity(output: Any, reference: Any) -> float:
    """A scorer override that raises on some outputs (those ending in 5)."""
    if str(output).endswith("5"):
        raise ArithmeticError("outputs ending in 5 are not scored")
    return 1.0 / len(str(output))


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))


def nan_as_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    # a failed record's score is NaN, and NaN != NaN in Arrow's equality
    if pa.types.is_floating(column.type):
        return pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
    return column


def assert_same_records(local: pa.Table, remote: pa.Table) -> None:
    assert remote.schema == local.schema
    assert remote.num_rows == local.num_rows
    for name in local.column_names:
        if name != "latency_ms":
            assert nan_as_null(remote.column(name)).equals(nan_as_null(local.column(name))), name
    assert pc.sum(pc.is_nan(remote.column("latency_ms"))).as_py() == 0


@pytest.mark.parametrize("num_shards", [1, 3])
def test_callable_with_errors_and_samples_matches_local(cluster, num_shards):
    data = synthetic_suite(300, metrics=("accuracy", "brevity"), seed=3)
    adapter = CallableAdapter(fragile)
    settings: dict[str, Any] = {"scorers": {"brevity": brevity}, "batch_size": 16, "samples": 2}
    local = evaluate_suite(data, adapter, **settings)
    progress = Progress()
    remote = evaluate_suite_ray(
        data, adapter, num_shards=num_shards, on_progress=progress, **settings
    )
    assert_same_records(local, remote)
    assert remote.num_rows == 600
    assert progress.calls[-1] == (600, 600) and len(progress.calls) == num_shards
    errors = remote.column("error").to_pylist()
    failed = [i for i in range(300) if i % 7 == 0 or answer(f"q {i}").endswith("5")]
    assert sum(e is not None for e in errors) == 2 * len(failed)
    assert any("ValueError: no answer to" in e for e in errors if e)
    assert any("scorer 'brevity' failed: ArithmeticError" in e for e in errors if e)


def test_sklearn_pipeline_through_evaluate_suite_backend(cluster):
    x, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    model.fit(x.iloc[300:], y.iloc[300:])
    examples = [
        {"example_id": f"p{i:03d}", "input": x.iloc[i].to_dict(), "reference": int(y.iloc[i])}
        for i in range(300)
    ]
    data = assay.make_suite("cancer", examples, metrics=[{"name": "acc", "scorer": "exact_match"}])
    adapter = SklearnAdapter(model, columns=list(x.columns))  # inputs come back key-sorted
    local = evaluate_suite(data, adapter, batch_size=64)
    remote = evaluate_suite(data, adapter, batch_size=64, backend="ray")
    assert_same_records(local, remote)
    predicted = model.predict(x.iloc[:300])
    assert remote.column("output").to_pylist() == [json.dumps(int(v)) for v in predicted]
    assert remote.column("error").null_count == 300


def test_more_shards_than_examples(cluster):
    data = synthetic_suite(5, seed=4)
    progress = Progress()
    remote = evaluate_suite_ray(data, CallableAdapter(answer), num_shards=12, on_progress=progress)
    assert_same_records(evaluate_suite(data, CallableAdapter(answer)), remote)
    assert [done for done, _ in progress.calls] == [1, 2, 3, 4, 5]  # one shard per example


def test_async_adapter_runs_on_the_workers(cluster, server, suite):
    def model() -> OpenAIAdapter:
        return OpenAIAdapter(
            "fake-model",
            base_url=server.url,
            prompt_template=TEMPLATE,
            concurrency=4,
            price_per_1k_input=0.5,
            price_per_1k_output=1.5,
        )

    local = evaluate_suite(suite, model(), samples=2)
    assert server.requests == 24
    remote = evaluate_suite_ray(suite, model(), samples=2, num_shards=3)
    assert server.requests == 48  # every shard asked the server from its worker
    assert_same_records(local, remote)
    assert remote.column("tokens_in").null_count == 0


class Locked:
    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, question: str) -> str:
        with self.lock:
            return answer(question)


def test_unpicklable_adapter_is_a_config_error(cluster):
    data = synthetic_suite(4, seed=5)
    with pytest.raises(ConfigError, match=r"cannot be pickled: TypeError: .*_thread\.lock"):
        evaluate_suite_ray(data, CallableAdapter(Locked()))
    with pytest.raises(ConfigError, match="sends the scorers"):
        evaluate_suite_ray(data, CallableAdapter(answer), scorers={"accuracy": Locked()})


def test_adapter_not_importable_on_workers_is_a_config_error(cluster, tmp_path):
    name = f"gone_{tmp_path.name.replace('-', '_')}"
    source = tmp_path / f"{name}.py"
    source.write_text("def echo(x):\n    return x\n")
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))
    source.unlink()  # pickled by reference, so a worker must import it, and cannot
    with pytest.raises(ConfigError, match=f"cannot load the adapter.*No module named '{name}'"):
        evaluate_suite_ray(synthetic_suite(4, seed=6), CallableAdapter(module.echo))


def test_arguments_and_missing_ray(monkeypatch):
    data = synthetic_suite(4, seed=7)
    adapter = CallableAdapter(answer)
    with pytest.raises(ConfigError, match="'num_shards' parameter of evaluate_suite_ray"):
        evaluate_suite_ray(data, adapter, num_shards=0)
    with pytest.raises(ConfigError, match="Give one of num_cpus or ray_address"):
        evaluate_suite_ray(data, adapter, num_cpus=2, ray_address="auto")
    with pytest.raises(ConfigError, match="'backend' parameter of evaluate_suite"):
        evaluate_suite(data, adapter, backend="spark")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="applies to backend='ray'"):
        evaluate_suite(data, adapter, ray_address="auto")
    with pytest.raises(ConfigError, match="'ray_retries' parameter of evaluate_suite"):
        evaluate_suite(data, adapter, ray_retries=2)
    with pytest.raises(ConfigError, match="'retries' parameter of evaluate_suite_ray"):
        evaluate_suite(data, adapter, backend="ray", ray_retries=-1)
    monkeypatch.setitem(sys.modules, "ray", None)  # what an environment without Ray sees
    with pytest.raises(MissingDependencyError, match=r"pip install 'assay\[ray\]'$"):
        evaluate_suite_ray(data, adapter)


def test_the_old_address_keyword_still_works_with_a_warning():
    data = synthetic_suite(4, seed=7)
    adapter = CallableAdapter(answer)
    with (
        pytest.warns(DeprecationWarning, match="'address' parameter of evaluate_suite_ray"),
        pytest.raises(ConfigError, match="Give one of num_cpus or ray_address"),
    ):
        evaluate_suite_ray(data, adapter, num_cpus=2, address="auto")


MODELS = """\
def answer(question):
    i = int(question.rsplit(" ", 1)[-1])
    return f"answer {i}" if i % 4 else "?"
"""


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of a module of model callables, importable from this process."""
    name = f"cli_models_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(MODELS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), *sys.path]))
    return name


def run_argv(suite: str, model: str, models: str, *extra: str) -> list[str]:
    argv = ["run", "--suite", suite, "--model", model, "--callable", f"{models}:answer"]
    return [*argv, *extra, "--json"]


def stored_records(run_id: str) -> pa.Table:
    store = assay.open_store()
    try:
        return store.runs.records(run_id)
    finally:
        store.close()


def test_cli_run_with_ray_backend_stores_the_local_records(cluster, home, models, capsys):
    data = assay.register_suite(synthetic_suite(120, seed=8))
    runs = {}
    for backend in ("local", "ray"):
        assert main(run_argv(data.digest, f"bot@{backend}", models, "--backend", backend)) == 0
        runs[backend] = json.loads(capsys.readouterr().out)["run"]["run_id"]
    remote = stored_records(runs["ray"])
    assert_same_records(stored_records(runs["local"]), remote)
    assert remote.num_rows == 120
    assert main(run_argv(data.digest, "x@1", models, "--backend", "spark")) == 64


def test_cli_connects_to_a_running_cluster_and_leaves_it_running(cluster, home, models):
    import ray

    data = assay.register_suite(synthetic_suite(50, seed=9))
    local = assay.evaluate(f"{models}:answer", suite=data, model="bot@local").run
    address = ray.get_runtime_context().gcs_address
    argv = run_argv(data.digest, "bot@ray", models, "--backend", "ray", "--ray-address", address)
    script = "import sys; from assay.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", script, *argv], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    remote = json.loads(done.stdout)["run"]["run_id"]
    assert_same_records(stored_records(local.run_id), stored_records(remote))
    assert ray.is_initialized() and ray.cluster_resources()["CPU"] == 2  # only disconnected


def test_cli_ray_retries_is_for_the_ray_backend(home, models, capsys):
    data = assay.register_suite(synthetic_suite(6, seed=9))
    assert main(run_argv(data.digest, "bot@1", models, "--ray-retries", "2")) == 4
    error = json.loads(capsys.readouterr().out)["error"]
    assert "'ray_retries' parameter of evaluate_suite applies to backend='ray'" in error["message"]
