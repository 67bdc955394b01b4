"""A sweep over rates: one ``assay load run`` per rate, and the latency–throughput curve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assay.errors import ConfigError
from assay.workflows._load import LoadReport, load_run
from assay.workflows._load_record import curve_from_timings

if TYPE_CHECKING:
    from assay.reports import CurvePoint

__all__ = ["LoadSweep", "load_sweep"]


@dataclass(frozen=True)
class LoadSweep:
    """One load test per rate, in the order given, and the curve through them."""

    rates: tuple[float, ...]
    reports: tuple[LoadReport, ...]
    curve: tuple[CurvePoint, ...]


def load_sweep(endpoint: str, *, rates: Sequence[float], **settings: Any) -> LoadSweep:
    """:func:`load_run` once per rate of ``rates`` (every other setting as for it; each run
    has its own seed, ``seed + i``, and with ``log`` is stored as ``load:NAME@RATE``)."""
    if not rates or any(not r > 0 for r in rates):
        raise ConfigError(f"A sweep needs rates above 0. Got {list(rates)!r}.")
    if settings.get("concurrency") is not None or "rate" in settings:
        raise ConfigError("A sweep over rates is open loop: leave out --rate and --concurrency")
    name = settings.pop("name", "default")
    seed = settings.pop("seed", 0)
    reports = []
    for i, rate in enumerate(rates):
        reports.append(
            load_run(endpoint, rate=float(rate), name=f"{name}@{rate:g}", seed=seed + i, **settings)
        )
    conf = settings.get("confidence", 0.95)
    curve = [
        p
        for rate, r in zip(rates, reports, strict=True)
        for p in curve_from_timings("run", float(rate), [r.result.measured], conf)
    ]
    return LoadSweep(tuple(float(r) for r in rates), tuple(reports), tuple(curve))
