"""Contamination of a 100,000-example suite against a synthetic text corpus: throughput and
peak memory of ``assay.analysis.check_contamination`` against lm-evaluation-harness's janitor
13-gram matching written plainly in Python, on the same files.

The corpus is generated (seeded): one document a line, 40 to 400 words drawn from a Zipf-like
vocabulary of 50,000 words with ASCII punctuation; 1% of the suite's examples are copied into
it verbatim. The reference builds the set of the suite's 13-gram strings (lower-cased, ASCII
punctuation stripped, split on white space, as the janitor normalises) and looks up every
13-gram of every corpus line. Both must flag the same examples (checked). Each method runs in a
fresh process, so its peak resident memory is its own.

    python benchmarks/bench_contamination.py                  # 100,000 examples, 1,024 MB
    python benchmarks/bench_contamination.py --corpus-mb 256  # a smaller corpus
    python benchmarks/bench_contamination.py --quick          # 20,000 examples, 32 MB

Results, dated, are in benchmarks/README.md ("Contamination").
"""

from __future__ import annotations

import argparse
import json
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _peak import peak_mib

N_GRAM = 13


class _Words:
    """A Zipf-like vocabulary of 50,000 made-up words, each with or without a punctuation mark."""

    def __init__(self, rng: np.random.Generator, size: int = 50_000) -> None:
        letters = np.array(list(string.ascii_lowercase))
        words = ["".join(rng.choice(letters, k)) for k in rng.integers(2, 10, size)]
        self.forms = np.array([w + m for w in words for m in ("", "", "", ",", ".", "!")])
        weights = 1.0 / np.arange(1, size + 1)
        self.cdf = np.cumsum(weights / weights.sum())

    def lines(self, rng: np.random.Generator, count: int, low: int, high: int) -> list[str]:
        lengths = rng.integers(low, high, count)
        word = np.minimum(
            np.searchsorted(self.cdf, rng.random(int(lengths.sum()))), len(self.cdf) - 1
        )
        forms = self.forms[word * 6 + rng.integers(0, 6, len(word))]
        ends = np.cumsum(lengths)
        return [" ".join(forms[e - k : e]) for e, k in zip(ends, lengths, strict=True)]


def generate(folder: Path, n_examples: int, corpus_mb: int, seed: int = 0) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    words = _Words(rng)
    suite = folder / "suite.jsonl"
    examples = words.lines(rng, n_examples, 10, 60)
    with suite.open("w") as fh:
        for i, t in enumerate(examples):
            fh.write(json.dumps({"example_id": f"e{i}", "input": t}) + "\n")
    planted = rng.choice(n_examples, n_examples // 100, replace=False)
    corpus = folder / "corpus.txt"
    target = corpus_mb << 20
    written = block = 0
    with corpus.open("w") as fh:
        while written < target:
            lines = words.lines(np.random.default_rng([seed, 7, block]), 2000, 40, 400)
            for k, i in enumerate(planted[block * 50 : block * 50 + 50]):
                lines[k * 40] = lines[k * 40][:200] + " " + examples[int(i)]
            chunk = "\n".join(lines) + "\n"
            fh.write(chunk)
            written += len(chunk)
            block += 1
    return suite, corpus


def janitor(suite: Path, corpus: Path) -> set[str]:
    """lm-evaluation-harness's janitor matching, written plainly: normalise, 13-gram strings,
    set lookups."""
    table = str.maketrans("", "", string.punctuation)

    def grams(text: str) -> list[str]:
        words = text.translate(table).lower().split()
        return [" ".join(words[i : i + N_GRAM]) for i in range(len(words) - N_GRAM + 1)]

    owners: dict[str, list[str]] = {}
    for line in suite.open():
        row = json.loads(line)
        for g in grams(row["input"]):
            owners.setdefault(g, []).append(row["example_id"])
    found: set[str] = set()
    with corpus.open() as fh:
        for line in fh:
            for g in grams(line):
                hit = owners.get(g)
                if hit:
                    found.update(hit)
    return found


def ours(suite: Path, corpus: Path, near: bool) -> set[str]:
    from assay.analysis import check_contamination
    from assay.data import load_suite

    yaml = suite.with_suffix(".yaml")
    yaml.write_text(f"name: bench\nmetrics: [accuracy]\nexamples: {suite.name}\n")
    result = check_contamination(load_suite(yaml), [corpus], near_threshold=0.8 if near else None)
    return set(result.ids("contaminated"))


def child(method: str, suite: Path, corpus: Path) -> None:
    start = time.perf_counter()
    found = (
        janitor(suite, corpus)
        if method == "janitor"
        else ours(suite, corpus, method == "assay+near")
    )
    seconds = time.perf_counter() - start
    peak = peak_mib() * 2**20
    print(json.dumps({"seconds": seconds, "peak": peak, "found": sorted(found)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--corpus-mb", type=int, default=1024)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--near", action="store_true", help="also time the MinHash search")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    n, mb = (20_000, 32) if args.quick else (args.examples, args.corpus_mb)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        suite, corpus = generate(Path(tmp), n, mb)
        size = corpus.stat().st_size
        print(
            f"generated {n:,} examples and a {size / 2**20:,.0f} MB corpus in "
            f"{time.perf_counter() - t0:.0f} s"
        )
        methods = ["janitor", "assay", *(["assay+near"] if args.near else [])]
        runs = {}
        for method in methods:
            out = subprocess.run(
                [sys.executable, __file__, "--child", method, str(suite), str(corpus)],
                check=True,
                capture_output=True,
                text=True,
            )
            runs[method] = json.loads(out.stdout.splitlines()[-1])
        assert set(runs["assay"]["found"]) == set(runs["janitor"]["found"]), "different examples"
        ref = runs["janitor"]["seconds"]
        print(f"{'method':<12} {'seconds':>9} {'MB/s':>8} {'peak RSS MB':>12} {'speed-up':>9}")
        for method, r in runs.items():
            print(
                f"{method:<12} {r['seconds']:>9.1f} {size / 2**20 / r['seconds']:>8.2f} "
                f"{r['peak'] / 2**20:>12.0f} {ref / r['seconds']:>8.2f}x"
            )
        print(f"contaminated examples found by both: {len(runs['assay']['found']):,}")


if __name__ == "__main__":
    main()
