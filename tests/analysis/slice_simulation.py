"""Seeded data for slice-discovery simulations: five attributes (4, 5, 6, 3 and 8 levels),
binary errors at 10%, and optionally 200 planted rows (their own value of ``a0``) at 25%."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from assay.analysis import SliceDiscovery, discover_slices

LEVELS = (4, 5, 6, 3, 8)
ATTRIBUTES = [f"a{j}" for j in range(len(LEVELS))]
PLANTED = "a0 = planted"


def simulated(
    seed: int, *, n: int = 2000, planted: bool
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """Examples, errors and each row's true error probability."""
    rng = np.random.default_rng(seed)
    columns = {
        a: rng.integers(0, k, n).astype(str).astype(object)
        for a, k in zip(ATTRIBUTES, LEVELS, strict=True)
    }
    p = np.full(n, 0.10)
    if planted:
        rows = rng.choice(n, 200, replace=False)
        columns["a0"][rows] = "planted"
        p[rows] = 0.25
    errors = (rng.random(n) < p).astype(float)
    table = pa.table(
        {"example_id": [f"e{i:05d}" for i in range(n)], **{a: list(c) for a, c in columns.items()}}
    )
    return table, errors, p


def run(seed: int, control: str, *, planted: bool) -> tuple[SliceDiscovery, np.ndarray, pa.Table]:
    table, errors, p = simulated(seed, planted=planted)
    found = discover_slices(table, errors, attributes=ATTRIBUTES, control=control, rng=seed)  # type: ignore[arg-type]
    return found, p, table


def false_discoveries(found: SliceDiscovery, p: np.ndarray, table: pa.Table) -> int:
    """Discoveries whose true error is not above the true error of the rest."""
    ids = np.array(table.column("example_id").to_pylist())
    false = 0
    for s in found.slices:
        inside = np.isin(ids, s.example_ids)
        false += not p[inside].mean() > p[~inside].mean() + 1e-12
    return false
