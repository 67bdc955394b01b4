"""A stored analysis as dashboard HTML, from its JSON artifact alone (nothing is recomputed):
discovered slices with their intervals and the method, the fix list, the failure clusters,
the suite's contamination result and its integrity findings.

Failure clusters are named by words of the examples' text: on a red-team suite their names
and terms are withheld like record text (:mod:`assay.server._unsafe_text`)."""

from __future__ import annotations

from typing import Any

from assay.server._layout import e, table

__all__ = [
    "WITHHELD_NAME",
    "contamination_section",
    "discovery_section",
    "fix_section",
    "suite_check_section",
    "taxonomy_section",
]

WITHHELD_NAME = "[cluster name withheld: red-team suite]"
SHOWN_IDS = 8
_CONTROLS = {
    "bh": "Benjamini–Hochberg (false discovery rate)",
    "holm": "Holm (family-wise error rate)",
    "split": "split sample: Benjamini–Hochberg on one half, Holm on the other",
}


def _iv(x: Any, low: Any, high: Any) -> str:
    if x is None:
        return "—"
    lo = "−∞" if low is None else f"{low:+.3f}"
    hi = "+∞" if high is None else f"{high:+.3f}"
    return f"{x:+.3f} [{lo}, {hi}]"


def _ids(ids: list[str], total: int | None = None) -> str:
    total = len(ids) if total is None else total
    more = f" … and {total - SHOWN_IDS:,} more" if total > SHOWN_IDS else ""
    return f'<span class="note">{e(", ".join(ids[:SHOWN_IDS]))}{more}</span>'


def _command(text: str) -> str:
    return f"<code class='command'>{e(text)}</code>"


def _plot(slices: list[dict[str, Any]]) -> str:
    """Each slice's effect and interval on one axis through zero (inline SVG, no style)."""
    finite = [float(v) for s in slices for v in (s["low"], s["high"]) if v is not None]
    hi, lo = max([0.0, *finite]) or 1.0, min([0.0, *finite])
    width, left, row = 640, 250, 22

    def x(v: float | None, default: float) -> float:
        v = default if v is None else min(max(v, lo), hi)
        return left + (v - lo) / (hi - lo) * (width - left - 20)

    parts = [
        f'<line x1="{x(0, 0):.1f}" y1="0" x2="{x(0, 0):.1f}" y2="{row * len(slices)}" '
        'stroke="#888" stroke-dasharray="3,3"/>'
    ]
    for k, s in enumerate(slices):
        y = row * k + row / 2
        d = s["description"]
        label = d if len(d) <= 36 else d[:35] + "…"
        parts.append(
            f'<text x="4" y="{y + 4:.1f}" font-size="12">{e(label)}</text>'
            f'<line x1="{x(s["low"], lo):.1f}" y1="{y:.1f}" x2="{x(s["high"], hi):.1f}" '
            f'y2="{y:.1f}" stroke="#b03a2e" stroke-width="2"/>'
            f'<circle cx="{x(s["effect"], 0):.1f}" cy="{y:.1f}" r="4" fill="#b03a2e"/>'
        )
    return (
        f'<div class="chart"><svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{row * len(slices)}" role="img" aria-label="effect of each slice with its '
        f'interval">{"".join(parts)}</svg></div>'
    )


def discovery_section(d: dict[str, Any], run_links: str) -> str:
    """The summary, what was tested and how, and each discovered slice with its interval."""
    clusters = f", {d['n_clusters']:,} clusters (the unit of every test)" if d["n_clusters"] else ""
    binned = f" (binned at {d['bins']} quantiles: {', '.join(d['binned'])})" if d["binned"] else ""
    family = f"{d['candidates']:,} slices of up to {d['max_predicates']} predicates"
    family += f" with at least {d['min_size']} examples inside and outside"
    family += f" ({d['attribute_sets']:,} attribute combinations)"
    if d["control"] == "split":
        family += f"; {d['confirmed_family']} taken to the confirming half"
    method = (
        f"{d['test']}, two-sided, {d['confidence']:.0%} intervals; "
        f"{_CONTROLS.get(d['control'], d['control'])} at {d['alpha']:g} over every candidate "
        "tested. A discovery must be worse than the rest."
    )
    facts = [
        ("Runs", run_links),
        ("Value", e(d["value_definition"])),
        ("Data", f"{d['n']:,} examples{e(clusters)}; overall mean {d['overall_mean']:.4f}"),
        ("Attributes", e(", ".join(d["attributes"]) + binned)),
        ("Candidates tested", f"<span class='candidates'>{e(family)}</span>"),
        ("Method", e(method)),
    ]
    if d.get("too_few_clusters"):
        facts.append(("Not tested", f"{d['too_few_clusters']:,} candidates touch too few clusters"))
    slices = d["slices"]
    rows = [
        [
            e(s["description"])
            + (
                f'<br><span class="note">same rows: {e("; ".join(s["same_rows_as"]))}</span>'
                if s["same_rows_as"]
                else ""
            ),
            e(s["n_text"].removeprefix("n = ")) + f" ({s['share']:.1%} of all)",
            f"{s['mean']:.3f}",
            f"{s['rest_mean']:.3f}",
            e(_iv(s["effect"], s["low"], s["high"])),
            f"{s['p_value']:.2g}",
            f"{s['adjusted_p_value']:.2g}",
        ]
        for s in slices
    ]
    head = ["Slice", "Examples", "Mean", "Rest", f"Effect [{d['confidence']:.0%} interval]"]
    found = (
        _plot(slices)
        + table([*head, "p", "Adjusted p"], rows, numeric=(1, 2, 3, 4, 5, 6), cls="slices")
        if slices
        else '<p class="empty"><b>No slice found.</b> No candidate slice is worse than the rest '
        "after the multiplicity control; this is an answer, not a failure of the analysis.</p>"
    )
    explained = "".join(
        f"<li>{e(x['slice'])} <span class='note'>explained by</span> {e(x['explained_by'])}</li>"
        for x in d["explained"]
    )
    return (
        f'<section id="slices"><p class="summary">{e(d["summary"])}</p>'
        + table(["Field", "Value"], [[e(k), v] for k, v in facts], cls="facts")
        + f'<h2>Slices worse than the rest (<span class="found">{len(slices)}</span>)</h2>{found}'
        + (
            f"<h3>Explained by a discovery</h3><ul class='explained'>{explained}</ul>"
            if explained
            else ""
        )
        + "</section>"
    )


def fix_section(fixes: dict[str, Any], *, hide_clusters: bool) -> str:
    """The fix list, ranked by impact (a cluster's name withheld when ``hide_clusters``)."""
    rows = []
    for p in fixes["problems"]:
        name = WITHHELD_NAME if hide_clusters and p["source"] == "cluster" else p["name"]
        rows.append(
            [
                str(p["rank"]),
                e(name),
                e(p["source"]),
                f"{p['size']:,} ({p['share']:.1%})",
                e(_iv(p["gap"], p["gap_low"], p["gap_high"])),
                e(_iv(p["impact"], p["impact_low"], p["impact_high"])),
                e(p["method"]),
                _ids(p["example_ids"], p["n_examples"]),
            ]
        )
    head = ["Rank", "Problem", "Source", "Examples", "Gap [interval]", "Impact [interval]"]
    body = (
        table([*head, "Method", "Example ids"], rows, numeric=(0, 3, 4, 5), cls="fixes")
        if rows
        else '<p class="empty">Nothing to fix: no problem was found.</p>'
    )
    return (
        f'<section id="fixes"><h2>Fix list (<span class="found">{len(rows)}</span>)</h2>'
        f"<p>{e(fixes['ranked_by'])}; slices and failure clusters together.</p>{body}</section>"
    )


def taxonomy_section(t: dict[str, Any] | None, *, hide: bool, command: str) -> str:
    """The stored failure clusters, or the command that makes them."""
    if t is None:
        return (
            '<section id="taxonomy"><h2>Failure taxonomy</h2><p class="empty">Not stored with '
            f"this analysis (it embeds every example with MiniLM): {_command(command)}</p></section>"
        )
    changes = {c["cluster"]: c for c in t["changes"]}
    rows = []
    for c in t["clusters"]:
        change = changes.get(c["cluster"])
        diff = change["difference"]["difference"] if change else None
        gap = c["error_gap"]
        rows.append(
            [
                str(c["cluster"]),
                e(WITHHELD_NAME if hide else c["name"]),
                f"{c['size']:,}",
                f"{c['share']['estimate']:.1%} [{c['share']['low']:.1%}, {c['share']['high']:.1%}]",
                f"{c['region_size']:,}",
                e(_iv(gap["estimate"], gap["low"], gap["high"])),
                e(_iv(diff["estimate"], diff["low"], diff["high"])) if diff else "—",
                _ids(c["example_ids"]),
            ]
        )
    head = ["Cluster", "Name (distinguishing terms)", "Failures", "Share of failures", "Region"]
    head += ["Error gap [interval]", "Change vs baseline", "Nearest failures"]
    return (
        f'<section id="taxonomy"><h2>Failure taxonomy (<span class="found">{t["k"]}</span> '
        f"clusters)</h2><p>{t['n_failures']:,} failing of {t['n_examples']:,} examples; k "
        f"{e(t['selected_by'])}, seed {t['seed']}.</p>"
        + table(head, rows, numeric=(0, 2, 3, 4, 5, 6), cls="clusters")
        + f'<p class="note">{e(t["method"])}</p></section>'
    )


def contamination_section(c: dict[str, Any] | None, suite: str) -> str:
    """The newest stored contamination result of the suite version, or how to make one."""
    if c is None:
        return (
            '<section id="contamination"><h2>Contamination</h2><p class="empty">No '
            "contamination result is stored for this suite version: "
            f"{_command(f'assay contamination {suite} --corpus FILE')}</p></section>"
        )
    counts = c["counts"]
    rows = [[e(s), f"{counts[s]:,}"] for s in ("contaminated", "clean", "undetectable")]
    effect = c.get("effect")
    said = ""
    if effect:
        d = effect["difference"]
        said = (
            f"<p>{e(effect['metric'])}, contaminated minus clean: "
            f"{e(_iv(d['estimate'], d['low'], d['high']))} ({e(d['method'])}).</p>"
        )
    return (
        '<section id="contamination"><h2>Contamination</h2>'
        + table(["Status", "Examples"], rows, numeric=(1,), cls="contamination")
        + f"<p>{sum(counts.values()):,} examples against {c['corpus_documents']:,} documents "
        f"({e(', '.join(c['corpus_files']))}; corpus digest "
        f"<span class='id'>{e(c['corpus_digest'][:12])}</span>).</p>{said}"
        + "".join(f'<p class="warning">{e(n)}</p>' for n in c.get("notes", []))
        + f'<p class="note">{e(c["method"])} Stored as artifact '
        f"<span class='id'>{e(c['artifact'][:12])}</span>.</p></section>"
    )


def suite_check_section(check: Any, suite: str) -> str:
    """The stored integrity findings of a suite version (a :class:`assay.data.SuiteCheck`),
    or the command that makes them."""
    if check is None:
        return (
            '<section id="checks"><h2>Suite integrity</h2><p class="empty">No findings are '
            f"stored for this suite version: {_command(f'assay suites check {suite}')}</p></section>"
        )
    rows = [
        [
            e(f.check),
            e(f.severity),
            f"{f.count:,}",
            e(f.message),
            _ids(list(f.example_ids), f.count),
        ]
        for f in check.findings
    ]
    body = (
        table(
            ["Check", "Severity", "Count", "Finding", "First ids"],
            rows,
            numeric=(2,),
            cls="findings",
        )
        if rows
        else '<p class="ok">No findings.</p>'
    )
    return (
        f'<section id="checks"><h2>Suite integrity (<span class="found">{len(rows)}</span> '
        f"findings, {check.warnings} warnings)</h2><p>Checks run: {e(', '.join(check.checks))} "
        f"on {check.n_examples:,} examples ({e(check.method)}).</p>{body}</section>"
    )
