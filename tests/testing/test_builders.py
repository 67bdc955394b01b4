"""The builders are seeded: one seed, one table; a generator and its seed agree."""

from __future__ import annotations

import numpy as np
import pytest

from assay.compare import compare_records
from assay.testing import (
    comparison_of,
    comparison_suite,
    metric_result,
    paired_records,
    run_info,
    synthetic_records,
    synthetic_suite,
)


@pytest.mark.seeds(100)
def test_a_run_compared_with_itself_differs_by_nothing(seed: int) -> None:
    data = comparison_suite(120, seed=seed)
    records = paired_records(data, seed)
    assert records.equals(paired_records(data, seed))
    result = compare_records(run_info(data, "a"), records, run_info(data, "b"), records, data.suite)
    assert all(r.difference.estimate == 0.0 for r in result.results)


@pytest.mark.seeds(100)
def test_a_generator_gives_what_its_seed_gives(seed: int) -> None:
    by_seed = synthetic_suite(50, seed=seed)
    by_rng = synthetic_suite(50, rng=np.random.default_rng(seed))
    assert by_seed.digest == by_rng.digest
    assert synthetic_records(by_seed, seed=seed).equals(
        synthetic_records(by_rng, rng=np.random.default_rng(seed))
    )


def test_hand_made_results_make_a_comparison() -> None:
    built = comparison_of([metric_result((0.02, 0.01, 0.03), n=500)], errors=(3, 500))
    assert built.coverage.shared == 500
    assert built.errors["candidate"].errors == 3
    assert built.results[0].candidate.estimate == pytest.approx(0.82)
