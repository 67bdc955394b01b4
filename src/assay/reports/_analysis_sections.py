"""The analysis report's failure-taxonomy and contamination sections, as HTML and Markdown.
Every name from the data is escaped (HTML) or neutralised (Markdown)."""

from __future__ import annotations

from typing import Any

from assay.analysis import FailureTaxonomy
from assay.core import printable
from assay.reports._html_parts import e, table

__all__ = [
    "contamination_html",
    "contamination_markdown",
    "suite_checks_html",
    "suite_checks_markdown",
    "taxonomy_html",
    "taxonomy_markdown",
]


def _pct(x: Any) -> str:
    return f"{x.estimate:.1%} [{x.low:.1%}, {x.high:.1%}]"


def _gap(x: Any) -> str:
    return f"{x.estimate:+.3f} [{x.low:+.3f}, {x.high:+.3f}]"


def taxonomy_html(taxonomy: FailureTaxonomy | None) -> str:
    """The clusters with their sizes and error gaps (with a baseline, their changes)."""
    if taxonomy is None:
        return (
            "<h2>Failure taxonomy</h2><p>Not made (it embeds every example with MiniLM, which is "
            "slow): run <code>assay analyze RUN --taxonomy</code> to add it.</p>"
        )
    t = taxonomy
    changes = {c.cluster: c for c in t.changes}
    rows = []
    for c in t.clusters:
        change = changes.get(c.cluster)
        rows.append(
            [
                str(c.cluster),
                e(c.name),
                f"{c.size:,}",
                e(_pct(c.share)),
                f"{c.region_size:,}",
                e(_gap(c.error_gap)),
                e(_gap(change.difference.difference)) if change else "—",
                f'<span class="note">{e(", ".join(c.example_ids))}</span>',
            ]
        )
    head = [
        "cluster",
        "name (distinguishing terms)",
        "failures",
        "share of failures",
        "region",
        "error gap [interval]",
        "change vs baseline",
        "nearest failures",
    ]
    return (
        f"<h2>Failure taxonomy ({t.k} clusters)</h2>"
        f"<p>{t.n_failures:,} failing of {t.n_examples:,} examples; k {e(t.selected_by)}, "
        f"seed {t.seed}.</p>{table(head, rows, numeric=(0, 2, 3, 4, 5, 6))}"
        f'<p class="note">{e(t.method)}</p>'
    )


def taxonomy_markdown(taxonomy: FailureTaxonomy | None) -> list[str]:
    """The same as Markdown lines."""
    if taxonomy is None:
        return []
    t = taxonomy
    lines = [
        "# Failure taxonomy",
        "",
        f"{t.n_failures:,} failing of {t.n_examples:,} examples in {t.k} clusters "
        f"(k {printable(t.selected_by)}, seed {t.seed}).",
        "",
        "| cluster | name | failures | share of failures | region | error gap [interval] |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for c in t.clusters:
        name = printable(c.name).replace("|", "\\|")
        lines.append(
            f"| {c.cluster} | {name} | {c.size:,} | {_pct(c.share)} | {c.region_size:,} | "
            f"{_gap(c.error_gap)} |"
        )
    return [*lines, "", f"{printable(t.method)}", ""]


def _counts(summary: dict[str, Any]) -> str:
    counts = summary["counts"]
    return ", ".join(f"{counts[s]:,} {s}" for s in ("contaminated", "clean", "undetectable"))


def _effect(summary: dict[str, Any]) -> str:
    effect = summary.get("effect")
    if not effect:
        return ""
    d = effect["difference"]
    if d.get("estimate") is None:
        return f"{effect['metric']}: contaminated minus clean not estimable."
    return (
        f"{effect['metric']} contaminated minus clean: {d['estimate']:+.3f} "
        f"[{d['low']:+.3f}, {d['high']:+.3f}] ({d['method']})."
    )


def contamination_html(summary: dict[str, Any] | None) -> str:
    """The latest stored contamination result of the suite, or how to make one."""
    if summary is None:
        return (
            "<h2>Contamination</h2><p>No contamination result is stored for this suite "
            "version: run <code>assay contamination SUITE --corpus FILE</code>.</p>"
        )
    files = ", ".join(summary["corpus_files"])
    return (
        "<h2>Contamination</h2>"
        f"<p>{e(_counts(summary))} of {summary['examples']:,} examples, against "
        f"{summary['corpus_documents']:,} documents ({e(files)}). {e(_effect(summary))}</p>"
        f'<p class="note">{e(summary["method"])} Stored as artifact '
        f"{e(summary['artifact'][:12])}.</p>"
    )


def contamination_markdown(summary: dict[str, Any] | None) -> list[str]:
    """The same as Markdown lines."""
    if summary is None:
        return []
    return [
        "# Contamination",
        "",
        f"{_counts(summary)} of {summary['examples']:,} examples, against "
        f"{summary['corpus_documents']:,} documents. {printable(_effect(summary))}",
        "",
        f"{printable(summary['method'])} Stored as artifact {summary['artifact'][:12]}.",
        "",
    ]


def suite_checks_html(summary: dict[str, Any] | None) -> str:
    """The suite version's stored integrity findings, or how to store them."""
    if summary is None:
        return (
            "<h2>Suite integrity</h2><p>No findings are stored for this suite version: run "
            "<code>assay suites check SUITE</code>.</p>"
        )
    rows = [
        [e(f["check"]), e(f["severity"]), f"{f['count']:,}", e(f["message"])]
        for f in summary["findings"]
    ]
    found = (
        table(["check", "severity", "count", "finding"], rows, numeric=(2,))
        if rows
        else "<p>No findings.</p>"
    )
    return (
        f"<h2>Suite integrity</h2><p>Checks run: {e(', '.join(summary['checks']))}; "
        f"{len(rows):,} findings, {summary['warnings']:,} warnings.</p>{found}"
        f'<p class="note">Stored as artifact {e(summary["artifact"][:12])}.</p>'
    )


def suite_checks_markdown(summary: dict[str, Any] | None) -> list[str]:
    """The same as Markdown lines."""
    if summary is None:
        return []
    lines = ["# Suite integrity", "", f"Checks run: {', '.join(summary['checks'])}.", ""]
    lines += [
        f"- {f['check']} ({f['severity']}, {f['count']:,}): {printable(f['message'])}"
        for f in summary["findings"]
    ]
    return [*lines, "", f"Stored as artifact {summary['artifact'][:12]}.", ""]
