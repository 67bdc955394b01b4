"""``assay run --early-stop RUN``: the plan from the policy, and how the stop ended."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import assay
from assay.cli._render import console, safe
from assay.errors import ConfigError

if TYPE_CHECKING:
    from assay.core import Run
    from assay.runners import EarlyStop
    from assay.storage import Store

__all__ = ["parse_bounds", "plan_early_stop", "print_early_stop"]


def parse_bounds(text: str) -> tuple[float, float]:
    """``LOW:HIGH`` as two floats."""
    low, sep, high = text.partition(":")
    try:
        if not sep:
            raise ValueError(text)
        return float(low), float(high)
    except ValueError:
        raise ConfigError(
            f"--early-stop-bounds is LOW:HIGH, the range every score lies in. Got {text!r}."
        ) from None


def plan_early_stop(
    baseline: str | None,
    *,
    suite: str,
    store: Store,
    policy: Path | None,
    metric: str | None,
    seed: int | None,
    bounds: str | None,
) -> EarlyStop | None:
    """The plan for ``--early-stop BASELINE`` (``None`` without it)."""
    if baseline is None:
        given = {
            "--policy": policy,
            "--early-stop-metric": metric,
            "--early-stop-seed": seed,
            "--early-stop-bounds": bounds,
        }
        named = [k for k, v in given.items() if v is not None]
        if named:
            raise ConfigError(
                f"{', '.join(named)}: only with --early-stop BASELINE_RUN. Add it, or leave "
                f"{'it' if len(named) == 1 else 'them'} out."
            )
        return None
    return assay.early_stop_plan(
        baseline,
        suite=suite,
        policy=policy,
        metric=metric,
        store=store,
        seed=seed or 0,
        bounds=parse_bounds(bounds) if bounds is not None else (0.0, 1.0),
    )


def print_early_stop(run: Run, policy: Path | None = None) -> None:
    """How a planned early stop ended, when the run had one, and how to gate the run."""
    stop: dict[str, Any] | None = run.manifest.provenance.get("early_stop")
    if not stop:
        return
    words = {
        "not_worse": "[green]decided: not worse[/]",
        "worse": "[red]decided: worse[/]",
        "undecided": "[yellow]undecided[/]",
    }[stop["decision"]]
    low, high = stop["low"], stop["high"]
    interval = "no interval" if low is None or high is None else f"[{low:+.4f}, {high:+.4f}]"
    console.print(
        f"  early stop: {words} after {stop['n_used']:,} of {stop['n_total']:,} examples; "
        f"{safe(stop['metric'])} difference {interval}, margin {stop['margin']:g}, "
        f"{stop['confidence']:.0%} {stop['method']}"
    )
    base = (stop.get("parameters") or {}).get("baseline_run")
    if base and stop["n_used"] < stop["n_total"]:
        console.print(
            f"  Gate it against the same baseline (assay gate {safe(base[:12])} "
            f"{run.run_id[:12]}{f' --policy {safe(str(policy))}' if policy else ''}): the "
            "stop is replayed from the records, "
            f"{safe(stop['metric'])} is judged on this anytime-valid interval, and the "
            "unevaluated examples are not counted as missing."
        )
