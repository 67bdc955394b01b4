"""A red-team run read through a remote store from a real token-authenticated server over
loopback: ``show_unsafe_text`` does what it says. An editor who asks gets the records' real
texts (export, compare, the CLI); a viewer who asks is refused, naming the
role needed; nobody who does not ask sees a prompt or an answer."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from red_text import cli_through

import assay
import assay.workflows as wf
from assay.core import WITHHELD, WITHHELD_COLUMNS, Comparison
from assay.errors import AccessDeniedError, SmallSliceWarning
from assay.server import ServerSettings, create_app
from assay.storage import RemoteStore, Store
from assay.testing import running_server


def _model(guarded: bool):  # type: ignore[no-untyped-def]
    # answers that repeat the prompt, so that any leaked answer shows prompt text as well
    def model(prompt: str) -> str:
        if guarded and len(prompt) % 3 == 0:
            return "I'm sorry, but I can't help with that."
        return f"Sure. You asked: {prompt[:80]}"

    return model


@dataclass
class Red:
    url: str
    store: Store
    base: str
    cand: str
    outputs: set[str]
    viewer: str
    editor: str


@pytest.fixture
def red(server_store: Store) -> Iterator[Red]:
    data = wf.build_redteam_suite(requests=6, templates=1, benign_reviews=2, store=server_store)
    suite = assay.get_suite(data.digest, store=server_store)
    base = assay.evaluate(_model(False), suite=suite, model="base@1", store=server_store)
    cand = assay.evaluate(_model(True), suite=suite, model="guarded@1", store=server_store)
    outputs = {
        o
        for run in (base, cand)
        for o in server_store.runs.records(run.run.run_id).column("output").to_pylist()
        if o and o.startswith("Sure. You asked: ")
    }
    viewer = server_store.users.add("vic", "viewer").token
    editor = server_store.users.add("eddie", "editor").token
    with running_server(create_app(server_store, ServerSettings(auth="token"))) as url:
        yield Red(url, server_store, base.run.run_id, cand.run.run_id, outputs, viewer, editor)


def _texts(table: pa.Table) -> set[object]:
    return {v for name in WITHHELD_COLUMNS for v in table.column(name).to_pylist()} - {None}


def _flip_outputs(comparison: Comparison) -> set[str | None]:
    return {o for f in comparison.flips for o in (f.baseline_output, f.candidate_output)}


def _compare(red: Red, store: Store, **options: object) -> Comparison:
    with warnings.catch_warnings():  # a few requests per category: small slices
        warnings.simplefilter("ignore", SmallSliceWarning)
        return wf.compare_runs(red.base, red.cand, store=store, **options)  # type: ignore[arg-type]


def test_records_give_the_text_to_an_editor_who_asks(red: Red) -> None:
    stored = red.store.runs.records(red.base)
    assert red.outputs and set(stored.column("output").to_pylist()) & red.outputs
    with RemoteStore(red.url, token=red.editor) as remote:
        assert remote.runs.records(red.base, text=True).equals(stored)
        batches = remote.runs.record_batches(red.base, 5, text=True)
        assert pa.Table.from_batches(list(batches)).equals(stored)
        for hidden in (remote.runs.records(red.base), remote.runs.records(red.base, text=False)):
            assert _texts(hidden) == {WITHHELD}
            assert hidden.drop_columns(list(WITHHELD_COLUMNS)).equals(
                stored.drop_columns(list(WITHHELD_COLUMNS))
            )
    with RemoteStore(red.url, token=red.viewer) as remote:
        assert _texts(remote.runs.records(red.base)) == {WITHHELD}
        with pytest.raises(AccessDeniedError, match=r"vic is viewer; .* needs editor or above"):
            remote.runs.records(red.base, text=True)
        with pytest.raises(AccessDeniedError, match="needs editor or above"):
            list(remote.runs.record_batches(red.base, text=True))


def test_a_database_store_withholds_only_when_told(red: Red) -> None:
    stored = red.store.runs.records(red.base)
    assert red.store.runs.records(red.base, text=True).equals(stored)
    hidden = red.store.runs.records(red.base, text=False)
    assert _texts(hidden) == {WITHHELD}
    assert hidden.column("error").null_count == stored.column("error").null_count
    kept = [c for c in stored.column_names if c not in WITHHELD_COLUMNS]
    assert hidden.select(kept).equals(stored.select(kept))
    batches = pa.Table.from_batches(list(red.store.runs.record_batches(red.base, 4, text=False)))
    assert batches.equals(hidden)


def test_export_and_compare_through_a_server_are_truthful(red: Red, tmp_path: Path) -> None:
    with RemoteStore(red.url, token=red.editor) as remote:
        shown = wf.export_run(red.base, tmp_path / "e.parquet", store=remote, show_unsafe_text=True)
        written = pq.read_table(shown.path)
        assert not shown.withheld and set(written.column("output").to_pylist()) & red.outputs
        assert WITHHELD not in _texts(written)
        hidden = wf.export_run(red.base, tmp_path / "h.parquet", store=remote)
        assert hidden.withheld and _texts(pq.read_table(hidden.path)) == {WITHHELD}
        compared = _compare(red, remote, show_unsafe_text=True)
        assert compared.flips and _flip_outputs(compared) & red.outputs
        assert WITHHELD not in _flip_outputs(compared)
        assert _flip_outputs(_compare(red, remote)) == {WITHHELD}
    local = _compare(red, red.store, show_unsafe_text=True)
    assert local.flips == compared.flips  # the same comparison as on the server's own store
    with RemoteStore(red.url, token=red.viewer) as remote:
        with pytest.raises(AccessDeniedError, match="needs editor or above"):
            wf.export_run(red.base, tmp_path / "v.parquet", store=remote, show_unsafe_text=True)
        assert not (tmp_path / "v.parquet").exists()
        with pytest.raises(AccessDeniedError, match="needs editor or above"):
            _compare(red, remote, show_unsafe_text=True)
        assert _flip_outputs(_compare(red, remote)) == {WITHHELD}


@pytest.mark.slow
def test_the_cli_through_a_server_reveals_only_to_an_editor(red: Red, tmp_path: Path) -> None:
    cli = cli_through(red.url, tmp_path)

    def outputs(path: Path) -> set[str]:
        return {json.loads(line)["output"] for line in path.read_text().splitlines()} - {None}

    flag = "--show-unsafe-text"
    for token, name in ((red.editor, "editor"), (red.viewer, "viewer")):
        out = tmp_path / f"{name}.jsonl"
        done = cli(token, "runs", "export", red.base, "-o", str(out))
        assert done.returncode == 0, done.stderr
        assert outputs(out) == {WITHHELD}
        compared = cli(token, "compare", red.base, red.cand, "--json")
        assert compared.returncode == 0, compared.stderr
        assert WITHHELD in compared.stdout
        assert not any(o in compared.stdout for o in red.outputs)
    out = tmp_path / "shown.jsonl"
    done = cli(red.editor, "runs", "export", red.base, "-o", str(out), flag)
    assert done.returncode == 0, done.stderr
    assert outputs(out) & red.outputs and WITHHELD not in outputs(out)
    compared = cli(red.editor, "compare", red.base, red.cand, "--json", flag)
    assert compared.returncode == 0, compared.stderr
    assert any(json.dumps(o)[1:-1] in compared.stdout for o in red.outputs)
    for args in (("runs", "export", red.base, "-o", "v.jsonl"), ("compare", red.base, red.cand)):
        refused = cli(red.viewer, *args, flag)
        assert refused.returncode == 9, refused.stdout + refused.stderr
        assert "vic is viewer" in refused.stderr and "needs editor or above" in refused.stderr
        assert not any(o in refused.stdout + refused.stderr for o in red.outputs)
    assert not (tmp_path / "v.jsonl").exists()
