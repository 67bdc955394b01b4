"""A stored suite with three slice attributes and two runs, one of them worse on one slice."""

from __future__ import annotations

import numpy as np

import assay
from assay.data import make_suite

REGIONS = ("north", "south", "east", "west")
DEVICES = ("phone", "tablet", "desktop")
PLANS = ("free", "pro")


def planted_runs(
    store: assay.Store, *, n: int = 2000, planted: bool = True, seed: int = 0
) -> tuple[str, str, str]:
    """Suite digest, baseline run id and candidate run id. The candidate is worse (error 0.35
    against 0.10) on ``region = east AND device = phone`` when ``planted``."""
    rng = np.random.default_rng(seed)
    region = rng.choice(REGIONS, n)
    device = rng.choice(DEVICES, n)
    plan = rng.choice(PLANS, n)
    text = ["x" * int(k) for k in rng.integers(5, 200, n)]
    ids = [f"ex{i:05d}" for i in range(n)]
    suite = make_suite(
        "planted",
        [
            {
                "example_id": ids[i],
                "slices": {"region": region[i], "device": device[i], "plan": plan[i]},
                "input": text[i],
                "reference": "y",
            }
            for i in range(n)
        ],
        metrics=["accuracy"],
        slices=["region", "device", "plan"],
        version="1",
    )
    assay.register_suite(suite, store=store)
    target = (region == "east") & (device == "phone")
    p_base = np.full(n, 0.10)
    p_cand = np.where(target, 0.35, 0.10) if planted else p_base
    runs = []
    for name, p in (("base@1", p_base), ("cand@1", p_cand)):
        correct = (rng.random(n) >= p).astype(float)
        records = [{"example_id": ids[i], "accuracy": correct[i]} for i in range(n)]
        runs.append(assay.log_run(records, suite=suite, model=name, store=store).run.run_id)
    return suite.digest, runs[0], runs[1]
