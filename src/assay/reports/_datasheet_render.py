"""A suite's datasheet as Markdown, self-contained HTML or JSON."""

from __future__ import annotations

import json

from assay._util import check_choice
from assay.core import escape_json
from assay.governance import Datasheet, DatasheetAnswer
from assay.reports._html_parts import e, visible_document
from assay.reports._md_parts import md
from assay.reports._memo_plan import todo
from assay.reports._style import CSS

__all__ = ["DATASHEET_FORMATS", "render_datasheet"]

DATASHEET_FORMATS = ("markdown", "html", "json")
_SOURCE = {
    "catalog": "from the suite's catalog",
    "computed": "computed from the examples",
    "store": "from the store",
}


def _markdown(sheet: Datasheet) -> str:
    f = sheet.facts
    out = [
        f"# Datasheet: {md(sheet.suite)} {md(sheet.version)}",
        "",
        f"Suite digest `{sheet.digest}`; {f.n_examples:,} examples. Answers say where they "
        "come from; questions no data can answer are marked for a person "
        "(Gebru et al., *Datasheets for Datasets*, 2021).",
        "",
    ]
    for section in sheet.sections:
        out += [f"## {md(section.title)}", ""]
        for a in section.answers:
            out += [f"**{md(a.question)}**", "", *_md_answer(a), ""]
    return "\n".join(out).rstrip() + "\n"


def _md_answer(a: DatasheetAnswer) -> list[str]:
    if a.answer is None:
        return [todo("a person", "no data answers this question")]
    return [f"{md(a.answer)} _({_SOURCE[a.source]})_"]


def _html(sheet: Datasheet) -> str:
    title = f"Datasheet: {sheet.suite} {sheet.version}"
    parts = [
        f"<h1>{e(title)}</h1><p>Suite digest <code>{e(sheet.digest)}</code>; "
        f"{sheet.facts.n_examples:,} examples. Questions no data can answer are marked for a "
        "person (Gebru et al., <i>Datasheets for Datasets</i>, 2021).</p>"
    ]
    for section in sheet.sections:
        parts.append(f"<h2>{e(section.title)}</h2><dl>")
        for a in section.answers:
            answer = (
                '<dd class="o-inconclusive">To be written by a person: no data answers this '
                "question.</dd>"
                if a.answer is None
                else f'<dd>{e(a.answer)} <span class="note">({_SOURCE[a.source]})</span></dd>'
            )
            parts.append(f"<dt><b>{e(a.question)}</b></dt>{answer}")
        parts.append("</dl>")
    return visible_document(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        + "".join(parts)
        + "</body></html>\n"
    )


def render_datasheet(sheet: Datasheet, format: str = "markdown") -> str:
    """``sheet`` as ``markdown``, ``html`` or ``json``; stored text escaped in every form."""
    check_choice(format, "format", "render_datasheet", list(DATASHEET_FORMATS))
    if format == "json":
        text = json.dumps(sheet.model_dump(mode="json"), indent=2, ensure_ascii=False)
        return escape_json(text) + "\n"
    return _html(sheet) if format == "html" else _markdown(sheet)
