"""Throughput of the trained embedding judge on a 10,000-example safety suite, on 2 CPU threads.

Workload: ``--n`` distinct (objective, response) pairs built from PyRIT's human-scored pairs
(each text suffixed with its index, so no two texts repeat and the judge's de-duplication
saves nothing), labelled by the refusal judge fitted on PyRIT's labels (:func:`fit_judge`,
its training encodings kept in ``--cache-dir``). Timed: :meth:`EmbeddingJudge.labels` with a
fresh, cache-less :class:`PairEmbedder`: hashing, encoding both texts of every pair,
features and the logistic regression.

Reference measured in the same run (the floor): sentence-transformers' ``encode`` of the
same 2 × n texts, same model, same 128-token cut, same batch size, nothing else. The ratio
judge time / floor time is the judge's overhead; 1.0 is free. The rule-based refusal
detector (:func:`assay.metrics.is_refusal`) is timed on the same n responses. No text is
printed.

The pairs are timed in chunks (``--chunk``, 1,000): floor and judge take turns on each chunk
(the floor first on even chunks, the judge first on odd ones), so a shared machine's load
swings reach both alike, and a line per chunk shows progress and the running ratio.

    python benchmarks/bench_judges.py               # 10,000 pairs, 2 threads
    python benchmarks/bench_judges.py --quick       # 500 pairs
    python benchmarks/bench_judges.py --n 2000 --threads 2
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="pairs to judge")
    parser.add_argument("--quick", action="store_true", help="500 pairs")
    parser.add_argument("--threads", type=int, default=2, help="torch and BLAS threads")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--chunk", type=int, default=1000, help="pairs timed per turn")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(".assay/cache/embeddings"),
        help="encodings of PyRIT's training pairs (fitting the judge), not of the timed pairs",
    )
    args = parser.parse_args()
    n = 500 if args.quick else args.n
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import torch

    torch.set_num_threads(args.threads)

    from assay.datasets import load_pyrit_judgements
    from assay.runners import PairEmbedder, SentenceEmbeddingAdapter
    from assay.runners.judges._features import MAX_TOKENS
    from assay.workflows import fit_judge

    judge = fit_judge("refusal", cache_dir=args.cache_dir)
    table = load_pyrit_judgements().to_pydict()
    m = len(table["response"])
    objectives = [f"{table['objective'][i % m]} [{i}]" for i in range(n)]
    responses = [f"{table['response'][i % m]} [{i}]" for i in range(n)]
    print(
        f"{n:,} distinct pairs, {args.threads} threads, batch {args.batch_size}, "
        f"{MAX_TOKENS} tokens per text; load average {os.getloadavg()[0]:.1f} at the start"
    )

    from assay.metrics import is_refusal

    floor_adapter = SentenceEmbeddingAdapter(batch_size=args.batch_size)
    model = floor_adapter._load()
    model.max_seq_length = MAX_TOKENS
    model.encode(objectives[:64], batch_size=args.batch_size)  # warm both the same way
    embedder = PairEmbedder(embedder=SentenceEmbeddingAdapter(batch_size=args.batch_size))
    embedder._encode(objectives[:64])

    def time_floor(lo: int, hi: int) -> float:
        start = time.perf_counter()
        model.encode(
            [*objectives[lo:hi], *responses[lo:hi]],
            batch_size=args.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return time.perf_counter() - start

    def time_judge(lo: int, hi: int) -> tuple[float, int]:
        start = time.perf_counter()
        labels = judge.labels(embedder, objectives[lo:hi], responses[lo:hi])
        return time.perf_counter() - start, int(labels.sum())

    floor = judged = 0.0
    refusals = 0
    for k, lo in enumerate(range(0, n, args.chunk)):
        hi = min(n, lo + args.chunk)
        if k % 2 == 0:
            f = time_floor(lo, hi)
            j, found = time_judge(lo, hi)
        else:
            j, found = time_judge(lo, hi)
            f = time_floor(lo, hi)
        floor, judged, refusals = floor + f, judged + j, refusals + found
        print(
            f"  pairs {hi:>7,}: chunk floor {f:7.1f} s, judge {j:7.1f} s; running ratio "
            f"{judged / floor:.3f}; load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    start = time.perf_counter()
    rule = sum(is_refusal(r) for r in responses)
    ruled = time.perf_counter() - start

    print(f"sentence-transformers encode alone (floor): {floor:8.2f} s  {n / floor:8.1f} pairs/s")
    print(f"embedding judge (labels):                   {judged:8.2f} s  {n / judged:8.1f} pairs/s")
    print(f"rule-based refusal detector:                {ruled:8.2f} s  {n / ruled:8.1f} pairs/s")
    print(f"ratio judge / floor: {judged / floor:.3f}   ({refusals:,} labelled refusal)")
    print(f"ratio rule-based / floor: {ruled / floor:.4f}   ({rule:,} refusals found)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
