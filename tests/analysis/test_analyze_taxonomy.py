"""`assay analyze` with the failure taxonomy (opt-in) and the stored contamination result:
clusters ranked with the slices in one fix list, both shown in every report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from analysis_data import planted_runs

import assay
from assay.cli import main
from assay.workflows import analyze_run, latest_contamination, suite_contamination


def _by_length(texts: Sequence[str]) -> np.ndarray:
    """A two-dimensional embedding of each text: its length and a constant (the planted
    suite's inputs differ only in length)."""
    return np.array([[len(t) / 200.0, 1.0] for t in texts])


def test_taxonomy_clusters_join_the_fix_list_and_every_report(home: Path, tmp_path: Path):
    store = assay.open_store()
    _, _, cand = planted_runs(store)
    html, md = tmp_path / "a.html", tmp_path / "fix.md"
    found = analyze_run(cand, taxonomy=True, embed=_by_length, html=html, markdown=md, store=store)
    t = found.taxonomy
    assert t is not None and t.k >= 2
    records = store.runs.records(cand).to_pylist()
    assert t.n_failures == sum(r["accuracy"] < 0.5 for r in records)
    clusters = [p for p in found.fixes.problems if p.source == "cluster"]
    assert len(clusters) == t.k
    # cluster regions partition the examples; each problem is its region against the rest
    assert sum(p.size for p in clusters) == t.n_examples == len(records)
    by_name = {c.name: c for c in t.clusters}
    for p in clusters:
        gap = by_name[p.name].error_gap
        assert (p.gap, p.gap_low, p.gap_high) == (gap.estimate, gap.low, gap.high)
    impacts = [p.impact for p in found.fixes.problems]
    assert impacts == sorted(impacts, reverse=True)
    body = found.to_dict()
    assert body["taxonomy"]["k"] == t.k and json.dumps(body, allow_nan=False)
    page = html.read_text()
    assert f"Failure taxonomy ({t.k} clusters)" in page and "No contamination result" in page
    assert "# Failure taxonomy" in md.read_text()


def test_without_taxonomy_the_output_says_how_to_add_it(home: Path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    store = assay.open_store()
    _, base, cand = planted_runs(store)
    assert main(["analyze", cand, "--against", base, "--control", "holm"]) == 0
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 80, text
    flat = " ".join(text.split())
    assert "failure taxonomy: not made (--taxonomy adds it" in flat
    assert "contamination" not in flat.replace("failure taxonomy", "")


def test_the_latest_stored_contamination_result_is_summarised(home: Path, tmp_path: Path, capsys):
    store = assay.open_store()
    digest, _, cand = planted_runs(store)
    examples = store.suites.examples(digest).column("input").to_pylist()
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(["unrelated words only", *examples[:5]]) + "\n")
    assert latest_contamination(store, digest) is None
    suite_contamination(digest, [corpus], store=store)
    second = suite_contamination(digest, [corpus], run=cand, store=store)
    stored = latest_contamination(store, digest)
    assert stored is not None and stored["effect"]["metric"] == "accuracy"
    for status in ("contaminated", "clean", "undetectable"):
        assert stored["counts"][status] == second.count(status)
    html = tmp_path / "a.html"
    assert main(["analyze", cand, "--html", str(html), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["contamination"]["artifact"] == stored["artifact"]
    assert out["contamination"]["counts"] == stored["counts"]
    assert out["taxonomy"] is None
    page = html.read_text()
    assert "<h2>Contamination</h2>" in page and stored["artifact"][:12] in page
