"""The table ``bench_store.py`` prints: each figure as wall-clock time and as the process's
CPU time, against MLflow's measured in the same run."""

from __future__ import annotations

from typing import Any

_ROWS = (
    ("list/filter, first query", "cold_search", "search", "≥ 20× and < 10 ms"),
    ("list/filter, repeated query", "search", "search", "≥ 50×"),
    ("log {n_values:,} metric values", "log", "log", "≥ 100×"),
)


def report(
    ours: dict[str, Any],
    reference: dict[str, Any] | str,
    *,
    n_runs: int,
    n_values: int,
    threshold: float,
) -> None:
    print(
        f"runs stored: {n_runs:,}; filter: accuracy > {threshold} and stage = candidate "
        f"({ours['matches']:,} matches); values logged: {n_values:,}"
    )
    print(f"{'':38} {'assay':>10} {'MLflow':>10} {'ratio':>8}  target")
    for label, key, their_key, target in _ROWS:
        for clock, suffix in (("", "_s"), (", CPU", "_cpu_s")):
            mine = ours[key + suffix]
            if isinstance(reference, dict):
                theirs = reference[their_key + suffix]
                shown = f"{theirs * 1000:8.1f}ms {theirs / mine:7.1f}×"
            else:
                shown = f"{'n/a':>10} {'n/a':>8}"
            name = label.format(n_values=n_values) + clock
            print(f"{name:38} {mine * 1000:8.1f}ms {shown}  {target}")
    parts = ours["parts"]
    print(
        f"first query's CPU by step: SQL {parts['sql'] * 1000:.1f} ms, JSON into RunInfo models "
        f"{parts['models'] * 1000:.1f} ms (json.loads of the same texts alone "
        f"{parts['json_loads'] * 1000:.1f} ms)"
    )
    if "cold_mean_s" in ours:
        print(
            f"first query, mean of {ours['cold_mean_repeats']} in one process (the garbage "
            f"collector's occasional full passes included): {ours['cold_mean_s'] * 1000:.1f} ms"
        )
    if isinstance(reference, dict):
        print(
            f"reference: MLflow {reference['version']} with a SQLite tracking store "
            f"({reference['matches']:,} matches)"
        )
    else:
        print(f"reference unavailable: {reference}")
