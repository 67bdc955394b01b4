"""Statistics benchmarks: assay's bootstrap engine against scipy and scikit-learn.

One command, three workloads, every time printed next to a reference measured in the same run:

(a) Paired macro-F1 difference (5 classes), 2,000 resamples: ``assay.stats.paired_bootstrap``
    against ``scipy.stats.bootstrap(paired=True, vectorized=True, method="percentile")`` at
    n = 100,000, with both intervals side by side (they must agree within Monte-Carlo
    error); then assay's BCa at n = 100,000 against scipy's BCa at n = 5,000 and 10,000
    (scipy's jackknife is quadratic in n).
(b) 100,000 bootstrap replicates of binary F1 at n = 1,000: ``assay.stats.bootstrap_metric``
    against calling ``sklearn.metrics.f1_score`` once per replicate (200 timed, scaled).
(c) A comparison-shaped workload in a fresh process: 1,000,000 paired examples, 50 slices
    (+ all), 10 metrics: 6 binary and 2 continuous means (closed-form paired methods of
    ``assay.stats``), macro-F1 and p95 latency (paired bootstrap, 2,000 resamples, BCa, one
    set of resample weights for all slices). Wall time and peak resident memory (the data
    included). Reference: the straightforward loop — ``scipy.stats.bootstrap`` (paired,
    vectorized, percentile) per slice for each non-mean metric — timed on two slices and
    scaled to 51 slices.

    python benchmarks/bench_stats.py            # full sizes (several minutes: scipy is slow)
    python benchmarks/bench_stats.py --quick    # n = 10,000 for (a), 100,000 for (c)
    python benchmarks/bench_stats.py --only c --repeat 3 --against /tmp/before/src

With ``--against SRC`` (the ``src`` folder of another checkout, e.g. an earlier commit's ``git
archive HEAD~1 src | tar -x -C /tmp/before``), workload (c) also runs on that package, one
process of each in turn, so a before/after pair shares the machine's load; CPU seconds (all
threads), which a busy machine disturbs less than wall time, are compared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _peak import peak_mib

THIS = str(Path(__file__).resolve().parents[1] / "src")
LABELS = 5
RESAMPLES = 2000


def _macro_f1(s: np.ndarray) -> np.ndarray:
    c = s.reshape(*s.shape[:-1], LABELS, 3)
    tp, fp, fn = c[..., 0], c[..., 1], c[..., 2]
    den = 2 * tp + fp + fn
    return np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), 0.0).mean(-1)


def _stats(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per-example (TP, FP, FN) indicators for each label, as compact integers."""
    t = y[:, None] == np.arange(LABELS)
    q = p[:, None] == np.arange(LABELS)
    return np.stack([t & q, ~t & q, t & ~q], -1).reshape(len(y), -1).view(np.uint8)


def _macro_f1_data(y: np.ndarray, p: np.ndarray, axis: int = -1) -> np.ndarray:
    out = 0.0
    for c in range(LABELS):
        tp = ((y == c) & (p == c)).sum(axis)
        den = 2 * tp + ((y != c) & (p == c)).sum(axis) + ((y == c) & (p != c)).sum(axis)
        out = out + np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0)
    return out / LABELS


def _diff_data(y: np.ndarray, a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return _macro_f1_data(y, b, axis) - _macro_f1_data(y, a, axis)


def _classes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, LABELS, n)
    a = np.where(rng.random(n) < 0.70, y, rng.integers(0, LABELS, n))
    b = np.where(rng.random(n) < 0.72, y, rng.integers(0, LABELS, n))
    return y, a, b


def _timed(fn: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def bench_a(quick: bool) -> None:
    from scipy import stats

    from assay.stats import paired_bootstrap

    n = 10_000 if quick else 100_000
    y, a, b = _classes(n, 0)
    print(f"(a) paired macro-F1 difference, {LABELS} classes, n = {n:,}, {RESAMPLES} resamples")
    sa, sb = _stats(y, a), _stats(y, b)
    ours, t_ours = _timed(lambda: paired_bootstrap(sa, sb, _macro_f1, rng=1, method="percentile"))
    ref, t_ref = _timed(
        lambda: stats.bootstrap(
            (y, a, b),
            _diff_data,
            paired=True,
            vectorized=True,
            n_resamples=RESAMPLES,
            method="percentile",
            rng=2,
            batch=max(1, 20_000_000 // n),
        )
    )
    d, se = ours.difference, float(ref.standard_error)
    lo, hi = ref.confidence_interval
    print(f"    assay percentile  {t_ours:8.3f} s   [{d.low:.5f}, {d.high:.5f}]  ({d.notes[0]})")
    print(f"    scipy percentile  {t_ref:8.3f} s   [{lo:.5f}, {hi:.5f}]")
    print(
        f"    ratio scipy / assay: {t_ref / t_ours:,.0f}x;  interval ends differ by "
        f"{abs(d.low - lo) / se:.2f} and {abs(d.high - hi) / se:.2f} bootstrap SE "
        f"(Monte-Carlo error of a 2.5% quantile with 2,000 resamples is about 0.1 SE)"
    )
    bca, t_bca = _timed(lambda: paired_bootstrap(sa, sb, _macro_f1, rng=1, method="bca"))
    print(
        f"    assay BCa         {t_bca:8.3f} s   [{bca.difference.low:.5f}, "
        f"{bca.difference.high:.5f}]  at n = {n:,}"
    )
    for m in (2_000, 5_000) if quick else (5_000, 10_000):
        ym, am, bm = y[:m], a[:m], b[:m]
        _, t_sb = _timed(
            lambda ym=ym, am=am, bm=bm: stats.bootstrap(
                (ym, am, bm),
                _diff_data,
                paired=True,
                vectorized=True,
                n_resamples=RESAMPLES,
                method="BCa",
                rng=2,
                batch=200,
            )
        )
        print(
            f"    scipy BCa         {t_sb:8.3f} s   at n = {m:,}  "
            f"(assay at n = {n:,} is {t_sb / t_bca:,.1f}x faster with {n // m}x the data)"
        )


def bench_b() -> None:
    from sklearn.metrics import f1_score

    from assay.stats import bootstrap_metric

    n, reps, timed_reps = 1_000, 100_000, 200
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, n)
    p = np.where(rng.random(n) < 0.8, y, 1 - y)
    s = np.stack([(y == 1) & (p == 1), (y == 0) & (p == 1), (y == 1) & (p == 0)], 1).astype(float)

    def f1(t: np.ndarray) -> np.ndarray:
        return 2 * t[..., 0] / (2 * t[..., 0] + t[..., 1] + t[..., 2])

    print(f"(b) {reps:,} bootstrap replicates of binary F1, n = {n:,}")
    est, t_ours = _timed(
        lambda: bootstrap_metric(s, f1, rng=4, resamples=reps, method="percentile")
    )

    def sk_loop() -> None:
        g = np.random.default_rng(5)
        for _ in range(timed_reps):
            idx = g.integers(0, n, n)
            f1_score(y[idx], p[idx])

    _, t_sk = _timed(sk_loop)
    t_sk_all = t_sk * reps / timed_reps
    print(f"    assay             {t_ours:8.3f} s   [{est.low:.4f}, {est.high:.4f}]")
    print(
        f"    sklearn f1_score  {t_sk_all:8.1f} s   ({timed_reps} replicates timed: "
        f"{t_sk:.2f} s, scaled)"
    )
    print(f"    ratio sklearn / assay: {t_sk_all / t_ours:,.0f}x")


def _comparison_data(n: int, n_slices: int) -> dict[str, Any]:
    rng = np.random.default_rng(6)
    y, a, b = _classes(n, 7)
    data: dict[str, Any] = {"y": y, "a": a, "b": b, "slice": rng.integers(0, n_slices, n)}
    for i in range(6):
        base = rng.random(n) < 0.6 + 0.03 * i
        data[f"bin{i}"] = (
            base.astype(float),
            np.where(rng.random(n) < 0.1, ~base, base).astype(float),
        )
    for i in range(2):
        base = rng.gamma(2.0, 1.0, n)
        data[f"cont{i}"] = (base, base + rng.normal(0.01, 0.5, n))
    lat = rng.lognormal(5.0, 0.5, n)
    data["latency"] = (lat, lat * rng.lognormal(-0.02, 0.15, n))
    return data


def worker_c(n: int, n_slices: int, kind: str = "multinomial") -> dict[str, float]:
    from assay.stats import (
        PairedStats,
        bootstrap_weights,
        paired_binary_difference,
        paired_bootstrap_table,
        paired_mean_difference,
        paired_quantile_table,
    )

    data = _comparison_data(n, n_slices)
    t0, cpu0 = time.perf_counter(), time.process_time()
    masks = {"all": np.ones(n, dtype=bool)}
    masks.update({f"s{g}": data["slice"] == g for g in range(n_slices)})
    # the closed-form methods take each slice's rows: sort by slice once, then slice views
    order = np.argsort(data["slice"], kind="stable")
    edges = np.searchsorted(data["slice"][order], np.arange(n_slices + 1))
    results: dict[tuple[str, str], Any] = {}
    t_means = time.perf_counter()
    for name in [f"bin{i}" for i in range(6)] + [f"cont{i}" for i in range(2)]:
        base, cand = data[name]
        method = paired_binary_difference if name.startswith("bin") else paired_mean_difference
        results[(name, "all")] = method(base, cand)
        base_s, cand_s = base[order], cand[order]
        for g in range(n_slices):
            lo, hi = edges[g], edges[g + 1]
            results[(name, f"s{g}")] = method(base_s[lo:hi], cand_s[lo:hi])
    t_means = time.perf_counter() - t_means
    weights = bootstrap_weights(n, RESAMPLES, rng=8, kind=kind)  # type: ignore[arg-type]
    t_f1 = time.perf_counter()
    metrics = {
        "macro_f1": PairedStats(
            _stats(data["y"], data["a"]), _stats(data["y"], data["b"]), _macro_f1
        )
    }
    results.update(paired_bootstrap_table(metrics, slices=masks, weights=weights))
    t_f1 = time.perf_counter() - t_f1
    t_q = time.perf_counter()
    lat_a, lat_b = data["latency"]
    for s, r in paired_quantile_table(lat_a, lat_b, 0.95, slices=masks, weights=weights).items():
        results[("latency_p95", s)] = r
    t_q = time.perf_counter() - t_q
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    assert len(results) == 10 * (n_slices + 1)
    return {
        "wall": wall,
        "cpu": cpu,
        "means": t_means,
        "macro_f1": t_f1,
        "p95": t_q,
        "peak_mb": peak_mib(),
    }


def reference_c(n: int, n_slices: int, measured_slices: int = 2) -> float:
    from scipy import stats

    data = _comparison_data(n, n_slices)
    t0 = time.perf_counter()
    for g in range(measured_slices):
        m = data["slice"] == g
        y, a, b = data["y"][m], data["a"][m], data["b"][m]
        stats.bootstrap(
            (y, a, b),
            _diff_data,
            paired=True,
            vectorized=True,
            n_resamples=RESAMPLES,
            method="percentile",
            rng=9,
            batch=200,
        )
        la, lb = data["latency"][0][m], data["latency"][1][m]
        stats.bootstrap(
            (la, lb),
            lambda x, z, axis=-1: np.quantile(z, 0.95, axis=axis) - np.quantile(x, 0.95, axis=axis),
            paired=True,
            vectorized=True,
            n_resamples=RESAMPLES,
            method="percentile",
            rng=9,
            batch=200,
        )
    per_slice = (time.perf_counter() - t0) / measured_slices
    # the "all" slice holds n examples, each other slice about n / n_slices
    return per_slice * (n_slices + n_slices)


def _worker(n: int, n_slices: int, kind: str, src: str | None) -> dict[str, float]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, __file__, "--worker-c", str(n), str(n_slices), "--kind", kind],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),  # not this checkout, whose package a site hook may put first
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def bench_c(quick: bool, against: str | None, repeat: int) -> None:
    n, n_slices = (100_000 if quick else 1_000_000), 50
    print(
        f"(c) comparison: n = {n:,} paired examples, {n_slices} slices + all, 10 metrics "
        f"(6 binary, 2 continuous, macro-F1, p95 latency), {RESAMPLES} resamples, BCa; "
        f"median of {repeat} processes, load average {os.getloadavg()[0]:.1f}"
    )
    sources = {"assay": THIS, **({"against": against} if against else {})}
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _ in range(repeat):
        for kind in ("multinomial", "poisson"):
            for label, src in sources.items():
                runs.setdefault((label, kind), []).append(_worker(n, n_slices, kind, src))
    medians = {
        key: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for key, rs in runs.items()
    }
    for (label, kind), r in medians.items():
        print(
            f"    {label:<7} {kind:<11} {r['wall']:7.2f} s   CPU {r['cpu']:.2f} s, peak RSS "
            f"{r['peak_mb']:,.0f} MB (data included); means {r['means']:.2f} s, "
            f"macro-F1 {r['macro_f1']:.2f} s, p95 {r['p95']:.2f} s"
        )
    if against:
        for kind in ("multinomial", "poisson"):
            this, other = medians[("assay", kind)]["cpu"], medians[("against", kind)]["cpu"]
            print(f"    CPU seconds, {kind}: {this:.2f} against {other:.2f} ({other / this:.2f}x)")
        return  # the scipy reference is the same in both: see a run without --against
    t_ref = reference_c(n, n_slices)
    print(
        f"    scipy per slice   {t_ref:8.1f} s   (scipy.stats.bootstrap percentile per slice "
        f"for macro-F1 and p95, 2 slices timed, scaled to {n_slices} + all)"
    )
    for kind in ("multinomial", "poisson"):
        print(
            f"    ratio reference / assay ({kind}): {t_ref / medians[('assay', kind)]['wall']:,.0f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--only", default="abc", help="which workloads, e.g. 'ac'")
    parser.add_argument("--worker-c", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="multinomial", help=argparse.SUPPRESS)
    parser.add_argument("--against", help="(c) only: another checkout's src folder, in turn")
    parser.add_argument("--repeat", type=int, default=1, help="(c) only: processes (median)")
    args = parser.parse_args()
    if args.worker_c:
        print(json.dumps(worker_c(*args.worker_c, kind=args.kind)))
        return
    if "a" in args.only:
        bench_a(args.quick)
    if "b" in args.only:
        bench_b()
    if "c" in args.only:
        bench_c(args.quick, args.against, args.repeat)


if __name__ == "__main__":
    main()
