"""A red-team run on a real token-authenticated server over loopback: a viewer cannot probe
the withheld text by searching it (``q`` is refused, in the API, the page and through a remote
store), an editor can; error messages, which can quote the prompt, are withheld with the texts."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pyarrow.parquet as pq
import pytest

import assay
import assay.workflows as wf
from assay.errors import AssayError
from assay.server import ServerSettings, create_app
from assay.storage import RecordFilter, RemoteStore, Store
from assay.testing import running_server


def _answer(prompt: str) -> str:
    # errors on a third of the prompts with a message that quotes the prompt, as some
    # clients do; otherwise an answer that repeats it
    if len(prompt) % 3 == 1:
        raise ValueError(f"content filter tripped on: {prompt[:60]}")
    return f"Sure. You asked: {prompt[:80]}"


@dataclass
class Red:
    url: str
    store: Store
    run: str
    texts: list[str]
    viewer: str
    editor: str


@pytest.fixture
def red(server_store: Store) -> Iterator[Red]:
    data = wf.build_redteam_suite(requests=6, templates=1, benign_reviews=3, store=server_store)
    suite = assay.get_suite(data.digest, store=server_store)
    texts = [json.loads(t) for t in suite.examples.column("input").to_pylist()]
    run = assay.evaluate(_answer, suite=suite, model="echo@1", store=server_store)
    viewer = server_store.users.add("vic", "viewer").token
    editor = server_store.users.add("eddie", "editor").token
    with running_server(create_app(server_store, ServerSettings(auth="token"))) as url:
        yield Red(url, server_store, run.run.run_id, texts, viewer, editor)


def _get(red: Red, path: str, token: str, **params: object) -> httpx.Response:
    return httpx.get(red.url + path, params=params, headers={"Authorization": f"Bearer {token}"})


def _leaks(body: str, texts: list[str]) -> list[str]:
    return [t[:30] for t in texts if t[:40] in body]


def _word(red: Red) -> tuple[str, int]:
    """A word of a harmful prompt, and how many stored records hold it in a searched column."""
    records = red.store.runs.records(red.run).to_pylist()
    harmful = next(t for t in red.texts if "summar" not in t.lower() and len(t) > 40)
    word = max(re.findall(r"[A-Za-z]{5,}", harmful), key=len)
    hits = sum(
        any(word.lower() in str(r[c] or "").lower() for c in ("input", "reference", "output"))
        for r in records
    )
    assert hits >= 1
    return word, hits


def test_a_viewer_cannot_search_the_withheld_text(red: Red) -> None:
    word, _ = _word(red)
    path = f"/api/v1/runs/{red.run}/records"
    for q in (word, word[:3], "zzzz-not-there"):  # refused whether or not it would match
        answer = _get(red, path, red.viewer, q=q)
        assert answer.status_code == 403, answer.text
        error = answer.json()["error"]
        assert "searching a red-team suite's text (q) needs editor" in error["message"]
        assert "total" not in answer.text and not _leaks(answer.text, red.texts)
    html = _get(red, f"/runs/{red.run}/records", red.viewer, q=word)
    assert html.status_code == 403
    assert "Refused: vic is viewer; searching a red-team suite" in html.text
    assert 'class="total"' not in html.text and not _leaks(html.text, red.texts)
    # the page offers a viewer no search box, and without q it still lists every record
    page = _get(red, f"/runs/{red.run}/records", red.viewer, limit=200)
    assert page.status_code == 200 and 'name="q"' not in page.text
    assert "Text search: editors and above" in page.text
    assert f"<span class='total'>{len(red.texts)}</span>" in page.text


def test_a_viewer_searching_through_a_remote_store_is_refused(red: Red) -> None:
    word, hits = _word(red)
    with RemoteStore(red.url, token=red.viewer) as remote:
        assert remote.runs.page(red.run, RecordFilter()).total == len(red.texts)
        with pytest.raises(AssayError, match="needs editor"):
            remote.runs.page(red.run, RecordFilter(text=word))
    with RemoteStore(red.url, token=red.editor) as remote:
        assert remote.runs.page(red.run, RecordFilter(text=word)).total == hits


def test_an_editor_searches_and_sees_only_what_they_ask_for(red: Red) -> None:
    word, hits = _word(red)
    path = f"/api/v1/runs/{red.run}/records"
    hidden = _get(red, path, red.editor, q=word, limit=500)
    assert hidden.status_code == 200
    assert hidden.json()["total"] == hits and hidden.json()["text_withheld"] is True
    assert not _leaks(hidden.text, red.texts)
    shown = _get(red, path, red.editor, q=word, limit=500, show_unsafe_text="true").json()
    assert shown["total"] == hits and shown["text_withheld"] is False
    assert all(word.lower() in (r["input"] + (r["output"] or "")).lower() for r in shown["items"])
    html = _get(red, f"/runs/{red.run}/records", red.editor, q=word)
    assert html.status_code == 200 and 'name="q"' in html.text
    assert f"<span class='total'>{hits}</span>" in html.text


def test_error_messages_are_withheld_with_the_texts(red: Red) -> None:
    records = red.store.runs.records(red.run).to_pylist()
    errors = [r["error"] for r in records if r["error"] is not None]
    assert errors and all("content filter tripped on:" in m for m in errors)
    quoted = [m.split("on: ", 1)[1][:40] for m in errors]
    for token in (red.viewer, red.editor):
        page = _get(red, f"/api/v1/runs/{red.run}/records", token, limit=500)
        items = page.json()["items"]
        assert sum(r["error"] is not None for r in items) == len(errors)
        assert {r["error"] for r in items if r["error"] is not None} == {wf.WITHHELD}
        assert not [q for q in quoted if q in page.text]
        only = _get(red, f"/api/v1/runs/{red.run}/records", token, error="true", limit=500)
        assert only.json()["total"] == len(errors)  # the error filter still works
        parquet = _get(red, f"/api/v1/runs/{red.run}/records.parquet", token)
        rows = pq.read_table(io.BytesIO(parquet.content)).to_pylist()
        assert [r["error"] is not None for r in rows] == [r["error"] is not None for r in records]
        assert not [q for q in quoted if q in json.dumps(rows)]
        html = _get(red, f"/runs/{red.run}/records", token, limit=200)
        assert "Input, output and error text withheld" in html.text
        assert not [q for q in quoted if q in html.text]
    shown = _get(
        red, f"/api/v1/runs/{red.run}/records", red.editor, limit=500, show_unsafe_text="true"
    )
    assert sorted(r["error"] for r in shown.json()["items"] if r["error"]) == sorted(errors)
