"""Factories of small, realistic suites and records for tests and examples (seeded).

Every factory takes ``seed`` or, where given, a ``numpy.random.Generator`` as ``rng``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from assay.data import SuiteData, make_suite
from assay.testing._fake_openai import fake_reply

__all__ = ["QA_TEMPLATE", "qa_examples", "qa_suite", "synthetic_records", "synthetic_suite"]

QA_TEMPLATE = "Q: {{ question }}"
"""The prompt template of :func:`qa_suite` (what the fake server sees)."""


def synthetic_suite(
    n: int = 200,
    *,
    name: str = "synthetic",
    metrics: Sequence[str] = ("accuracy",),
    slices: dict[str, Sequence[str]] | None = None,
    cluster_size: int | None = None,
    seed: int = 0,
    rng: np.random.Generator | None = None,
) -> SuiteData:
    """A suite of ``n`` examples with slice attributes drawn at random (seeded).

    ``cluster_size`` groups consecutive examples into clusters of that size; ``rng``, when
    given, is used instead of a generator seeded with ``seed``.
    """
    rng = np.random.default_rng(seed) if rng is None else rng
    slices = {"lang": ("en", "de", "fr")} if slices is None else slices
    columns: dict[str, object] = {"example_id": [f"ex-{i:06d}" for i in range(n)]}
    if cluster_size:
        columns["cluster"] = [f"c-{i // cluster_size:05d}" for i in range(n)]
    for attr, values in slices.items():
        columns[attr] = rng.choice(list(values), size=n).tolist()
    columns["input"] = [f"question {i}" for i in range(n)]
    columns["reference"] = [f"answer {i}" for i in range(n)]
    return make_suite(
        name,
        pa.table(columns),
        metrics=[{"name": m, "scorer": "exact_match"} for m in metrics],
        slices=list(slices),
    )


def synthetic_records(
    data: SuiteData,
    *,
    accuracy: float | dict[str, float] = 0.8,
    samples: int = 1,
    error_rate: float = 0.0,
    seed: int = 0,
    rng: np.random.Generator | None = None,
) -> pa.Table:
    """Per-example 0/1 scores for every metric of ``data`` (seeded), with latency and errors.

    ``accuracy`` may differ by metric (a mapping of metric name to rate); ``rng``, when given,
    is used instead of a generator seeded with ``seed``.
    """
    rng = np.random.default_rng(seed) if rng is None else rng
    n = data.suite.n_examples
    ids = np.repeat(
        np.asarray(data.examples.column("example_id").to_pylist(), dtype=object), samples
    )
    sample_index = np.tile(np.arange(samples, dtype=np.int32), n)
    rows = n * samples
    errored = rng.random(rows) < error_rate
    columns: dict[str, object] = {"example_id": ids.tolist(), "sample_index": sample_index}
    for metric in data.suite.metric_names:
        rate = accuracy[metric] if isinstance(accuracy, dict) else accuracy
        scores = (rng.random(rows) < rate).astype(np.float64)
        scores[errored] = np.nan
        columns[metric] = scores
    columns["output"] = [f"output {i}" for i in range(rows)]
    columns["latency_ms"] = rng.gamma(4.0, 25.0, size=rows)
    columns["error"] = [("TimeoutError: no answer in 30 s" if e else None) for e in errored]
    return pa.table(columns)


def qa_examples(n: int) -> list[dict[str, Any]]:
    """``n`` question examples; the reference is the fake server's reply for even ``i`` only."""
    out = []
    for i in range(n):
        prompt = f"Q: what is item {i}"
        out.append(
            {
                "example_id": f"q{i:04d}",
                "input": {"question": f"what is item {i}"},
                "reference": fake_reply(prompt) if i % 2 == 0 else "no",
                "slices": {"lang": "en" if i % 3 else "de"},
            }
        )
    return out


def qa_suite(n: int = 12) -> SuiteData:
    """A suite over :func:`qa_examples` scored by exact match, sliced by ``lang``.

    Evaluated with :data:`QA_TEMPLATE` against :class:`FakeOpenAI`, even examples are right.
    """
    return make_suite(
        "qa",
        qa_examples(n),
        metrics=[{"name": "accuracy", "scorer": "exact_match"}],
        slices=["lang"],
    )
