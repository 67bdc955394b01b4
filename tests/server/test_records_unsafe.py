"""A red-team run on a real server over loopback: the records API (JSON and Parquet), the
records page and the paired-examples page withhold every prompt and answer by default; only
an editor or above who asks (``show_unsafe_text=true``) sees them, a viewer who asks is refused."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import httpx
import pyarrow.parquet as pq
import pytest
from red_team_echo import EDITOR, VIEWER, echo_model, role_settings

import assay
import assay.workflows as wf
from assay.server import create_app
from assay.storage import Store
from assay.testing import running_server


@pytest.fixture
def red(server_store: Store) -> Iterator[tuple[str, list[str], str, str]]:
    data = wf.build_redteam_suite(requests=6, templates=1, benign_reviews=2, store=server_store)
    suite = assay.get_suite(data.digest, store=server_store)
    texts = [json.loads(t) for t in suite.examples.column("input").to_pylist()]
    base = assay.evaluate(echo_model(False), suite=suite, model="base@1", store=server_store)
    cand = assay.evaluate(echo_model(True), suite=suite, model="guarded@1", store=server_store)
    with running_server(create_app(server_store, role_settings())) as url:
        yield url, texts, base.run.run_id, cand.run.run_id


def _leaks(body: str, texts: list[str]) -> list[str]:
    return [t[:30] for t in texts if t[:40] in body]


def _pages(url: str, base: str, cand: str, extra: str = "") -> list[str]:
    pages = [f"{url}/runs/{base}/records?limit=200{extra}"]
    pages += [
        f"{url}/compare/examples?baseline={base}&candidate={cand}&metric=attack_success"
        f"&kind={kind}{extra}"
        for kind in ("improved", "both_wrong", "both_right", "unchanged")
    ]
    return pages


def test_default_views_hold_no_prompt_text(red) -> None:  # type: ignore[no-untyped-def]
    url, texts, base, cand = red
    for headers in (VIEWER, EDITOR):
        answer = httpx.get(f"{url}/api/v1/runs/{base}/records?limit=500", headers=headers)
        assert answer.status_code == 200
        body = answer.json()
        assert body["total"] == len(texts) and body["text_withheld"] is True
        assert not _leaks(answer.text, texts)
        assert all(r["input"] == wf.WITHHELD for r in body["items"])
        parquet = httpx.get(f"{url}/api/v1/runs/{base}/records.parquet", headers=headers)
        assert parquet.status_code == 200
        rows = pq.read_table(io.BytesIO(parquet.content)).to_pylist()
        assert len(rows) == len(texts)
        assert not _leaks(json.dumps(rows), texts)
        for address in _pages(url, base, cand):
            html = httpx.get(address, headers=headers)
            assert html.status_code == 200, address
            assert "text withheld" in html.text, address
            assert not _leaks(html.text, texts), address


def test_an_editor_who_asks_sees_the_text(red) -> None:  # type: ignore[no-untyped-def]
    url, texts, base, cand = red
    answer = httpx.get(
        f"{url}/api/v1/runs/{base}/records?limit=500&show_unsafe_text=true", headers=EDITOR
    )
    assert answer.status_code == 200 and answer.json()["text_withheld"] is False
    shown = [json.loads(r["input"]) for r in answer.json()["items"]]
    assert sorted(shown) == sorted(texts)
    html = httpx.get(_pages(url, base, cand, "&show_unsafe_text=true")[0], headers=EDITOR)
    assert html.status_code == 200 and "text withheld" not in html.text
    assert _leaks(html.text, texts)


def test_a_viewer_who_asks_is_refused(red) -> None:  # type: ignore[no-untyped-def]
    url, texts, base, cand = red
    for address in [
        f"{url}/api/v1/runs/{base}/records?show_unsafe_text=true",
        f"{url}/api/v1/runs/{base}/records.parquet?show_unsafe_text=true",
        *_pages(url, base, cand, "&show_unsafe_text=true"),
    ]:
        answer = httpx.get(address, headers=VIEWER)
        assert answer.status_code == 403, address
        assert not _leaks(answer.text, texts)
