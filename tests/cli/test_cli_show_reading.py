"""`assay runs show` reads a run of an embedded store with sqlite3 alone and shows exactly what
the typed path (SQLAlchemy, ``open_store``) shows: the same run with its manifest and its tags
now, the same repeated-samples summary, and the same error for a reference that names no run
or several."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assay
from assay.cli import main
from assay.errors import AssayError, ParameterError
from assay.storage import read_run_data
from assay.testing import synthetic_records, synthetic_suite
from assay.workflows import diff_stored_runs, get_stored_run

HOSTILE = "qa\x1b[2J\u202e\x07"
"""A name with an escape sequence, a bidirectional override and a bell."""
MODELS = ("m@1", "m@2", "m_x:/.-@v%_\\'1", 'Q@v\u202e"x')


@pytest.fixture(scope="module")
def store(module_home: Path) -> Iterator[dict[str, Any]]:
    """Five runs: a model version run twice, hostile model names and tags, a run tagged after
    it was stored, a run with three samples of every example."""
    home = module_home
    data = synthetic_suite(30, name=HOSTILE, metrics=("accuracy", "score"), seed=1)
    ids = []
    for seed, model in enumerate((MODELS[0], MODELS[1], MODELS[2], MODELS[3], MODELS[0])):
        records = synthetic_records(data, seed=seed, samples=3 if seed == 3 else 1)
        tags = {"owner": f"q\u202e{seed}\x1b[31m"} if seed % 2 else None
        ids.append(assay.log_run(records, suite=data, model=model, tags=tags).run.run_id)
    assay.tag_run(ids[1], {"stage": "retagged", "owner": "x"})
    yield {"home": home, "ids": ids}


def _outcome(call: Any) -> tuple[str, str]:
    """A run as ``--json`` writes it, or its error."""
    try:
        return "run", call().model_dump_json()
    except AssayError as exc:
        return type(exc).__name__, str(exc)


def _same_on_both_paths(ref: str) -> tuple[str, str]:
    plain = _outcome(lambda: get_stored_run(ref))
    typed = _outcome(lambda: assay.get_run(ref, store=assay.open_store()))
    assert plain == typed
    return plain


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_plain_run_equals_the_typed_one(store: dict[str, Any], data: st.DataObject):
    ids = store["ids"]
    hostile = st.text(alphabet="ab0123%_\\@'\" m\x1b\u202e", max_size=6)
    prefixes = st.builds(lambda i, n: ids[i][:n], st.integers(0, len(ids) - 1), st.integers(1, 4))
    refs = st.one_of(
        st.sampled_from([*ids, *MODELS, "m@3", ""]), prefixes, prefixes.map(str.upper), hostile
    )
    _same_on_both_paths(data.draw(refs))


def test_the_plain_path_answers_what_it_can_and_leaves_the_rest(store: dict[str, Any]):
    # the equality above would hold if the plain path always gave way: here it must answer
    ids = store["ids"]
    for ref in (ids[0], ids[1][:6].upper(), MODELS[2], MODELS[3]):
        found = read_run_data(ref)
        assert found is not None, ref
        assert _same_on_both_paths(ref)[0] == "run"
    assert read_run_data(ids[1]) is not None
    assert get_stored_run(ids[1]).tags == {"owner": "x", "stage": "retagged"}
    # names of no run or of several, and blank ones, are the typed path's to explain
    for ref in (MODELS[0], "%", "_", "nosuch", " ", ids[0][:1] + "%"):
        assert read_run_data(ref) is None, ref
    assert _same_on_both_paths(MODELS[0])[0] == "AmbiguousReferenceError"
    assert _same_on_both_paths("nosuch")[0] == "NotFoundError"


def _edited_copy(store: dict[str, Any], folder: Path, ref: str, edit: str) -> str:
    """The URL of a copy of the store's database in ``folder``, its run ``ref`` read with
    sqlite3 before ``edit`` (a statement; ``?`` is the run's id) is applied to it."""
    database = folder / "assay.db"
    with sqlite3.connect(store["home"] / "assay.db") as source, sqlite3.connect(database) as copy:
        source.backup(copy)
    copy.close()
    url = f"sqlite:///{database}"
    assert read_run_data(ref, url=url) is not None
    with sqlite3.connect(database) as conn:
        conn.execute(edit, (ref,) if "?" in edit else ())
    conn.close()
    return url


def test_another_schema_revision_takes_the_typed_path(store: dict[str, Any], tmp_path: Path):
    ref = store["ids"][2]
    url = _edited_copy(store, tmp_path, ref, "UPDATE alembic_version SET version_num = 'older'")
    assert read_run_data(ref, url=url) is None


def _on_both_paths(
    argv: list[str],
    store: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """What the command ``argv`` prints (it succeeds), the same on the sqlite3 path and on
    the typed one (a store the standard library does not read: files kept elsewhere)."""
    assert main(argv) == 0
    plain = capsys.readouterr()
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(store["home"]))
    assert main(argv) == 0
    typed = capsys.readouterr()
    assert plain.out == typed.out and plain.err == typed.err
    return plain


@pytest.mark.parametrize("index", [0, 1, 3])
@pytest.mark.parametrize("json", [False, True])
def test_the_command_shows_the_same_on_both_paths(
    store: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    index: int,
    json: bool,
):
    # a plain run, a retagged one, one with repeated samples (summarised from its records)
    argv = ["runs", "show", store["ids"][index][:8], *(["--json"] if json else [])]
    plain = _on_both_paths(argv, store, capsys, monkeypatch)
    if index == 3:
        assert ("repeated_samples" if json else "repeated samples") in plain.out


@pytest.mark.parametrize("pair", [(0, 4), (1, 3), (2, 2)])
@pytest.mark.parametrize("options", [[], ["--json"], ["--all"]])
def test_the_manifests_differ_alike_on_both_paths(
    store: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pair: tuple[int, int],
    options: list[str],
):
    ids = store["ids"]
    argv = ["runs", "diff", ids[pair[0]][:8], ids[pair[1]], *options]
    plain = _on_both_paths(argv, store, capsys, monkeypatch)
    if pair == (1, 3):  # two models' runs: their manifests differ (the model at least)
        if options == ["--json"]:
            assert "model.name" in [d["field"] for d in json.loads(plain.out)]
        else:  # the table's heads name the runs' models
            assert "m@2" in plain.out and "The manifests are identical" not in plain.out


def test_a_reference_of_several_runs_is_explained_alike(
    store: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    for argv in (["runs", "show", MODELS[0]], ["runs", "diff", store["ids"][2], MODELS[0]]):
        code = main(argv)
        plain = capsys.readouterr()
        with monkeypatch.context() as patch:
            patch.setenv("ASSAY_ARTIFACTS", str(store["home"]))
            assert main(argv) == code != 0
            typed = capsys.readouterr()
        assert plain.err == typed.err and "AmbiguousReferenceError" in plain.err


def test_a_home_folder_in_a_url_is_read_as_sqlalchemy_reads_it(
    store: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    # "~" in a sqlite URL is a folder of that name to SQLAlchemy, not the home folder: the
    # plain path must not find a store the typed path cannot open
    monkeypatch.setenv("HOME", str(store["home"].parent))
    monkeypatch.chdir(tmp_path)
    url = "sqlite:///~/.assay/assay.db"
    assert read_run_data(store["ids"][0], url=url) is None
    argv = ["runs", "show", store["ids"][0], "--db", url]
    code = main(argv)
    plain = capsys.readouterr()
    monkeypatch.setenv("ASSAY_ARTIFACTS", str(store["home"]))
    assert main(argv) == code != 0
    assert capsys.readouterr().err == plain.err


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE runs SET info = json_set(info, '$.tags.owner', 7) WHERE run_id = :run",
        "UPDATE run_tags SET value = x'78' WHERE run_id = :run AND key = 'owner'",
    ],
)
def test_tags_that_are_not_text_are_left_to_the_typed_path(
    store: dict[str, Any], tmp_path: Path, edit: str
):
    # merging the later tags before validating equals merging them after only for text
    run = store["ids"][1]
    url = _edited_copy(store, tmp_path, run, edit.replace(":run", "?"))
    assert read_run_data(run, url=url) is None


def test_a_wrong_argument_is_named_with_its_function():
    with pytest.raises(ParameterError, match="'ref' parameter of get_stored_run"):
        get_stored_run(42)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'url' parameter of get_stored_run"):
        get_stored_run("x", url=42)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'a' parameter of diff_stored_runs"):
        diff_stored_runs(1, "x")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'b' parameter of diff_stored_runs"):
        diff_stored_runs("x", None)  # type: ignore[arg-type]
