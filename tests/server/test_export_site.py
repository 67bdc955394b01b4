"""``assay export-site``: a static copy of decision pages that works from files alone and can
be checked offline against its manifest and against the store's ledger."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_store import SCRIPT, DashboardData, fill_dashboard_store

import assay
from assay.cli import main
from assay.server import verify_site
from assay.storage import Store, open_store


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store, DashboardData]]:
    root = tmp_path_factory.mktemp("site-store")
    url = f"sqlite:///{root / 'assay.db'}"
    with open_store(url) as store:
        yield url, store, fill_dashboard_store(store, root / "reports")


def export(url: str, folder: Path, *args: str) -> tuple[int, str]:
    """``assay export-site`` as the command line runs it: exit code and everything printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["export-site", str(folder), "--db", url, *args])
    return code, out.getvalue() + err.getvalue()


def test_export_writes_pages_links_and_a_manifest(
    filled: tuple[str, Store, DashboardData], tmp_path: Path
) -> None:
    url, _store, data = filled
    site = tmp_path / "site"
    code, output = export(url, site, "--decision", data.decision[:10])
    assert code == 0, output
    assert "for 1 decision to" in " ".join(output.split())
    manifest = json.loads((site / "MANIFEST.json").read_text())
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert files == set(manifest["files"]) | {"MANIFEST.json"}
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((site / name).read_bytes()).hexdigest() == digest
    assert f"decisions/{data.decision}.html" in files
    assert f"compare/{data.baseline}_{data.candidate}.html" in files
    assert {f"runs/{data.baseline}.html", f"runs/{data.candidate}.html"} <= files
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert "<script" not in html and " style=" not in html and SCRIPT not in html
        for href in re.findall(r'(?:href|src)="([^"#?]+)', html):
            assert not href.startswith(("/", "http")), (page, href)
            assert (page.parent / href).resolve().is_file(), (page, href)
    done = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=site, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_embedded_ledger_hashes_equal_the_store(
    filled: tuple[str, Store, DashboardData], tmp_path: Path
) -> None:
    url, store, data = filled
    site = tmp_path / "site"
    assert export(url, site)[0] == 0
    entry = next(
        x
        for x in store.decisions.ledger()
        if x.decision_id == data.decision and x.kind == "decision"
    )
    head = store.decisions.verify().head
    manifest = json.loads((site / "MANIFEST.json").read_text())
    assert manifest["ledger"]["decisions"] == {data.decision: entry.entry_hash}
    assert manifest["ledger"]["head"] == head
    page = (site / "decisions" / f"{data.decision}.html").read_text()
    assert entry.entry_hash in page and head in page
    assert head in (site / "index.html").read_text()
    comparison = (site / "compare" / f"{data.baseline}_{data.candidate}.html").read_text()
    flips = assay.compare_runs(data.baseline, data.candidate, store=store).flip_counts
    for count in flips:
        assert f'n-improved">{count.better:,}<' in comparison
    assert verify_site(site, store) == []


def test_tampering_is_detected(filled: tuple[str, Store, DashboardData], tmp_path: Path) -> None:
    url, _store, data = filled
    site = tmp_path / "site"
    assert export(url, site)[0] == 0
    page = site / "decisions" / f"{data.decision}.html"
    page.write_text(page.read_text().replace("INCONCLUSIVE", "SHIP"))
    (site / "extra.html").write_text("<p>added</p>")
    (site / "static" / "app.css").unlink()
    problems = verify_site(site)
    assert (
        f"decisions/{data.decision}.html: changed (SHA-256 differs from MANIFEST.json)" in problems
    )
    assert "extra.html: not listed in MANIFEST.json" in problems
    assert "static/app.css: missing" in problems
    done = subprocess.run(
        ["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=site, capture_output=True
    )
    assert done.returncode != 0


def test_a_manifest_whose_ledger_hash_is_not_the_stores_is_detected(
    filled: tuple[str, Store, DashboardData], tmp_path: Path
) -> None:
    url, store, data = filled
    site = tmp_path / "site"
    assert export(url, site)[0] == 0
    path = site / "MANIFEST.json"
    manifest = json.loads(path.read_text())
    manifest["ledger"]["decisions"][data.decision] = "0" * 64
    manifest["ledger"]["head"] = "1" * 64
    path.write_text(json.dumps(manifest))
    problems = verify_site(site, store)
    assert f"decision {data.decision}: its entry hash is not in the store's ledger" in problems
    assert "the chain head of the copy is not in the store's ledger" in problems
    assert verify_site(site) == []  # the files themselves are untouched


def test_export_refuses_a_non_empty_folder_and_unknown_decisions(
    filled: tuple[str, Store, DashboardData], tmp_path: Path
) -> None:
    url, _, _ = filled
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    code, output = export(url, tmp_path / "full")
    assert code != 0 and "not empty" in output
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    code, output = export(url, tmp_path / "new", "--decision", "nosuchdecision")
    assert code != 0 and "nosuchdecision" in output
