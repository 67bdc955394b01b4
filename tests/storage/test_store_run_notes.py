"""Tags and notes added to stored runs: kept beside the run, never changing it."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import assay
from assay.cli import main
from assay.errors import ConfigError, NotFoundError
from assay.storage import RunQuery, Store
from assay.testing import make_records, make_run, synthetic_records, synthetic_suite
from assay.testing import make_suite_model as make_suite


def _stored(store: Store, run_id: str = "run-a", **tags: str) -> str:
    suite, examples = make_suite("qa")
    store.suites.put(suite, examples)
    records = make_records(20)
    store.runs.put(make_run(suite, records, run_id=run_id, tags=tags), records)
    return run_id


def test_tags_are_added_and_changed_without_touching_the_run(store: Store) -> None:
    run_id = _stored(store, stage="candidate")
    before = store.runs.get(run_id)
    records = store.runs.records(run_id)
    run, changes = store.runs.tag(run_id, {"stage": "shipped", "owner": "ml"})
    assert [(c.key, c.value, c.previous) for c in changes] == [
        ("stage", "shipped", "candidate"),
        ("owner", "ml", None),
    ]
    assert run.tags == {"stage": "shipped", "owner": "ml"}
    after = store.runs.get(run_id)
    assert after.tags == run.tags
    assert after.manifest == before.manifest and after.content_digest == before.content_digest
    assert store.runs.records(run_id).equals(records)
    # listings show and filter on the tags as they are now
    [listed] = store.runs.list()
    assert listed.tags == {"stage": "shipped", "owner": "ml"}
    assert [r.run_id for r in store.runs.list(RunQuery(tags={"owner": "ml"}))] == [run_id]
    assert store.runs.list(RunQuery(tags={"stage": "shipped", "owner": "ml"}))[0].run_id == run_id
    # the same value again is no change
    _, again = store.runs.tag(run_id, {"owner": "ml"})
    assert again == []


def test_notes_are_kept_in_order(store: Store) -> None:
    run_id = _stored(store)
    store.runs.tag(run_id, {"stage": "x"})  # tag changes share the sequence, not the list
    first = store.runs.note(run_id, "looks good on tweets")
    second = store.runs.note(run_id[:5], "\x1b[31mred\x1b[0m and ünïcode")
    notes = store.runs.notes(run_id)
    assert [n.text for n in notes] == ["looks good on tweets", "\x1b[31mred\x1b[0m and ünïcode"]
    assert notes[0].sequence == first.sequence < second.sequence
    assert notes[0].created_at <= notes[1].created_at


@pytest.mark.parametrize(
    ("tags", "match"),
    [
        ({"": "v"}, "keyed by text of 1-200 characters without '='"),
        ({"a=b": "v"}, "without '='. Got 'a=b'"),
        ({"k" * 201: "v"}, r"Got 'kkk.*\(201 characters\)'"),
        ({"k": "v" * 501}, "text values of at most 500 characters"),
        ({"k": 3}, r"text values of at most 500 characters \(tag 'k'\)\. Got 3\."),
    ],
)
def test_bad_tags_are_refused(store: Store, tags: dict[str, object], match: str) -> None:
    run_id = _stored(store)
    with pytest.raises(ConfigError, match=match) as info:
        store.runs.tag(run_id, tags)
    assert "The 'tags' parameter of tag_run must be" in str(info.value)  # type: ignore[arg-type]
    assert store.runs.get(run_id).tags == {}


def test_bad_notes_and_unknown_runs_are_refused(store: Store) -> None:
    run_id = _stored(store)
    for text in ("", "   ", "x" * 10_001):
        with pytest.raises(ConfigError, match="A note is text of 1 to 10,000 characters"):
            store.runs.note(run_id, text)
    with pytest.raises(NotFoundError):
        store.runs.note("nothing", "text")
    assert store.runs.notes(run_id) == []


def test_cli_tag_note_and_reingest(home: Path, tmp_path: Path, capsys) -> None:
    data = synthetic_suite(30, seed=2)
    path = tmp_path / "r.parquet"
    pq.write_table(synthetic_records(data, seed=1), path)
    assay.register_suite(data)
    argv = ["ingest", str(path), "--suite", data.digest, "--model", "bot@1"]
    assert main([*argv, "--tag", "stage=candidate"]) == 0
    run_id = assay.list_runs()[0].run_id
    capsys.readouterr()
    # the identical file again, with a new tag: the tag is set on the stored run, and said so
    assert main([*argv, "--tag", "stage=shipped", "--tag", "team=ml"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "already stored" in out and "stage=shipped (was candidate), team=ml" in out
    assert assay.get_run(run_id).tags == {"stage": "shipped", "team": "ml"}
    assert len(assay.list_runs()) == 1
    assert main(["runs", "tag", "bot@1", "reviewed=yes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["changes"] == [{"key": "reviewed", "value": "yes", "previous": None}]
    assert main(["runs", "tag", "bot@1", "novalue"]) == 4
    capsys.readouterr()
    assert main(["runs", "note", run_id[:8], "gate passed; watch tweets"]) == 0
    assert "note added to run" in capsys.readouterr().out
    assert main(["runs", "note", "bot@1", "--json"]) == 0
    [note] = json.loads(capsys.readouterr().out)
    assert note["text"] == "gate passed; watch tweets" and note["run_id"] == run_id
    assert assay.note_run(assay.get_run(run_id), "\x1b]0;owned\x07").run_id == run_id
    assert main(["runs", "note", "bot@1"]) == 0
    shown = capsys.readouterr().out
    assert "\x1b" not in shown and "owned" in shown
    tagged = assay.tag_run(assay.list_runs()[0], {"stage": "retired"})
    assert [c.previous for c in tagged.changes] == ["shipped"]


def test_concurrent_notes_are_all_kept(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    run_id = _stored(store)
    texts = [f"note {i}" for i in range(24)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda t: store.runs.note(run_id, t), texts))
    notes = store.runs.notes(run_id)
    assert sorted(n.text for n in notes) == sorted(texts)
    assert len({n.sequence for n in notes}) == len(texts)
