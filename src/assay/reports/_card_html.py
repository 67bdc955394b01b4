"""A model card as one self-contained HTML page (inline CSS, no script, no external resource)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assay._util import interval_cells, pvalue
from assay.governance import CARD_LAYOUT, HumanSection, ModelCard, card_block, human_marker
from assay.reports._card_markdown import INTRO, card_scales
from assay.reports._html_parts import e, visible_document
from assay.reports._style import CSS

__all__ = ["render_card_html"]

_CSS = CSS + (
    ".human{border-left:4px solid var(--inconclusive);padding:2px 10px;margin:6px 0}"
    ".human pre{white-space:pre-wrap;word-break:break-word;font:inherit;margin:0}"
)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>'


def _human(section: HumanSection) -> str:
    note = '<p class="note">To be written by a person.</p>' if not section.text.strip() else ""
    # The text sits escaped in one <pre>, so reading the card back gets it exactly.
    return (
        f"<h2>{e(section.title)} <small>(written by a person)</small></h2>{note}"
        f'<div class="human">{human_marker(section)}<pre class="human">{e(section.text)}</pre>'
        "<!-- /assay:human --></div>"
    )


def _slice(attribute: str | None, value: str | None) -> str:
    return "all examples" if attribute is None else f"{attribute}={value}"


def _intro(layout: int) -> str:
    # The introduction is written for Markdown; layout 1 showed its asterisks as they are.
    text = e(INTRO)
    if layout > 1:
        text = re.sub(r"\*([^*]+)\*", r"<em>\1</em>", text)
    return f'<p class="note">{text}</p>'


def _body(card: ModelCard, layout: int) -> list[str]:
    parts, scales = ["<h2>Model details</h2>"], card_scales(card, layout)
    parts.append(
        _table(
            ["run", "model", "suite", "recorded (UTC)", "records", "errors", "code", "source"],
            [
                [
                    r.run_id[:12],
                    r.model,
                    f"{r.suite} ({r.suite_digest[:12]})",
                    r.created_at,
                    f"{r.n_records:,}",
                    f"{r.n_errors:,}",
                    r.code,
                    r.source,
                ]
                for r in card.runs
            ],
        )
    )
    human = {s.key: s for s in card.human}
    parts.append(_human(human["intended_use"]))
    parts.append("<h2>Intended use, from the suite catalogs</h2><ul>")
    for s in card.suites:
        limits = "".join(f"<li>known limit: {e(x)}</li>" for x in s.known_limits)
        parts.append(
            f"<li><b>{e(s.name)}</b> {e(s.version)}: {e(s.purpose or 'no purpose given')}"
            f"<ul><li>covers: {e(s.coverage or 'not stated')}</li>{limits}</ul></li>"
        )
    parts.append("</ul><h2>Factors</h2><ul>")
    for s in card.suites:
        spread = ", ".join(f"{k} ({v} values)" for k, v in s.slices.items()) or "none"
        parts.append(f"<li>{e(s.name)}: {e(spread)}</li>")
    parts.append("</ul><h2>Metrics</h2>")
    for r in card.runs:
        parts.append(f"<h3>Run {e(r.run_id[:12])} on {e(r.suite)}</h3>")
        parts.append(
            _table(
                ["metric", "slice", "estimate", "interval", "n", "method"],
                [
                    [
                        m.metric,
                        _slice(m.slice_attribute, m.slice_value),
                        *interval_cells(m, scales.get(m.metric, "")),
                        f"{m.n:,}",
                        m.method,
                    ]
                    for m in r.metrics
                ],
            )
        )
    parts.append("<h2>Evaluation data</h2>")
    parts.append(
        _table(
            ["suite", "version", "digest", "examples", "exact duplicates", "licence", "source"],
            [
                [
                    s.name,
                    s.version,
                    s.digest[:12],
                    f"{s.n_examples:,}",
                    f"{100 * s.exact_duplicate_share:.1f}%",
                    s.licence or "not stated",
                    s.source or "not stated",
                ]
                for s in card.suites
            ],
        )
    )
    training = {k: v for r in card.runs for k, v in sorted(r.dataset_digests.items())}
    parts.append("<h2>Training data</h2>")
    parts.append(
        _table(["data", "digest"], list(training.items()))
        if training
        else '<p class="note">No training data digests were recorded.</p>'
    )
    parts.append("<h2>Quantitative analyses</h2>")
    if not card.decisions:
        parts.append('<p class="note">No recorded decision compares this model.</p>')
    for d in card.decisions:
        parts.append(
            f'<div class="verdict v-{e(d.verdict)}"><div class="word">{e(d.verdict)}</div>'
            f'<div class="summary">{e(d.title)}: {e(d.summary)}</div></div>'
            f"<p>Decision {e(d.decision_id[:12])} under policy {e(d.policy)}; this model is "
            f"the {e(d.role)}, against {e(d.other)}. Approvals: "
            f"{e('; '.join(d.approvals) or 'none recorded')}</p>"
        )
        parts.append(
            _table(
                ["metric", "slice", "this minus other", "interval", "method", "test", "p"],
                [
                    [
                        x.metric,
                        _slice(x.slice_attribute, x.slice_value),
                        *interval_cells(x, scales.get(x.metric, ""), signed=True),
                        x.method,
                        x.test,
                        pvalue(x.p_value),
                    ]
                    for x in d.differences
                ],
            )
        )
    parts.append(_human(human["ethical_considerations"]))
    parts.append(_human(human["caveats"]))
    parts += [
        _human(s)
        for s in card.human
        if s.key not in ("intended_use", "ethical_considerations", "caveats")
    ]
    parts.append(f"<h2>Evidence</h2><p>Card digest: <code>{card.digest}</code></p>")
    parts.append(_table(["evidence", "digest"], list(card.evidence.items())))
    return parts


def render_card_html(card: ModelCard, layout: int = CARD_LAYOUT) -> str:
    """The card as one HTML page in card ``layout``; every stored text is escaped and its
    control characters shown, not obeyed."""
    title = f"Model card: {card.model}"
    return visible_document(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{e(title)}</h1>{card_block(card, layout)}{_intro(layout)}"
        + "".join(_body(card, layout))
        + "</body></html>\n"
    )
