"""The table ``bench_http.py`` prints: each client against the bare aiohttp loop."""

from __future__ import annotations

import os

_NAMES = {
    "bare": "bare aiohttp loop (reference)",
    "assay": "assay evaluate_suite + OpenAIAdapter",
    "before": "  the same, --against package",
    "httpx": "bare httpx AsyncClient (2,000 req.)",
}


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run with the median wall time of repeated runs (the lower median of an even count)."""
    ordered = sorted(runs, key=lambda r: r["wall"])
    return ordered[(len(ordered) - 1) // 2]


def _middle(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def report(
    n: int, c: int, repeat: int, rows: dict[str, list[dict[str, float]]], other: str | None
) -> None:
    """Print the table: whole command and inside the process, against the bare loop; with an
    ``--against`` package, its rows and this checkout's CPU against it."""
    ref = median(rows["bare"])
    print(
        f"{n:,} chat requests, concurrency {c}, loopback server answering after 20 ms; "
        f"median of {repeat}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(f"{'':<38}{'--- whole command ---':>32}{'--- inside the process ---':>34}")
    print(
        f"{'client':<38}{'req/s':>8}{'CPU s/1k':>10}{'vs bare':>10}   "
        f"{'req/s':>8}{'CPU s/1k':>10}{'vs bare':>10}"
    )
    for key, label in _NAMES.items():
        if key not in rows:
            continue
        r = median(rows[key])
        count = min(n, 2_000) if key == "httpx" else n
        whole, inside = count / r["wall"], count / r["inside_s"]
        print(
            f"{label:<38}{whole:>8,.0f}{r['cpu'] / count * 1000:>10.3f}"
            f"{whole / (n / ref['wall']):>9.2f}x   {inside:>8,.0f}"
            f"{r['inside_cpu'] / count * 1000:>10.3f}{inside / (n / ref['inside_s']):>9.2f}x"
        )
    assay_errors = sum(r.get("errors", 0) for key in ("assay", "before") for r in rows.get(key, []))
    if assay_errors:
        print(f"warning: {assay_errors} assay records had errors")
    if any(r.get("pandas") for r in rows["assay"]):
        print("note: the assay process imported pandas")
    for key, label in (("hit", "this checkout"), ("before hit", "--against package")):
        if key in rows:
            hit = median(rows[key])
            print(
                f"cache-hit re-run of a completed {n:,}-example run ({label}): {hit['wall']:.2f} s "
                f"whole command ({hit['cpu']:.2f} CPU s); evaluate_suite alone "
                f"{hit['inside_s']:.2f} s"
            )
    if other is not None:
        # CPU seconds: the steadier figure on a shared machine (wall time moves with the load)
        pairs = list(zip(rows["assay"], rows["before"], strict=True))
        whole = _middle([b["cpu"] / a["cpu"] for a, b in pairs])
        inside = _middle([b["inside_cpu"] / a["inside_cpu"] for a, b in pairs])
        print(
            f"against {other}: median over the {len(pairs)} turns of its CPU seconds over this "
            f"checkout's: whole command {whole:.2f}x, inside the process {inside:.2f}x"
        )
