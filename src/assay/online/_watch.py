"""Watching a running experiment: one always-valid readout per look, tightened over looks."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from assay.errors import ParameterError
from assay.online._readout import adjust_family, readout
from assay.online._result import Readout
from assay.online._settings import ReadoutSettings
from assay.online._table import DataSource
from assay.stats import Estimate, LiftResult

__all__ = ["watch"]


def _tighten(estimates: list[Estimate]) -> Estimate:
    last = estimates[-1]
    low = max(e.low for e in estimates if not math.isnan(e.low))
    high = min(e.high for e in estimates if not math.isnan(e.high))
    return dataclasses.replace(last, low=low, high=high)


def watch(looks: Sequence[DataSource], **options: Any) -> Readout:
    """Read out every look (cumulative data up to each day) and combine them anytime-validly.

    Each look is read with the always-valid normal-mixture SPRT (``sequential=True``; pass the
    same options as :func:`readout`, e.g. ``tau``, ``cuped``, ``control``, or ``settings`` with
    ``sequential=True``). The result is the last look's readout with each p-value replaced by
    its running minimum over the looks and each interval by the intersection of the looks'
    intervals: both keep their guarantee under continuous monitoring, and they are never less
    informative than the last look alone.
    Looks must be cumulative (each holds all the data so far) and come in time order.
    """
    if not looks:
        raise ParameterError("looks", "watch", "at least one look", looks)
    settings = options.get("settings")
    if isinstance(settings, ReadoutSettings):
        if not settings.sequential:
            raise ParameterError(
                "settings", "watch", "settings with sequential=True (always-valid tests)", settings
            )
    elif options.get("sequential") is False:
        raise ParameterError("sequential", "watch", "True (looks need always-valid tests)", False)
    else:
        options["sequential"] = True
    results = [readout(look, **options) for look in looks]
    final = results[-1]
    lifts: list[LiftResult] = []
    for lift in final.lifts:
        history = [
            r
            for res in results
            for r in res.lifts
            if (r.metric, r.treatment) == (lift.metric, lift.treatment) and r.status == "ok"
        ]
        if lift.status != "ok" or lift.kind == "quantile" or not history:
            lifts.append(lift)
            continue
        absolute = _tighten([r.absolute for r in history])
        relative = _tighten([r.relative for r in history])
        notes = list(lift.notes)
        notes.append(f"running minimum p-value and intersected intervals over {len(history)} looks")
        if absolute.low > absolute.high:
            notes.append("the looks' intervals do not overlap: the model behind them is suspect")
        lifts.append(
            dataclasses.replace(
                lift,
                absolute=absolute,
                relative=relative,
                p_value=min(r.p_value for r in history),
                p_value_relative=min(r.p_value_relative for r in history),
                notes=tuple(notes),
            )
        )
    method = str(final.parameters["multiplicity"])
    family = final.parameters["family"]
    adjusted = adjust_family(lifts, method, list(family) if family is not None else None)
    parameters = dict(final.parameters) | {"looks": len(looks)}
    return dataclasses.replace(final, lifts=tuple(adjusted), parameters=parameters)
