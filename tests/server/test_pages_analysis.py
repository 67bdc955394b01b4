"""The dashboard's analysis pages on a real server over loopback: a run's stored analysis
(slices with intervals and the method, fix list, failure clusters, contamination, suite
integrity) with the counts of the stored artifacts, linked from the run and compare pages;
what is not stored is named with its command; a red-team suite's cluster names are withheld."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from analysis_store import PLANTED, by_length, planted_runs
from red_team_echo import EDITOR, VIEWER, echo_model, role_settings

import assay
import assay.workflows as wf
from assay.server import create_app
from assay.storage import Store
from assay.testing import running_server


def _rows(html: str, cls: str) -> int:
    """Rows in the body of the page's table of class ``cls`` (0 when there is none)."""
    found = re.search(rf'<table class="{cls}">.*?<tbody>(.*?)</tbody>', html, re.S)
    return 0 if found is None else found.group(1).count("<tr>")


def _found(html: str, section: str) -> int:
    found = re.search(rf'<section id="{section}">.*?<span class="found">(\d+)</span>', html, re.S)
    assert found is not None, section
    return int(found.group(1))


def test_nothing_stored_names_the_commands(live_server: str, server_store: Store) -> None:
    digest, base, cand = planted_runs(server_store)
    run_page = httpx.get(f"{live_server}/runs/{cand}").text
    assert f'href="/runs/{cand}/analysis"' in run_page
    compare = httpx.get(f"{live_server}/compare?baseline={base}&candidate={cand}").text
    assert f'href="/runs/{cand}/analysis?against={base}"' in compare
    answer = httpx.get(f"{live_server}/runs/{cand}/analysis?against={base}")
    assert answer.status_code == 200
    page = answer.text
    assert f"assay analyze {cand} --against {base}</code>" in page
    assert "assay contamination planted@1 --corpus FILE</code>" in page
    # registration stored the fast checks: the page shows them, not a command
    stored = wf.stored_suite_check(digest, store=server_store)
    assert stored is not None and _found(page, "checks") == len(stored.findings)
    assert _rows(page, "findings") == len(stored.findings) >= 1
    assert httpx.get(f"{live_server}/runs/{cand}/analysis?artifact=00ff").status_code == 404
    assert httpx.get(f"{live_server}/runs/nope/analysis").status_code == 404


def test_counts_on_the_page_equal_the_stored_artifacts(
    live_server: str, server_store: Store, tmp_path: Path
) -> None:
    digest, base, cand = planted_runs(server_store)
    wf.analyze_run(cand, taxonomy=True, embed=by_length, store=server_store)  # errors only
    paired = wf.analyze_run(cand, against=base, taxonomy=True, embed=by_length, store=server_store)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("word " * 20 + "\n" + "another line of text\n")
    wf.suite_contamination(digest, [corpus], run=cand, store=server_store)
    wf.suite_check(digest, store=server_store)  # every check, stored
    page = httpx.get(f"{live_server}/runs/{cand}/analysis?against={base}").text
    stored = wf.find_analysis(cand, against=base, store=server_store)
    assert stored is not None and stored["artifact"] == paired.artifact
    d, fixes, clusters = stored["discovery"], stored["fix_list"], stored["taxonomy"]
    assert paired.artifact[:12] in page and PLANTED in page
    assert _found(page, "slices") == _rows(page, "slices") == len(d["slices"]) >= 1
    assert f"{d['candidates']:,} slices of up to" in page and "Welch t" in page
    assert "Benjamini–Hochberg" in page
    s = d["slices"][0]
    assert f"+{s['effect']:.3f} [+{s['low']:.3f}, +{s['high']:.3f}]" in page
    assert _found(page, "fixes") == _rows(page, "fixes") == len(fixes["problems"])
    assert _found(page, "taxonomy") == _rows(page, "clusters") == len(clusters["clusters"])
    contamination = wf.latest_contamination(server_store, digest)
    assert contamination is not None and contamination["artifact"][:12] in page
    for status, n in contamination["counts"].items():
        assert f'<td>{status}</td><td class="num">{n:,}</td>' in page
    checked = wf.stored_suite_check(digest, store=server_store)
    assert checked is not None and "near_duplicates" in checked.checks
    assert _rows(page, "findings") == len(checked.findings)
    assert "Stored analyses of this run (2)" in page
    # the run page's link shows the newest analysis, whatever its baseline
    newest = httpx.get(f"{live_server}/runs/{cand}/analysis").text
    assert paired.artifact[:12] in newest
    # the other one by its artifact
    first = wf.recent_analyses(cand, store=server_store)[1][-1]
    old = httpx.get(f"{live_server}/runs/{cand}/analysis?artifact={first['artifact']}").text
    assert _rows(old, "slices") == len(first["discovery"]["slices"])
    assert "errors of this run" in old
    suite_page = httpx.get(f"{live_server}/suites/{digest}").text
    assert _rows(suite_page, "findings") == len(checked.findings)
    assert httpx.get(f"{live_server}/runs/{base}/analysis").text.count("No analysis is stored") == 1


@pytest.fixture
def red(server_store: Store) -> Iterator[tuple[str, str, list[str]]]:
    data = wf.build_redteam_suite(requests=6, templates=1, benign_reviews=2, store=server_store)
    suite = assay.get_suite(data.digest, store=server_store)
    base = assay.evaluate(echo_model(False), suite=suite, model="base@1", store=server_store)
    cand = assay.evaluate(echo_model(True), suite=suite, model="guarded@1", store=server_store)
    found = wf.analyze_run(
        cand.run.run_id,
        against=base.run.run_id,
        taxonomy=True,
        embed=by_length,
        min_size=2,
        store=server_store,
    )
    assert found.taxonomy is not None
    # slice values are shown for every suite; the words of its texts are not
    shown = {
        w
        for name in suite.suite.slice_names
        for v in suite.examples.column(name).to_pylist()
        for w in re.findall(r"\w+", str(v).lower())
    }
    words = sorted({w for c in found.taxonomy.clusters for w in (c.name, *c.terms)} - shown)
    with running_server(create_app(server_store, role_settings())) as url:
        yield f"{url}/runs/{cand.run.run_id}/analysis", base.run.run_id, words


def _leaks(page: str, words: list[str]) -> list[str]:
    return [w for w in words if re.search(rf"\b{re.escape(w)}\b", page)]


def test_red_team_cluster_names_are_withheld(red) -> None:  # type: ignore[no-untyped-def]
    address, base, words = red
    for headers in (VIEWER, EDITOR):
        answer = httpx.get(f"{address}?against={base}", headers=headers)
        assert answer.status_code == 200
        assert "cluster name withheld" in answer.text and "text withheld" in answer.text
        assert _leaks(answer.text, words) == [], json.dumps(words)
    refused = httpx.get(f"{address}?against={base}&show_unsafe_text=true", headers=VIEWER)
    assert refused.status_code == 403
    shown = httpx.get(f"{address}?against={base}&show_unsafe_text=true", headers=EDITOR)
    assert shown.status_code == 200 and "cluster name withheld" not in shown.text
    assert _leaks(shown.text, words)


def test_stored_analyses_are_listed_a_page_at_a_time(live_server: str, server_store: Store) -> None:
    _, base, cand = planted_runs(server_store, n=400)
    made = [
        wf.analyze_run(cand, against=base, alpha=0.01 * (k + 1), store=server_store).artifact
        for k in range(11)
    ]
    page = httpx.get(f"{live_server}/runs/{cand}/analysis").text
    assert "Stored analyses of this run (11)" in page
    listed = re.findall(r'href="/runs/\w+/analysis\?artifact=(\w+)"', page)
    assert listed == made[::-1][:10]
    assert f'href="/runs/{cand}/analysis?offset=10"' in page
    second = httpx.get(f"{live_server}/runs/{cand}/analysis?offset=10").text
    assert re.findall(r'href="/runs/\w+/analysis\?artifact=(\w+)"', second) == [made[0]]
    assert 'rel="prev"' in second and 'rel="next"' not in second
