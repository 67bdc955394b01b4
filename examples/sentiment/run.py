"""VADER (baseline) against MiniLM embeddings + logistic regression (candidate), gated by slice.

The library call behind ``assay demo --example sentiment``: split the human-rated sentences
of Hutto & Gilbert (2014), train the candidate, evaluate both models, compare them paired by
example, gate with the default policy, write the reports. Then print, for accuracy overall
and on every domain: both estimates, the paired difference with its 95% interval, the test
that produced it and the Holm-adjusted p-value of the slice gate.

    python examples/sentiment/run.py                 # the whole corpus (minutes on a CPU)
    python examples/sentiment/run.py --sample 2000   # a seeded stratified subsample

Needs ``pip install 'assay[sentiment]'``. Runs offline; the store is ``ASSAY_HOME`` (default
``./.assay``).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import assay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=None, help="seeded subsample of N texts")
    parser.add_argument("--out", default="assay-demo-sentiment", help="report folder")
    args = parser.parse_args()
    started = time.perf_counter()
    result = assay.run_sentiment_demo(sample=args.sample, output=args.out, on_step=print)
    elapsed = time.perf_counter() - started
    comparison = result.decision.comparison
    print(f"\n{comparison.coverage.shared} paired test texts; wall time {elapsed:.0f} s")
    print(f"{'accuracy':<28}{'n':>6}{'VADER':>8}{'MiniLM+LR':>11}  difference [95% CI]   test")
    for r in comparison.results:
        if r.metric != "accuracy" or r.slice_attribute not in (None, "domain"):
            continue
        d = r.difference
        where = "overall" if r.slice_attribute is None else f"domain={r.slice_value}"
        p_adj = "" if r.p_adjusted is None else f"  p_adj={r.p_adjusted:.2g} ({r.adjustment})"
        print(
            f"{where:<28}{r.n:>6}{r.baseline.estimate:>8.4f}{r.candidate.estimate:>11.4f}"
            f"  {d.estimate:+.4f} [{d.low:+.4f}, {d.high:+.4f}]  {r.test}{p_adj}"
        )
    verdict = result.decision.verdict
    print(f"\n{verdict.summary}")
    for rule in verdict.rules:
        print(f"  {rule.outcome:<12} {rule.rule}: {rule.reason}")
    print(f"\nreports: {', '.join(str(p) for p in result.decision.files.values())}")


if __name__ == "__main__":
    main()
