"""The seeds a stochastic test runs over: a few by default, the full sweep on request.

A randomness test should pass for every seed 0–99, not for the one seed it was written with.
Running 100 seeds on every commit is slow, so the fast run takes the first few and the full
sweep runs where it is asked for (``pytest -m slow`` in assay's own suite).
"""

from __future__ import annotations

from assay.errors import ParameterError

__all__ = ["seed_sweep"]


def seed_sweep(full: int = 100, *, fast: int = 3, sweep: bool = False) -> list[int]:
    """Seeds ``0 .. full-1`` when ``sweep`` is true, else the first ``fast`` of them."""
    for name, value in (("full", full), ("fast", fast)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(name, "seed_sweep", "an integer >= 1", value)
    return list(range(full if sweep else min(fast, full)))
