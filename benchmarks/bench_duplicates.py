"""Near duplicates of a suite's inputs: MinHash LSH with exact verification against all pairs.

A datasheet counts exact and near duplicates (word 3-shingle Jaccard >= 0.8) among a suite's
inputs with :func:`assay.governance.count_duplicates`. The reference computes the Jaccard
similarity of every pair of distinct normalised texts. Workload: the first N sentences of the
Hutto & Gilbert sentiment corpus, plus near copies of some of them (a word changed, a word
added, case and spacing changed). Both must find the same pairs (checked), and the ratio of
the two times is printed. The Adult test rows (census attributes as JSON, whose texts share
most of their shingles) are timed too, without a reference.

    python benchmarks/bench_duplicates.py            # 6,000 sentences, the 15,060 Adult rows
    python benchmarks/bench_duplicates.py --quick    # 2,000 sentences, 3,000 Adult rows
"""

from __future__ import annotations

import argparse
import hashlib
import time
from itertools import combinations

from assay.data._near_duplicates import normalise_text, shingles
from assay.datasets import load_sentiment_corpus
from assay.governance import count_duplicates
from assay.governance._datasheet_facts import input_text


def _all_pairs(texts: list[str], threshold: float) -> int:
    distinct = {hashlib.sha256(normalise_text(t).encode()).hexdigest(): t for t in texts}
    sets = [shingles(normalise_text(t)) for t in distinct.values()]
    return sum(
        bool(a and b) and len(a & b) >= threshold * len(a | b) for a, b in combinations(sets, 2)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 sentences, 3,000 rows")
    args = parser.parse_args()
    n, rows = (2_000, 3_000) if args.quick else (6_000, None)
    texts = load_sentiment_corpus()["text"].head(n).tolist()
    texts += [t.replace(" the ", " a ", 1) + " indeed" for t in texts[: n // 20]]
    texts += [f"  {t.upper()} " for t in texts[n // 20 : n // 10]]
    start = time.perf_counter()
    found = count_duplicates(texts)
    lsh = time.perf_counter() - start
    start = time.perf_counter()
    pairs = _all_pairs(texts, 0.8)
    brute = time.perf_counter() - start
    assert found.near_pairs == pairs, (found.near_pairs, pairs)
    print(f"texts                      {len(texts):,} sentences, {pairs:,} near-duplicate pairs")
    print(f"count_duplicates           {lsh:8.2f} s")
    print(f"all pairs (reference)      {brute:8.2f} s")
    print(f"ratio                      {brute / lsh:8.1f}x faster than all pairs, same pairs")
    from assay.demo._adult import adult_suite

    column = adult_suite().examples.column("input").to_pylist()[:rows]
    adult = [input_text(v) or "" for v in column]
    start = time.perf_counter()
    tabular = count_duplicates(adult)
    print(
        f"adult rows                 {len(adult):,} rows, {tabular.near_pairs:,} pairs: "
        f"{time.perf_counter() - start:.2f} s"
    )


if __name__ == "__main__":
    main()
