"""A stored suite with slice attributes and two runs, the candidate worse on one planted slice,
for the dashboard's analysis pages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import assay
from assay.data import make_suite

PLANTED = "region = east AND device = phone"


def by_length(texts: Sequence[str]) -> np.ndarray:
    """A two-dimensional embedding of each text: its length and a constant (the inputs here
    differ only in length)."""
    return np.array([[len(t) / 200.0, 1.0] for t in texts])


def planted_runs(store: assay.Store, *, n: int = 1600, seed: int = 0) -> tuple[str, str, str]:
    """Suite digest, baseline run id and candidate run id; the candidate's error is 0.5
    against 0.10 on ``region = east AND device = phone``."""
    rng = np.random.default_rng(seed)
    region = rng.choice(("north", "south", "east", "west"), n)
    device = rng.choice(("phone", "tablet", "desktop"), n)
    ids = [f"ex{i:05d}" for i in range(n)]
    rows = [
        {
            "example_id": ids[i],
            "slices": {"region": region[i], "device": device[i]},
            "input": "word " * int(k),
            "reference": "y",
        }
        for i, k in enumerate(rng.integers(2, 40, n))
    ]
    suite = make_suite(
        "planted", rows, metrics=["accuracy"], slices=["region", "device"], version="1"
    )
    assay.register_suite(suite, store=store)
    target = (region == "east") & (device == "phone")
    runs = []
    for name, p in (("base@1", np.full(n, 0.10)), ("cand@1", np.where(target, 0.5, 0.10))):
        correct = (rng.random(n) >= p).astype(float)
        records = [{"example_id": ids[i], "accuracy": correct[i]} for i in range(n)]
        runs.append(assay.log_run(records, suite=suite, model=name, store=store).run.run_id)
    return suite.digest, runs[0], runs[1]
