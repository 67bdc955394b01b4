"""The resample counts of the functions of sums are drawn beside the rest of the comparison."""

from __future__ import annotations

import threading
import weakref

import numpy as np
import pyarrow as pa
import pytest

import assay.compare._categories as categories
from assay.compare import compare_records
from assay.compare._groups import _values_in
from assay.core import Comparison
from assay.data import SuiteData
from assay.stats import ResampleWeights, bootstrap_weights
from assay.testing import comparison_suite as suite
from assay.testing import paired_records as records
from assay.testing import run_info

AGGREGATES = {"label_f1": "macro_f1", "label_mcc": "mcc"}


@pytest.fixture(scope="module")
def data() -> SuiteData:
    return suite(
        600, metrics=("accuracy", "score", "label_f1", "label_mcc"), aggregates=AGGREGATES, seed=4
    )


def _compare(data: SuiteData, **kw: object) -> Comparison:
    base, cand = records(data, 0, error_rate=0.02), records(data, 1, shift=0.3, label_accuracy=0.8)
    return compare_records(
        run_info(data, "base"), base, run_info(data, "cand"), cand, data.suite, resamples=400, **kw
    )


class _InPlace:
    """CountDraws drawing each family's counts in the calling thread, when asked for."""

    def __init__(self, weights: ResampleWeights, families: dict[int, np.ndarray]) -> None:
        self.weights, self.families = weights, families

    def counts(self, stream: int) -> np.ndarray:
        return self.weights.category_counts(self.families[stream], stream=stream)

    def close(self) -> None:
        pass


@pytest.mark.parametrize("kind", ["multinomial", "poisson"])
def test_counts_drawn_in_a_background_thread_give_the_same_comparison(
    data: SuiteData, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    draw = ResampleWeights.category_counts

    def recorded(self: ResampleWeights, sizes: object, stream: int = 0, **kw: object) -> np.ndarray:
        threads.append(threading.current_thread().name)
        return draw(self, sizes, stream, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(ResampleWeights, "category_counts", recorded)
    beside = _compare(data, rng=3, resampling=kind)
    drawn_beside = list(threads)
    threads.clear()
    monkeypatch.setattr("assay.compare._resampled.CountDraws", _InPlace)
    in_place = _compare(data, rng=3, resampling=kind)
    # every family of the functions of sums (all examples and two slice attributes) drawn in
    # the background; the latency quantiles draw theirs where they are computed
    assert sum(name.startswith("assay-counts") for name in drawn_beside) == 3
    assert not any(name.startswith("assay-counts") for name in threads)
    assert len(drawn_beside) == len(threads)
    dump = {"exclude": {"created_at"}}
    assert beside.model_dump_json(**dump) == in_place.model_dump_json(**dump)  # type: ignore[arg-type]
    assert [r.metric for r in beside.results][:2] == ["accuracy", "accuracy"]


def test_counts_are_the_weights_category_counts_in_the_smallest_type() -> None:
    weights = bootstrap_weights(1000, 300, rng=9)
    sizes = np.array([400, 0, 350, 250])
    draws = categories.CountDraws(weights, {0: sizes, 2: sizes[::-1].copy()})
    try:
        first, third = draws.counts(0), draws.counts(2)
    finally:
        draws.close()
    assert first.dtype == np.uint16  # counts up to 1,000: the smallest type that holds them
    np.testing.assert_array_equal(first, weights.category_counts(sizes, stream=0))
    np.testing.assert_array_equal(third, weights.category_counts(sizes[::-1].copy(), stream=2))
    large = bootstrap_weights(200_000, 20, rng=9, kind="poisson")
    draws = categories.CountDraws(large, {1: np.array([199_000, 1_000])})
    try:
        counts = draws.counts(1)
    finally:
        draws.close()
    assert counts.dtype == np.int32
    np.testing.assert_array_equal(counts, large.category_counts([199_000, 1_000], stream=1))


def test_an_error_after_the_draws_started_leaves_no_draw_running(
    data: SuiteData, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[bool] = []
    close = categories.CountDraws.close

    def recorded(self: categories.CountDraws) -> None:
        closed.append(True)
        close(self)

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("latency failed")

    monkeypatch.setattr(categories.CountDraws, "close", recorded)
    monkeypatch.setattr("assay.compare._compare.operational", fails)
    with pytest.raises(RuntimeError, match="latency failed"):
        _compare(data)
    assert closed
    for t in threading.enumerate():
        if t.name.startswith("assay-counts"):
            t.join(timeout=30)  # a draw under way finishes; none is left waiting
            assert not t.is_alive()


@pytest.mark.parametrize("budget", [0, categories.AHEAD_BYTES])
def test_counts_drawn_ahead_fit_the_budget(
    data: SuiteData, budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[weakref.ref[np.ndarray]] = []
    held: list[int] = []
    draw = categories._draw

    def recorded(weights: ResampleWeights, sizes: np.ndarray, stream: int) -> np.ndarray:
        held.append(sum(ref() is not None for ref in drawn) + 1)  # those alive and this one
        counts = draw(weights, sizes, stream)
        drawn.append(weakref.ref(counts))
        return counts

    monkeypatch.setattr(categories, "_draw", recorded)
    monkeypatch.setattr(categories, "AHEAD_BYTES", budget)
    in_budget = _compare(data, rng=3)
    assert len(held) == 3  # all examples and two slice attributes, one draw each
    if budget == 0:  # no room: at most one family ahead of the one taken (whether the draw
        # thread starts the next before the comparison drops the last is the scheduler's call)
        assert max(held) <= 2
    monkeypatch.setattr("assay.compare._resampled.CountDraws", _InPlace)
    dump = {"exclude": {"created_at"}}
    assert in_budget.model_dump_json(**dump) == _compare(data, rng=3).model_dump_json(**dump)  # type: ignore[arg-type]


def test_families_are_drawn_ahead_in_order_while_their_counts_fit_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    weights = bootstrap_weights(1000, 300, rng=9)
    sizes = np.array([400, 350, 250])  # 300 resamples x 3 categories in uint16: 1,800 bytes
    started: list[int] = []
    both = threading.Event()
    draw = categories._draw

    def recorded(weights: ResampleWeights, sizes: np.ndarray, stream: int) -> np.ndarray:
        started.append(stream)
        if len(started) == 2:
            both.set()
        return draw(weights, sizes, stream)

    monkeypatch.setattr(categories, "_draw", recorded)
    monkeypatch.setattr(categories, "AHEAD_BYTES", 2 * 1800)
    draws = categories.CountDraws(weights, {s: sizes + s for s in (4, 1, 7)})
    try:
        assert both.wait(timeout=60)
        assert started == [4, 1]  # two families fit; the third waits for room
        taken = [draws.counts(s) for s in (4, 1, 7)]
    finally:
        draws.close()
    assert started == [4, 1, 7]
    for s, counts in zip((4, 1, 7), taken, strict=True):
        np.testing.assert_array_equal(counts, weights.category_counts(sizes + s, stream=s))


class _Side:
    def __init__(self, table: pa.Table) -> None:
        self.table = table


def test_slice_values_of_dictionary_columns_are_the_entries_records_use() -> None:
    used = pa.DictionaryArray.from_arrays(
        pa.array([0, 2, None, 2], pa.int32()), pa.array(["de", None, "en", "fr"])
    )
    other = pa.DictionaryArray.from_arrays(pa.array([1], pa.int32()), pa.array(["en", "ja"]))
    table = pa.table({"lang": pa.chunked_array([used, other])})
    assert _values_in(_Side(table), "lang") == {"de", "en", "ja"}  # type: ignore[arg-type]
    numbers = pa.table({"tier": pa.DictionaryArray.from_arrays(pa.array([1]), pa.array([3, 4]))})
    assert _values_in(_Side(numbers), "tier") == {"4"}  # type: ignore[arg-type]
    assert _values_in(_Side(table), "missing") == set()  # type: ignore[arg-type]
