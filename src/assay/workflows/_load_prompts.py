"""Prompts for a load test drawn from a registered suite, so token lengths are real ones.

``load_prompts(suite, n, seed=…)`` returns ``n`` prompts: the suite's text inputs in a seeded
random order, drawn without replacement and started again in a fresh order when ``n`` exceeds
the suite. The draw uses its own stream of the seed (not the arrival schedule's), so the same
seed gives the same prompts in the same slots on every run: two deployments compared on one
seed see one workload.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assay._util import check_int
from assay.data import SuiteData
from assay.errors import DataError, ParameterError
from assay.storage import Store

__all__ = ["load_prompts"]

_STREAM = 0x70726F6D  # the prompt draw's own stream of the seed


def load_prompts(
    suite: SuiteData | str | Path, n: int, *, seed: int = 0, store: Store | None = None
) -> list[str]:
    """``n`` prompts drawn (seeded, without replacement while they last) from a suite's inputs.

    ``suite`` is a :class:`SuiteData`, a stored suite's name or digest, or a suite YAML. Every
    input must be text (a chat message list or an object is refused, naming the example).
    """
    from assay.workflows._api import get_suite

    function = "load_prompts"
    n = check_int(n, "n", function)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError("seed", function, "an int >= 0", seed)
    data = get_suite(suite, store=store)
    ids = data.examples.column("example_id").to_pylist()
    texts: list[str] = []
    for example_id, raw in zip(ids, data.examples.column("input").to_pylist(), strict=True):
        value = None if raw is None else json.loads(raw)
        if not isinstance(value, str) or not value:
            raise DataError(
                f"a load test sends text prompts; the suite {data.name!r} has another input",
                row=len(texts),
                column="input",
                found=f"{example_id}: {type(value).__name__}",
            )
        texts.append(value)
    if not texts:
        raise DataError(f"the suite {data.name!r} has no examples", column="input")
    gen = np.random.default_rng([seed, _STREAM])
    order: list[int] = []
    while len(order) < n:
        order.extend(int(i) for i in gen.permutation(len(texts)))
    return [texts[i] for i in order[:n]]
