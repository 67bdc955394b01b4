"""Rendering of ``assay ab`` results in the terminal: designs, readouts, lifts and notes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.table import Table

from assay._util import MINUS
from assay.cli._render import console, safe

if TYPE_CHECKING:
    from assay.online import CumulativeLift, ExperimentDesign, Readout, SegmentBreakdown
    from assay.stats import LiftResult

__all__ = ["render_cumulative", "render_design", "render_readout", "render_segments"]


def _signed(text: str) -> str:
    """The number's sign as the rest of the command line writes it (U+2212, ``−0.5%``); an
    exponent's sign (``1e-05``) is part of the notation and stays as written."""
    return MINUS + text[1:] if text.startswith("-") else text


def _g(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    return _signed(f"{value:.{digits}g}")


def _pct(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    return _signed(f"{100 * value:+.3g}%")


def _interval(est: float, low: float, high: float, fmt: Any = _g) -> str:
    if math.isnan(est):
        return "—"
    return f"{fmt(est)} [{fmt(low)}, {fmt(high)}]"


def render_design(result: ExperimentDesign) -> None:
    p = result.sample_size
    table = Table(title="A/B test design", show_header=True)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows = [
        ("users per arm (control)", f"{p.n_per_arm:,}"),
        ("users per treatment arm", f"{p.n_treatment_per_arm:,}"),
        ("users in total", f"{p.n_total:,}"),
        ("days", "—" if p.days is None else str(p.days)),
        ("MDE (absolute)", _g(p.mde_absolute)),
        ("MDE (relative)", _pct(p.mde_relative)),
        ("alpha (family) / per comparison", f"{p.alpha:g} / {p.alpha_per_comparison:.4g}"),
        ("critical z", _g(p.critical_value)),
        ("power", f"{p.power:g}"),
        ("arms / adjustment", f"{p.arms} / {p.adjustment}"),
        ("alternative", p.alternative),
        ("CUPED rho / variance factor", f"{p.cuped_correlation:g} / {p.variance_factor:.4g}"),
    ]
    if p.sequential:
        rows += [
            ("sequential tau (per-user sd)", _g(p.tau)),
            ("fixed-horizon users per arm", f"{p.n_fixed_horizon:,}"),
            ("sequential inflation", f"{p.inflation:.3f}x"),
        ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    console.print(f"[dim]method: {safe(p.method)}[/]")
    for note in p.notes:
        console.print(f"[dim]note: {safe(note)}[/]")
    if result.mde_by_week:
        weekly = Table(title="MDE reachable by week (same power and alpha)")
        for col in ("weeks", "days", "users per arm", "MDE (absolute)", "MDE (relative)"):
            weekly.add_column(col, justify="right")
        for r in result.mde_by_week:
            weekly.add_row(
                str(r.weeks),
                str(r.days),
                f"{r.n_per_arm:,}",
                _g(r.mde_absolute),
                _pct(r.mde_relative),
            )
        console.print(weekly)


def render_readout(r: Readout) -> None:
    p = r.parameters
    console.print(
        f"[bold]A/B readout[/] from {safe(r.source)}: control [bold]{safe(r.control)}[/], arms "
        + ", ".join(f"{safe(a)} (n={r.n_by_arm[a]:,})" for a in r.arms)
    )
    settings = ", ".join(f"{k}={v}" for k, v in p.items() if v is not None and v != {})
    console.print(f"[dim]parameters: {safe(settings)}[/]")
    srm = r.srm
    style = "bold red" if srm.mismatch else "green"
    console.print(
        f"[{style}]sample ratio: chi2={srm.statistic:.3g}, df={srm.df}, p={srm.p_value:.3g} "
        f"(threshold {srm.threshold:g}; planned {', '.join(f'{s:.3g}' for s in srm.planned)})[/]"
    )
    for w in r.warnings:
        console.print(f"[bold red]UNTRUSTED: {safe(w)}[/]")
    _render_headline(r)
    _render_lifts(r)
    _render_notes(r)
    if r.bayesian:
        _render_bayesian(r)


def _render_headline(r: Readout) -> None:
    """Relative lift first, with its interval (and the chance to beat control when asked)."""
    chance = {(b.metric, b.treatment): b.chance_to_beat_control for b in r.bayesian}
    level = f"{r.parameters['confidence']:.0%}"
    for lift in r.lifts:
        head = f"{safe(lift.metric)}, {safe(lift.treatment)} against {safe(r.control)}: "
        if lift.status != "ok":
            console.print(head + f"[yellow]inconclusive: {safe(lift.reason)}[/]")
            continue
        rel, a = lift.relative, lift.absolute
        line = (
            f"[bold]relative lift {_interval(rel.estimate, rel.low, rel.high, _pct)}[/] "
            f"({level} interval; absolute {_interval(a.estimate, a.low, a.high)})"
        )
        key = (lift.metric, lift.treatment)
        if key in chance:
            line += f"; chance to beat control {100 * chance[key]:.1f}%"
        console.print(head + line)


def _render_lifts(r: Readout) -> None:
    """The lift table and the value-per-arm table, methods numbered below them."""
    p = r.parameters
    methods: list[str] = []
    table = Table(
        title=f"Lift over {safe(r.control)} ({p['confidence']:g} intervals, {p['alternative']})"
    )
    for col in ("metric", "arm", "relative lift", "absolute lift", "p", "adj. p", "method"):
        table.add_column(col)
    values = Table(title="Metric value per arm" + (" (CUPED-adjusted)" if p["cuped"] else ""))
    for col in ("metric", "kind", "arm", "control", "treatment", "CUPED θ / var. red."):
        values.add_column(col)
    for lift in r.lifts:
        if lift.method not in methods:
            methods.append(lift.method)
        ref = f"[{methods.index(lift.method) + 1}]"
        if lift.status != "ok":
            inconclusive = f"[yellow]inconclusive: {safe(lift.reason)}[/]"
            table.add_row(safe(lift.metric), safe(lift.treatment), inconclusive, "—", "—", "—", ref)
            continue
        a, rel = lift.absolute, lift.relative
        adj = (
            "—"
            if lift.p_value_adjusted is None
            else f"{_g(lift.p_value_adjusted, 3)} ({lift.adjustment})"
        )
        table.add_row(
            safe(lift.metric),
            safe(lift.treatment),
            _interval(rel.estimate, rel.low, rel.high, _pct),
            _interval(a.estimate, a.low, a.high),
            _g(lift.p_value, 3),
            adj,
            ref,
        )
        cv, tv = lift.control_value, lift.treatment_value
        cuped = (
            "—" if lift.theta is None else f"{_g(lift.theta, 3)} / {_pct(lift.variance_reduction)}"
        )
        values.add_row(
            safe(lift.metric),
            lift.kind,
            safe(lift.treatment),
            _interval(cv.estimate, cv.low, cv.high),
            _interval(tv.estimate, tv.low, tv.high),
            cuped,
        )
    console.print(table)
    console.print(values)
    for i, m in enumerate(methods, 1):
        console.print(f"[dim][{i}] {safe(m)}[/]")


def _render_notes(r: Readout) -> None:
    """Per-lift sequential scale and notes, the readout's notes, and the winsorisation caps."""
    for lift in r.lifts:
        if lift.tau_absolute is not None:
            console.print(
                f"[dim]{safe(lift.metric)} vs {safe(lift.treatment)}: tau={lift.tau:g} per-unit sd "
                f"= {lift.tau_absolute:.4g} in metric units[/]"
            )
        for note in lift.notes:
            console.print(f"[dim]{safe(lift.metric)} vs {safe(lift.treatment)}: {safe(note)}[/]")
    for note in r.notes:
        console.print(f"[dim]note: {safe(note)}[/]")
    for cap in r.winsorization:
        counts = ", ".join(f"{safe(k)}: {v}" for k, v in cap.capped.items())
        console.print(
            f"[dim]winsorised {safe(cap.column)} at its {cap.quantile:g} quantile = {_g(cap.cap)} "
            f"(units capped: {counts})[/]"
        )


_BAYESIAN_COLUMNS = (
    "metric",
    "arm",
    "P(beat control)",
    "exp. loss if shipped",
    "exp. loss if kept",
    "credible interval",
)


def _render_bayesian(r: Readout) -> None:
    """The Bayesian readout of each relative lift, with its method."""
    prior_sd = r.parameters["prior_sd"]
    bt = Table(title=f"Bayesian readout of the relative lift (prior N(0, {prior_sd:g}²))")
    for col in _BAYESIAN_COLUMNS:
        bt.add_column(col)
    for b in r.bayesian:
        c = b.credible
        bt.add_row(
            safe(b.metric),
            safe(b.treatment),
            _g(b.chance_to_beat_control, 3),
            _pct(b.expected_loss_treatment),
            _pct(b.expected_loss_control),
            _interval(c.estimate, c.low, c.high, _pct),
        )
    console.print(bt)
    console.print(f"[dim]{safe(r.bayesian[0].method)}[/]")


def _lift_cells(lift: LiftResult) -> tuple[str, str]:
    if lift.status != "ok":
        return f"[yellow]inconclusive: {safe(lift.reason)}[/]", "—"
    rel, a = lift.relative, lift.absolute
    return _interval(rel.estimate, rel.low, rel.high, _pct), _interval(a.estimate, a.low, a.high)


def render_segments(b: SegmentBreakdown) -> None:
    """Lift per segment, marked exploratory."""
    table = Table(title=f"Lift by {safe(b.column)} over {safe(b.control)} (exploratory)")
    for col in ("segment", "users per arm", "metric", "arm", "relative lift", "absolute lift"):
        table.add_column(col)
    table.add_column("BH-adj. p")
    for s in b.segments:
        users = ", ".join(f"{safe(k)} {v:,}" for k, v in s.n_by_arm.items()) or "—"
        if s.skipped is not None:
            table.add_row(
                safe(s.segment),
                users,
                "—",
                "—",
                f"[yellow]not read: {safe(s.skipped)}[/]",
                "—",
                "—",
            )
            continue
        for lift in s.lifts:
            rel, a = _lift_cells(lift)
            table.add_row(
                safe(s.segment),
                users,
                safe(lift.metric),
                safe(lift.treatment),
                rel,
                a,
                _g(lift.p_value_adjusted, 3),
            )
    console.print(table)
    console.print(f"[dim]{safe(b.adjustment)}[/]")


def render_cumulative(c: CumulativeLift) -> None:
    """Cumulative lift at the end of each day."""
    table = Table(
        title=f"Cumulative lift over {safe(c.control)} at the end of each {safe(c.column)}"
    )
    for col in ("day", "users so far", "metric", "arm", "relative lift", "absolute lift"):
        table.add_column(col)
    for d in c.days:
        users = f"{sum(d.n_by_arm.values()):,}" if d.n_by_arm else "—"
        if d.skipped is not None:
            table.add_row(
                safe(d.day), users, "—", "—", f"[yellow]not read: {safe(d.skipped)}[/]", "—"
            )
            continue
        for lift in d.lifts:
            rel, a = _lift_cells(lift)
            table.add_row(safe(d.day), users, safe(lift.metric), safe(lift.treatment), rel, a)
    console.print(table)
    console.print(f"[dim]{safe(c.note)}[/]")
