"""`assay compare`, `assay gate` and `assay report` read an embedded store with sqlite3 alone, and
compare exactly what the typed path (SQLAlchemy, ``open_store``) compares: the same runs, suites
and records, so the same comparison byte for byte, the same verdict and report files, and the
same error for a reference that names no run or several."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assay
from assay.core import Run, Suite
from assay.errors import AssayError, AssayWarning, SelfComparisonWarning
from assay.storage._run_reading import read_run_pair
from assay.testing import synthetic_records, synthetic_suite
from assay.workflows import compare_stored, gate_stored

SRC = str(Path(assay.__file__).resolve().parents[1])

HOSTILE = "qa\x1b[2J\u202e\x07"
"""A name with an escape sequence, a bidirectional override and a bell."""
MODELS = ("m@1", "m@2", "m_x:/.-@v%_\\'1", 'Q@v\u202e"x')


@pytest.fixture(scope="module")
def store(module_home: Path) -> Iterator[dict[str, Any]]:
    """Six runs of two suites: a model version run twice, hostile model names and tags, a
    run tagged after it was stored."""
    home = module_home
    first = synthetic_suite(30, name=HOSTILE, metrics=("accuracy", "score"), seed=1)
    second = synthetic_suite(30, name="bench", metrics=("accuracy",), seed=2)
    ids = []
    runs = [(first, 0), (first, 1), (first, 2), (second, 3), (second, 0), (first, 3)]
    for seed, (data, model) in enumerate((data, MODELS[i]) for data, i in runs):
        records = synthetic_records(data, seed=seed, accuracy=0.6 + 0.05 * seed)
        tags = {"owner": f"q\u202e{seed}\x1b[31m"} if seed % 2 else None
        ids.append(assay.log_run(records, suite=data, model=model, tags=tags).run.run_id)
    assay.tag_run(ids[1], {"stage": "retagged", "owner": "x"})
    yield {"home": home, "ids": ids}


def _outcome(call: Any) -> tuple[str, str]:
    """A comparison as ``--json`` writes it (less the time it was made), or its error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", AssayWarning)
            found = call()
    except (AssayError, AssayWarning) as exc:
        return type(exc).__name__, str(exc)
    return "comparison", json.dumps(found.model_dump(mode="json", exclude={"created_at"}))


def _same_on_both_paths(baseline: str, candidate: str) -> None:
    kwargs: dict[str, Any] = {"resamples": 200, "max_flips": 5}
    plain = _outcome(lambda: compare_stored(baseline, candidate, **kwargs))
    typed = _outcome(
        lambda: assay.compare_runs(baseline, candidate, store=assay.open_store(), **kwargs)
    )
    assert plain == typed


def _refs(ids: list[str]) -> st.SearchStrategy[str]:
    hostile = st.text(alphabet="ab0123%_\\@'\" m\x1b\u202e", max_size=6)
    prefixes = st.builds(lambda i, n: ids[i][:n], st.integers(0, len(ids) - 1), st.integers(1, 4))
    upper = prefixes.map(str.upper)
    return st.one_of(st.sampled_from([*ids, *MODELS, "m@3", ""]), prefixes, upper, hostile)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_plain_comparison_equals_the_typed_one(store: dict[str, Any], data: st.DataObject):
    refs = _refs(store["ids"])
    _same_on_both_paths(data.draw(refs), data.draw(refs))


def test_every_pair_of_runs_compares_alike(store: dict[str, Any]):
    # runs of one suite, of two suites, a run with itself, a retagged run, hostile names
    ids = store["ids"]
    for baseline, candidate in [(ids[0], ids[1]), (ids[1], ids[2]), (ids[3], ids[4])]:
        _same_on_both_paths(baseline, candidate)
    _same_on_both_paths(ids[2], ids[2])
    _same_on_both_paths(ids[0][:8], MODELS[2])
    _same_on_both_paths(ids[0], MODELS[0])  # model and version of two runs: ambiguous


def test_the_plain_path_reads_the_runs_the_typed_path_gets(store: dict[str, Any]):
    # the comparison above would pass if the plain path always gave way: here it must answer
    ids = store["ids"]
    for baseline, candidate in [(ids[0], ids[1]), (ids[1][:6].upper(), MODELS[2])]:
        pair = read_run_pair(baseline, candidate)
        assert pair is not None
        for rows, ref in ((pair.baseline, baseline), (pair.candidate, candidate)):
            typed = assay.get_run(ref)
            assert Run.model_validate(rows.data).model_dump_json() == typed.model_dump_json()
            suite = assay.open_store().suites.get(typed.suite_digest)
            assert Suite.model_validate_json(rows.suite_definition) == suite
    retagged = read_run_pair(ids[1], ids[0])
    assert retagged is not None
    assert retagged.baseline.data["tags"] == {"owner": "x", "stage": "retagged"}
    # names of no run or of several, and blank ones, are left to the typed path
    for ref in (MODELS[0], "%", "_", "nosuch", " ", ids[0][:1] + "%"):
        assert read_run_pair(ref, ids[1]) is None, ref


def _copy(store: dict[str, Any], folder: Path) -> tuple[Path, str]:
    """A copy of the store's database file in ``folder``, and its URL."""
    database = folder / "assay.db"
    with sqlite3.connect(store["home"] / "assay.db") as source, sqlite3.connect(database) as copy:
        source.backup(copy)
    return database, f"sqlite:///{database}"


def test_another_schema_revision_or_file_root_takes_the_typed_path(
    store: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    ids = store["ids"]
    database, url = _copy(store, tmp_path)
    assert read_run_pair(ids[0], ids[1], url=url) is not None
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'older'")
    conn.close()
    assert read_run_pair(ids[0], ids[1], url=url) is None
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(store["home"]))
    assert read_run_pair(ids[0], ids[1]) is None
    _same_on_both_paths(ids[0], ids[1])


def test_a_locked_database_is_left_to_the_typed_path_after_a_short_wait(
    store: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # the typed path waits the store's own busy timeout and reports a lock that outlasts it;
    # the sqlite3 read must give up well before, or a locked store's error comes twice as late
    from assay.storage import _run_listing, read_run_data
    from assay.storage._engine import BUSY_TIMEOUT_MS
    from assay.storage._query import RunQuery

    assert _run_listing.READ_BUSY_TIMEOUT_S * 1000 <= BUSY_TIMEOUT_MS / 10
    ids = store["ids"]
    database, url = _copy(store, tmp_path)
    assert read_run_pair(ids[0], ids[1], url=url) is not None
    assert _run_listing.list_run_json(RunQuery(), url=url) is not None
    monkeypatch.setattr(_run_listing, "READ_BUSY_TIMEOUT_S", 0.05)  # every sqlite3 read's
    holder = sqlite3.connect(database, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        assert read_run_pair(ids[0], ids[1], url=url) is None
        assert _run_listing.list_run_json(RunQuery(), url=url) is None
        assert read_run_data(ids[0], url=url) is None
    finally:
        holder.close()
    assert read_run_pair(ids[0], ids[1], url=url) is not None


def _gated(call: Any, output: Path) -> tuple[str, ...]:
    """A gating as ``assay gate --json`` writes it (less the time it was made) with the text of
    its report files and the warnings given, or its error."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gated = call(output)
    except AssayError as exc:
        return type(exc).__name__, str(exc)
    said = [f"{w.category.__name__}: {w.message}" for w in caught]
    made = gated.comparison.created_at.isoformat(timespec="seconds")
    texts = [
        f"{key}={path.relative_to(output)}:{path.read_text().replace(made, '<made>')}"
        for key, path in sorted(gated.files.items())
    ]
    comparison = gated.comparison.model_dump(mode="json", exclude={"created_at"})
    verdict, policy = gated.verdict.model_dump(mode="json"), gated.policy.model_dump(mode="json")
    return "gated", json.dumps([comparison, verdict, policy, said]), *texts


def _gates_alike(baseline: str, candidate: str, tmp: Path, **kwargs: Any) -> tuple[str, ...]:
    plain = _gated(lambda out: gate_stored(baseline, candidate, output=out, **kwargs), tmp / "p")
    typed = _gated(
        lambda out: assay.gate_runs(
            baseline, candidate, output=out, store=assay.open_store(), **kwargs
        ),
        tmp / "t",
    )
    assert plain == typed
    return plain


def test_the_plain_gating_equals_the_typed_one(store: dict[str, Any], tmp_path: Path):
    # the same comparison, verdict and reports; the same refusal of a name of no run or of
    # several, or of a run compared with itself
    ids = store["ids"]
    kwargs: dict[str, Any] = {"max_flips": 3, "rng": 4}
    assert _gates_alike(ids[0], ids[1], tmp_path / "a", **kwargs)[0] == "gated"
    assert _gates_alike(ids[3], ids[4], tmp_path / "b", policy="safety")[0] == "gated"
    assert len(_gates_alike(ids[1][:6].upper(), MODELS[2], tmp_path / "c")) == 5  # 3 files
    assert _gates_alike(ids[0], ids[5], tmp_path / "d", shared_only=True)[0] == "gated"
    assert _gates_alike(ids[0], ids[3], tmp_path / "g", shared_only=True)[0] == "DataError"
    assert "SelfComparisonWarning" in _gates_alike(ids[2], ids[2], tmp_path / "e")[1]
    for baseline, candidate in [(ids[0], MODELS[0]), ("nosuch", ids[1])]:
        assert _gates_alike(baseline, candidate, tmp_path / "f")[0] != "gated"


def test_the_plain_gating_reads_without_the_store_layer(store: dict[str, Any], tmp_path: Path):
    # it really took the plain path: a fresh interpreter gates without SQLAlchemy
    ids = store["ids"]
    code = (
        "import sys\n"
        "from assay.workflows import gate_stored\n"
        f"gated = gate_stored({ids[0]!r}, {ids[1]!r}, output={str(tmp_path)!r})\n"
        "assert sorted(gated.files) == ['memo', 'report_html', 'report_md'], gated.files\n"
        "print(sorted(m for m in ('sqlalchemy', 'alembic') if m in sys.modules))"
    )
    env = {**os.environ, "ASSAY_HOME": str(store["home"]), "PYTHONPATH": SRC}
    env.pop("ASSAY_DB", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]"]


def test_a_run_compared_with_itself_is_warned_about_at_the_call(store: dict[str, Any]):
    # the warning names the line that compared, as compare_runs's does: a loop of comparisons
    # warns at each call site, and a filter by module sees the caller's
    run = store["ids"][2]
    for call in (compare_stored, gate_stored):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(run, run, max_flips=0)
        where = [w.filename for w in caught if issubclass(w.category, SelfComparisonWarning)]
        assert where == [__file__], call
