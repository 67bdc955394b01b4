"""Service-level objectives of a load test: parsing ``ttft_p99<=500ms`` and judging them.

Three shapes: a per-request objective (``ttft<=500ms``: each request meets it or misses; they
define SLO attainment), a percentile objective (``ttft_p99<=500ms``: judged on the
order-statistic interval, failed requests counting as missing it), and a run-level objective
(``attainment>=0.99``, ``error_rate<=0.01``, ``output_tokens_per_s>=200``, ``requests_per_s>=5``,
``goodput>=5``). Judged on interval bounds like every gate: met when the whole interval is on
the right side, missed when the whole interval is on the wrong side, inconclusive otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assay.errors import ConfigError

__all__ = ["PER_REQUEST", "RUN_LEVEL", "Objective", "parse_objective"]

PER_REQUEST = {
    "ttft": "ttft_s",
    "e2e": "e2e_s",
    "tpot_excl_first": "tpot_excl_first_s",
    "tpot_incl_first": "tpot_incl_first_s",
    "itl": "itl_mean_s",
    "client_lag": "client_lag_s",
}
RUN_LEVEL = ("attainment", "error_rate", "output_tokens_per_s", "requests_per_s", "goodput")
_UNITS = {"ms": 1e-3, "s": 1.0, "": 1.0}
_PATTERN = re.compile(
    r"^\s*(?P<name>[a-z0-9_]+?)(?:_p(?P<pct>\d+(?:\.\d+)?))?\s*(?P<op><=|>=)\s*"
    r"(?P<value>\d+(?:\.\d*)?(?:e-?\d+)?)\s*(?P<unit>ms|s|%)?\s*$"
)


@dataclass(frozen=True)
class Objective:
    """One parsed objective; ``threshold`` is in seconds for times."""

    text: str
    metric: str
    """A key of ``PER_REQUEST`` or one of ``RUN_LEVEL``."""
    op: str
    threshold: float
    percentile: float | None = None
    """0.99 for ``_p99``; ``None`` for per-request and run-level objectives."""

    @property
    def kind(self) -> str:
        if self.metric in RUN_LEVEL:
            return "run"
        return "request" if self.percentile is None else "percentile"

    def met_by(self, value: float) -> bool:
        return value <= self.threshold if self.op == "<=" else value >= self.threshold


def parse_objective(text: str) -> Objective:
    """``ttft_p99<=500ms`` → an :class:`Objective`; a clear :class:`ConfigError` otherwise."""
    match = _PATTERN.match(text)
    known = ", ".join([*PER_REQUEST, *RUN_LEVEL])
    if match is None:
        raise ConfigError(
            f"Cannot read the objective {text!r}: expected METRIC<=VALUE, METRIC_pNN<=VALUE "
            f"or METRIC>=VALUE with ms or s on times (metrics: {known})"
        )
    name, pct, unit = match["name"], match["pct"], match["unit"] or ""
    value = float(match["value"])
    if name in PER_REQUEST:
        if unit not in ("ms", "s"):  # a bare 500 could be ms or s: never guessed
            raise ConfigError(f"Cannot read the objective {text!r}: a time needs ms or s")
        if match["op"] != "<=":
            raise ConfigError(f"The objective {text!r} is a latency: use <=")
        percentile = None
        if pct is not None:
            percentile = float(pct) / 100
            if not 0 < percentile < 1:
                raise ConfigError(f"The percentile in {text!r} must be between 0 and 100")
        return Objective(text.strip(), name, "<=", value * _UNITS[unit], percentile)
    if name in RUN_LEVEL and pct is None:
        if unit in ("ms", "s"):
            raise ConfigError(f"The objective {text!r} is not a time: drop the unit")
        scale = 0.01 if unit == "%" else 1.0
        return Objective(text.strip(), name, match["op"], value * scale)
    raise ConfigError(f"Unknown metric in the objective {text!r}: one of {known}")
