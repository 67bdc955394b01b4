"""A read-only static copy of decision pages (``assay export-site``), checkable offline.

The folder holds, for each chosen decision, its page, the page of the comparison it was
decided on (the comparison as its ledger entry recorded it) and the pages of both runs, with
relative links, the stylesheets, and no script. ``MANIFEST.json`` lists every file with its
SHA-256 and the ledger hashes the pages show (each decision's entry hash and the chain head);
``SHA256SUMS`` lists the same digests for ``sha256sum -c``. :func:`verify_site` re-hashes the
files and, given the store, checks the ledger hashes against it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assay.errors import ConfigError
from assay.server._layout import e, frame
from assay.server._pages_decisions import decisions_table
from assay.server._pages_runs import run_body
from assay.server._view_compare import comparison_body, manifest_table
from assay.server._view_decision import decision_body, decision_view
from assay.server._view_flips import paired_scores, quadrants
from assay.server._view_slices import slice_table

if TYPE_CHECKING:
    from assay.storage import Store

__all__ = ["MANIFEST", "SiteExport", "export_site", "verify_site"]

MANIFEST = "MANIFEST.json"
"""The file listing every other file's SHA-256 and the ledger hashes shown."""
FORMAT = "assay-site/1"
_NAV = (("Decisions", "../index.html"),)


@dataclass(frozen=True)
class SiteExport:
    """What :func:`export_site` wrote."""

    directory: Path
    files: dict[str, str]
    """Relative path → SHA-256 of every file but the manifest."""
    decisions: dict[str, str]
    """Decision id → its ledger entry hash."""
    head: str
    """The ledger's chain head when the copy was made."""


@dataclass
class _Writer:
    root: Path
    files: dict[str, str] = field(default_factory=dict)

    def write(self, name: str, data: bytes | str) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        self.files[name] = hashlib.sha256(raw).hexdigest()


def _document(title: str, body: str, depth: int) -> str:
    root = "../" * depth
    nav = (("Decisions", f"{root}index.html"),)
    note = (
        '<p class="note static">A read-only copy made by <code>assay export-site</code>; '
        f"<code>{MANIFEST}</code> lists every file's SHA-256 and the ledger hashes shown.</p>"
    )
    return frame(title, note + body, who="read-only copy", nav=nav, root=root, scripts=False)


def export_site(store: Store, directory: str | Path, decisions: Sequence[str] = ()) -> SiteExport:
    """Write the pages of ``decisions`` (ids or unique prefixes; every decision when empty)
    and of the comparisons and runs they reference into ``directory``."""
    from assay.core import Comparison
    from assay.server._pages import static_files

    root = Path(directory)
    if root.exists() and any(root.iterdir()):
        raise ConfigError(f"{root} is not empty; export-site writes into a new or empty folder.")
    chosen = (
        [store.decisions.get(ref) for ref in decisions] if decisions else store.decisions.list()
    )
    if not chosen:
        raise ConfigError("There are no recorded decisions to export.")
    writer = _Writer(root)
    ledger = store.decisions.verify()
    head = ledger.head or ""
    hashes: dict[str, str] = {}
    runs: set[str] = set()
    for d in chosen:
        view = decision_view(store, d.decision_id)
        hashes[d.decision_id] = next(x.entry_hash for x in view.entries if x.kind == "decision")
        pair = f"{d.baseline_run}_{d.candidate_run}"
        body = decision_body(
            view,
            run_href=lambda run_id: f"../runs/{run_id}.html",
            compare_href=f"../compare/{pair}.html",
        )
        proof = (
            f'<p class="proof">Ledger entry hash of this decision: <span class="id hash">'
            f"{e(hashes[d.decision_id])}</span>; chain head when copied: "
            f'<span class="id hash">{e(head)}</span>.</p>'
        )
        writer.write(f"decisions/{d.decision_id}.html", _document(d.title, proof + body, 1))
        base, cand = store.runs.get(d.baseline_run), store.runs.get(d.candidate_run)
        runs.update((base.run_id, cand.run_id))
        if "comparison" in d.artifacts and store.artifacts.exists(d.artifacts["comparison"]):
            comparison = Comparison.model_validate_json(
                store.artifacts.get(d.artifacts["comparison"])
            )
        else:
            from assay.workflows import compare_runs

            comparison = compare_runs(base.run_id, cand.run_id, store=store)
        manifest, differing = manifest_table(base, cand, only_differences=True)
        manifest_html = (
            f'<p class="note">{differing:,} fields differ (differences only).</p>{manifest}'
        )
        links = (
            f'<p><a href="../runs/{e(cand.run_id)}.html">candidate run</a> · '
            f'<a href="../runs/{e(base.run_id)}.html">baseline run</a> · '
            f'<a href="../decisions/{e(d.decision_id)}.html">the decision</a></p>'
        )
        quads = quadrants(paired_scores(store, base.run_id, cand.run_id))
        compare = comparison_body(comparison, quads, manifest_html, link=None)
        title = f"{cand.model.name}@{cand.model.version} vs {base.model.name}@{base.model.version}"
        writer.write(f"compare/{pair}.html", _document(title, links + compare, 1))
    for run_id in sorted(runs):
        run = store.runs.get(run_id)
        notes = [(f"{n.created_at:%Y-%m-%d %H:%M}", n.text) for n in store.runs.notes(run_id)]
        body = run_body(run, notes, slice_table(store, run), links=False)
        writer.write(f"runs/{run_id}.html", _document(f"Run {run_id[:12]}", body, 1))
    index = (
        f"<p>Ledger chain head when copied: <span class='id hash'>{e(head)}</span> "
        f"({ledger.entries:,} entries, {'intact' if ledger.ok else 'NOT intact'}).</p>"
        + decisions_table(chosen, href="decisions/", run="runs/", suffix=".html")
    )
    for name, data in static_files().items():
        if not name.endswith(".js"):
            writer.write(f"static/{name}", data)
    writer.write("index.html", _document("Decisions", index, 0))
    sums = "".join(f"{digest}  {name}\n" for name, digest in sorted(writer.files.items()))
    writer.write("SHA256SUMS", sums)
    manifest_doc = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "ledger": {
            "head": head,
            "entries": ledger.entries,
            "intact": ledger.ok,
            "decisions": hashes,
        },
        "files": dict(sorted(writer.files.items())),
    }
    (root / MANIFEST).write_text(json.dumps(manifest_doc, indent=2) + "\n", encoding="utf-8")
    files = dict(writer.files)
    return SiteExport(root, files, hashes, head)


def verify_site(directory: str | Path, store: Store | None = None) -> list[str]:
    """Problems with an exported copy, in words (empty when it checks out): files changed,
    missing or added since the export, and, given ``store``, ledger hashes the store's ledger
    does not hold."""
    root = Path(directory)
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        listed: dict[str, str] = dict(manifest["files"])
        ledger = manifest["ledger"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{MANIFEST} cannot be read: {exc}"]
    problems = []
    for name, digest in sorted(listed.items()):
        path = root / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: changed (SHA-256 differs from {MANIFEST})")
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_file() and name != MANIFEST and name not in listed:
            problems.append(f"{name}: not listed in {MANIFEST}")
    if store is not None:
        entries = {x.decision_id: x for x in store.decisions.ledger() if x.kind == "decision"}
        known = {x.entry_hash for x in store.decisions.ledger()}
        for decision_id, entry_hash in ledger.get("decisions", {}).items():
            entry = entries.get(decision_id)
            if entry is None or entry.entry_hash != entry_hash:
                problems.append(
                    f"decision {decision_id}: its entry hash is not in the store's ledger"
                )
        if ledger.get("head") and ledger["head"] not in known:
            problems.append("the chain head of the copy is not in the store's ledger")
    return problems
