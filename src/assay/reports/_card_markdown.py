"""A model card as Markdown, and as a Hugging Face ``README.md`` (YAML metadata first)."""

from __future__ import annotations

from collections.abc import Iterable

import yaml

from assay._util import interval_cells, pvalue, scale_of
from assay.core import printable
from assay.governance import (
    CARD_LAYOUT,
    CardMetric,
    HumanSection,
    ModelCard,
    card_block,
    human_marker,
)
from assay.reports._md_parts import md, md_table
from assay.reports._memo_plan import todo

__all__ = ["card_model_index", "card_scales", "render_card_markdown"]

INTRO = (
    "Every fact on this card comes from the assay store (runs, suites, decisions and the "
    "ledger). Sections marked *written by a person* are kept from card to card as written; "
    "everything else is regenerated."
)


def card_scales(card: ModelCard, layout: int = CARD_LAYOUT) -> dict[str, str]:
    """Each metric's scale on the card (``pts`` for a proportion, ``ms`` for a latency), from
    every run's values; from layout 2 on, a metric only a decision compares (a latency
    quantile the comparison adds) is scaled by its name, as the gate prints it."""
    values: dict[str, list[float]] = {}
    for r in card.runs:
        for m in r.metrics:
            values.setdefault(m.metric, []).extend((m.estimate, m.low, m.high))
    if layout > 1:
        for d in card.decisions:
            for x in d.differences:
                values.setdefault(x.metric, [])
    return {metric: scale_of(metric, v) for metric, v in values.items()}


def _slice(attribute: str | None, value: str | None) -> str:
    return "all examples" if attribute is None else f"{attribute}={value}"


def _human(section: HumanSection, hint: str) -> list[str]:
    out = [f"## {md(section.title)} (written by a person)", ""]
    if not section.text.strip():
        out += [todo("a person", hint), ""]
    out += [human_marker(section), printable(section.text), "<!-- /assay:human -->", ""]
    return out


_HINTS = {
    "intended_use": "what the model is for, who should use it, and what it must not be used for",
    "ethical_considerations": "risks, affected groups, and how they were weighed",
    "caveats": "what the evidence above does not cover, and recommendations",
}


def _metric_rows(metrics: Iterable[CardMetric], scales: dict[str, str]) -> list[list[str]]:
    return [
        [
            md(m.metric),
            md(_slice(m.slice_attribute, m.slice_value)),
            *interval_cells(m, scales.get(m.metric, "")),
            f"{m.n:,}",
            md(m.method),
        ]
        for m in metrics
    ]


def _details(card: ModelCard) -> list[str]:
    rows = [
        [
            md(r.run_id[:12]),
            md(r.model),
            md(f"{r.suite} ({r.suite_digest[:12]})"),
            md(r.created_at),
            f"{r.n_records:,}",
            f"{r.n_errors:,}",
            md(r.code),
            md(r.source),
        ]
        for r in card.runs
    ]
    out = ["## Model details", "", f"Model: **{md(card.model)}**", ""]
    out += md_table(
        ["run", "model", "suite", "recorded (UTC)", "records", "errors", "code", "source"], rows
    ).splitlines()
    params = {r.model: r.parameters for r in card.runs if r.parameters}
    for model, p in params.items():
        settings = ", ".join(f"{k}={v!r}" for k, v in sorted(p.items()))
        out += ["", f"Parameters of {md(model)}: {md(settings)}"]
    return [*out, ""]


def _intended(card: ModelCard) -> list[str]:
    out = ["## Intended use, from the suite catalogs", ""]
    for s in card.suites:
        out.append(f"- **{md(s.name)}** {md(s.version)}: {md(s.purpose or 'no purpose given')}")
        if s.coverage:
            out.append(f"  - covers: {md(s.coverage)}")
        for limit in s.known_limits:
            out.append(f"  - known limit: {md(limit)}")
    return [*out, ""]


def _factors_and_metrics(card: ModelCard) -> list[str]:
    out = ["## Factors", ""]
    for s in card.suites:
        spread = ", ".join(f"{md(k)} ({v} values)" for k, v in s.slices.items()) or "none"
        out.append(f"- {md(s.name)}: {spread}")
    out += ["", "## Metrics", ""]
    out.append(
        "Each run's metrics overall and on every slice value, with the interval the run "
        "summary computes (method in the last column)."
    )
    for r in card.runs:
        out += ["", f"### Run {md(r.run_id[:12])} on {md(r.suite)}", ""]
        headers = ["metric", "slice", "estimate", "interval", "n", "method"]
        out += md_table(headers, _metric_rows(r.metrics, card_scales(card))).splitlines()
    return [*out, ""]


def _data(card: ModelCard) -> list[str]:
    out = ["## Evaluation data", ""]
    for s in card.suites:
        out.append(
            f"- **{md(s.name)}** {md(s.version)} (digest {s.digest[:12]}): {s.n_examples:,} "
            f"examples; exact duplicates {100 * s.exact_duplicate_share:.1f}%; licence "
            f"{md(s.licence or 'not stated')}; source: {md(s.source or 'not stated')}. "
            f"Datasheet: `assay suites datasheet {s.digest[:12]}`"
        )
    out += ["", "## Training data", ""]
    seen = {k: v for r in card.runs for k, v in sorted(r.dataset_digests.items())}
    if not seen:
        out.append("No training data digests were recorded in the runs' manifests.")
    for name, value in seen.items():
        out.append(f"- {md(name)}: digest {md(value)}")
    return [*out, ""]


def _analyses(card: ModelCard, layout: int) -> list[str]:
    out, scales = ["## Quantitative analyses", ""], card_scales(card, layout)
    if not card.decisions:
        out.append("No recorded decision compares this model with another.")
    for d in card.decisions:
        out += [
            f"### {md(d.verdict)}: {md(d.title)}",
            "",
            f"Decision {md(d.decision_id[:12])} under policy {md(d.policy)}; this model is "
            f"the {d.role}, against {md(d.other)}. {md(d.summary)}",
            "",
            "Approvals: " + (md("; ".join(d.approvals)) if d.approvals else "none recorded"),
            "",
        ]
        rows = [
            [
                md(x.metric),
                md(_slice(x.slice_attribute, x.slice_value)),
                *interval_cells(x, scales.get(x.metric, ""), signed=True),
                md(x.method),
                md(x.test),
                pvalue(x.p_value),
            ]
            for x in d.differences
        ]
        if rows:
            headers = ["metric", "slice", "this minus other", "interval", "method", "test", "p"]
            out += [*md_table(headers, rows).splitlines(), ""]
    return out


def _evidence(card: ModelCard) -> list[str]:
    rows = [[md(k), v] for k, v in card.evidence.items()]
    table = md_table(["evidence", "digest"], rows).splitlines()
    return ["## Evidence", "", f"Card digest: `{card.digest}`", "", *table, ""]


def card_model_index(card: ModelCard) -> list[dict[str, object]]:
    """The ``model-index`` of the Hugging Face metadata: every run's metrics overall and by
    slice (as the dataset ``config``); interval, method, n and run id in the metric's
    ``args``."""
    results: list[dict[str, object]] = []
    for r in card.runs:
        by_slice: dict[str, list[CardMetric]] = {}
        for m in r.metrics:
            by_slice.setdefault(_slice(m.slice_attribute, m.slice_value), []).append(m)
        for label, metrics in by_slice.items():
            dataset: dict[str, object] = {
                "name": r.suite,
                "type": r.suite,
                "revision": r.suite_digest,
            }
            if label != "all examples":
                dataset["config"] = label
            results.append(
                {
                    "task": {"type": "other", "name": f"assay evaluation on {r.suite}"},
                    "dataset": dataset,
                    "metrics": [
                        {
                            "type": m.metric,
                            "value": m.estimate,
                            "name": f"{m.metric} ({label})",
                            "verified": False,
                            "args": {
                                "low": m.low,
                                "high": m.high,
                                "confidence": m.confidence,
                                "method": m.method,
                                "n": m.n,
                                "run": r.run_id,
                            },
                        }
                        for m in metrics
                    ],
                }
            )
    return [{"name": card.model, "results": results}]


def render_card_markdown(card: ModelCard, *, hf: bool = False, layout: int = CARD_LAYOUT) -> str:
    """The card as Markdown in card ``layout``; with ``hf``, a Hugging Face ``README.md``:
    YAML metadata with ``model-index`` results first."""
    out: list[str] = []
    if hf:
        own = card.metadata.get("tags")
        tags = ["assay", "model-card"]
        tags += [t for t in own if t not in tags] if isinstance(own, list) else []
        meta = {**card.metadata, "tags": tags, "model-index": card_model_index(card)}
        out += ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=False).rstrip(), "---"]
    out += [f"# Model card: {md(card.model)}", "", card_block(card, layout), "", INTRO, ""]
    out += _details(card)
    standard = {s.key: s for s in card.human}
    out += _human(standard["intended_use"], _HINTS["intended_use"]) + _intended(card)
    out += _factors_and_metrics(card) + _data(card) + _analyses(card, layout)
    out += _human(standard["ethical_considerations"], _HINTS["ethical_considerations"])
    out += _human(standard["caveats"], _HINTS["caveats"])
    for s in card.human:
        if s.key not in _HINTS:
            out += _human(s, "this section")
    out += _evidence(card)
    return "\n".join(out).rstrip() + "\n"
