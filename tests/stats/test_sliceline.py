"""SliceLine as SystemDS computes it: the published conformance case, and the sliceline
package (an independent implementation) on the same and on random inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assay.errors import DataError, ParameterError
from assay.stats import sliceline

GOLDEN = json.loads(
    (Path(__file__).parent.parent / "golden/sliceline_systemds_custom1.json").read_text()
)


def test_systemds_custom_inputs_1_reproduced_exactly():
    x, e = np.array(GOLDEN["X"]), np.array(GOLDEN["e"])
    result = sliceline(
        x, e, k=GOLDEN["k"], alpha=GOLDEN["alpha"], min_support=GOLDEN["min_support"]
    )
    # SystemDS prints three decimals and compares with 1e-2; the rounded values agree exactly
    assert np.round(result.stats, 3).tolist() == GOLDEN["expected"]
    # the first two slices hold the same four rows under two descriptions (SliceLine lists both)
    first, second = result.slices[0], result.slices[1]
    assert first.tolist() != second.tolist()
    rows = [np.all((x == s) | (s == 0), axis=1) for s in (first, second)]
    assert np.array_equal(rows[0], rows[1]) and rows[0].sum() == 4
    # every statistic is recomputed from the rows the decoded slice selects
    for s, (score, total, largest, size) in zip(result.slices, result.stats, strict=True):
        inside = np.all((x == s) | (s == 0), axis=1)
        assert inside.sum() == size and e[inside].sum() == pytest.approx(total)
        assert e[inside].max() == pytest.approx(largest)
        expected = 0.95 * (e[inside].mean() / e.mean() - 1) - 0.05 * (len(e) / size - 1)
        assert score == pytest.approx(expected)


def _package_top(x: np.ndarray, e: np.ndarray, k: int, alpha: float, min_sup: int) -> np.ndarray:
    slicefinder = pytest.importorskip("sliceline.slicefinder")
    finder = slicefinder.Slicefinder(
        alpha=alpha, k=k, max_l=x.shape[1], min_sup=min_sup, verbose=False
    )
    finder.fit(x, e)
    stats = finder.top_slices_statistics_
    return np.array(
        [
            [s["slice_score"], s["sum_slice_error"], s["max_slice_error"], s["slice_size"]]
            for s in stats
        ]
    )


def test_the_sliceline_package_agrees_on_the_conformance_case():
    x, e = np.array(GOLDEN["X"]), np.array(GOLDEN["e"])
    ours = sliceline(x, e, k=10, alpha=0.95, min_support=4)
    np.testing.assert_allclose(ours.stats, _package_top(x, e, 10, 0.95, 4), rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_the_sliceline_package_agrees_on_random_data(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 5, size=(300, 5))
    e = (rng.random(300) < np.where(x[:, 0] == 2, 0.4, 0.15)).astype(float)
    ours = sliceline(x, e, k=8, alpha=0.9, min_support=10)
    np.testing.assert_allclose(ours.stats[:, 1:], _package_top(x, e, 8, 0.9, 10)[:, 1:], rtol=1e-12)


def test_bad_input_is_refused():
    with pytest.raises(DataError, match="codes from 1"):
        sliceline(np.zeros((3, 2)), np.ones(3))
    with pytest.raises(ParameterError, match="'k' parameter of sliceline"):
        sliceline(np.ones((3, 2)), np.ones(3), k=0)
    with pytest.raises(DataError, match="rows"):
        sliceline(np.ones((3, 2)), np.ones(4))
