"""The evidence of a load comparison: latency–throughput points, reports and the ledger entry.

The decision is recorded as ``assay gate --record`` records one (:func:`assay.decide`): its id
a digest of the two runs, the policy and the verdict (so recording the same thing twice keeps
one entry); the comparison, verdict, policy text and reports stored as artifacts; the runs'
stored evidence committed to; signed when a key is configured.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assay._util import atomic_write
from assay.core import Comparison, VerdictResult
from assay.runners.load import ARMS, InterleavedResult, RequestTiming
from assay.stats import percentile_interval
from assay.storage import Store
from assay.workflows._decision_entry import assemble_decision, decision_id_of, put_reports

if TYPE_CHECKING:
    from assay.gates import Policy
    from assay.reports import CurvePoint

__all__ = ["curve_from_timings", "curve_points", "record_decision", "write_load_reports"]

_CURVE = (("ttft_s", "ttft"), ("e2e_s", "e2e"))


def curve_from_timings(
    series: str, offered: float, blocks: Sequence[Sequence[RequestTiming]], confidence: float
) -> list[CurvePoint]:
    """p50 and p99 of TTFT and end-to-end latency at one rate, with the achieved send rate
    (requests less one over the first to last send, summed over ``blocks``)."""
    from assay.reports import CurvePoint

    sent = sum(max(len(b) - 1, 0) for b in blocks)
    span = sum(max(t.sent_s for t in b) - min(t.sent_s for t in b) for b in blocks if b)
    achieved = sent / span if span > 0 else 0.0
    points = []
    for attr, name in _CURVE:
        values = [v * 1e3 for b in blocks for t in b if (v := getattr(t, attr)) is not None]
        if not values:
            continue
        for q in (0.5, 0.99):
            e = percentile_interval(values, q, confidence=confidence)
            metric = f"{name}_p{round(q * 100)}_ms"
            points.append(
                CurvePoint(series, offered, achieved, metric, e.estimate, e.low, e.high, e.method)
            )
    return points


def curve_points(result: InterleavedResult, confidence: float) -> list[CurvePoint]:
    """One point per arm, rate and latency percentile of an interleaved comparison."""
    points: list[CurvePoint] = []
    for arm in ARMS:
        for rate in sorted(set(result.rates)):
            blocks = [b.timings for b in result.arm(arm) if b.rate == rate]
            points += curve_from_timings(arm, rate, blocks, confidence)
    return points


def _notes(result: InterleavedResult) -> list[str]:
    s = result.settings
    order = "".join(
        "A" if b.arm == "baseline" else "B" for b in sorted(result.blocks, key=lambda b: b.position)
    )
    return [
        f"{len(result.rates)} block pairs of {s['requests_per_block']} requests at "
        f"{s['rates']} req/s ({s['arrival']} arrivals, seed {s['seed']}), {s['design']} order: "
        f"{order[:80]}{'…' if len(order) > 80 else ''} (A baseline, B candidate)",
        "Points: the achieved send rate and each arm's latency percentile with its "
        "order-statistic interval (successful requests).",
    ]


def write_load_reports(
    comparison: Comparison,
    verdict: VerdictResult | None,
    policy: Policy | None,
    curve: Sequence[CurvePoint],
    result: InterleavedResult,
    output: str | Path,
) -> dict[str, Path]:
    """The ordinary reports of the comparison with a latency–throughput section added."""
    from assay.reports import (
        latency_curve_markdown,
        render_html,
        render_markdown,
        render_memo,
        with_latency_section,
    )

    notes = _notes(result)
    out = Path(output)
    page = with_latency_section(render_html(comparison, verdict, policy=policy), curve, notes)
    md = render_markdown(comparison, verdict, policy=policy)
    md += "\n## Latency and throughput\n\n" + "".join(f"- {n}\n" for n in notes)
    md += "\n" + latency_curve_markdown(curve)
    files = {"report_html": atomic_write(out / "report.html", page)}
    files["report_md"] = atomic_write(out / "report.md", md)
    if verdict is not None:
        files["memo"] = atomic_write(
            out / "memo.md", render_memo(comparison, verdict, policy=policy)
        )
    return files


def record_decision(
    comparison: Comparison,
    verdict: VerdictResult,
    policy: Policy,
    files: dict[str, Path],
    store: Store,
) -> tuple[str, bool]:
    """Append the decision to the ledger; its id, and whether it is new."""
    decision_id = decision_id_of(comparison, verdict, policy)
    try:
        store.decisions.get(decision_id)
        return decision_id, False
    except LookupError:
        pass
    reports = put_reports(files, store)
    store.decisions.put(
        assemble_decision(
            comparison, verdict, policy, store, decision_id=decision_id, artifacts=reports
        )
    )
    return decision_id, True
