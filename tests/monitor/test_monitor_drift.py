"""Drift of a window against a reference profile: verdicts, data quality and bad input."""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.errors import ConfigError
from assay.monitor import DriftSpec, Profile, drift, load_drift_spec, profile


def _table(
    n: int, *, shift: float = 0.0, seed: int = 0, p: tuple[float, ...] = (0.5, 0.3, 0.2)
) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "x": rng.normal(shift, 1.0, n),
            "k": rng.integers(0, 8, n),
            "c": pa.array(rng.choice(["a", "b", "c"], n, p=list(p))),
        }
    )


@pytest.fixture(scope="module")
def reference():  # type: ignore[no-untyped-def]
    return profile(_table(50_000, seed=99), name="reference")


def test_a_shift_is_flagged_and_an_unchanged_window_is_not(reference) -> None:  # type: ignore[no-untyped-def]
    same = drift(_table(5000, seed=1), reference)
    assert same.verdict == "not drifted" and same.drifted == ()
    moved = drift(_table(5000, shift=0.5, seed=2, p=(0.2, 0.3, 0.5)), reference)
    assert moved.verdict == "drifted"
    assert set(moved.drifted) == {"x", "c"}
    x = moved.column("x")
    assert x.measure is not None and x.measure.low > 0.1
    assert x.test is not None and x.test.name == "ks" and x.adjusted_p <= 0.05
    assert moved.column("c").test.name == "chi2"  # type: ignore[union-attr]
    assert moved.column("k").verdict == "not drifted"


def test_a_huge_window_does_not_flag_a_trivial_shift(reference) -> None:  # type: ignore[no-untyped-def]
    result = drift(_table(400_000, shift=0.05, seed=3), reference)
    x = result.column("x")
    assert x.test is not None and x.test.p_value < 1e-4  # the test alone would alarm
    assert x.verdict == "not drifted"


def test_tiny_windows_flag_nothing(reference) -> None:  # type: ignore[no-untyped-def]
    eight = drift(_table(8, shift=0.3, seed=4), reference)
    assert eight.verdict == "inconclusive"
    assert all("too few values" in c.reason for c in eight.columns)
    for seed in range(10):
        small = drift(_table(40, shift=0.2, seed=seed), reference)
        assert small.drifted == ()


def test_window_profiles_give_the_table_verdicts(reference) -> None:  # type: ignore[no-untyped-def]
    window = _table(5000, shift=0.5, seed=2, p=(0.2, 0.3, 0.5))
    from_table = drift(window, reference)
    on_bins = drift(profile(window, bins=reference), reference)
    assert on_bins.drifted == from_table.drifted
    assert on_bins.column("x").measure.estimate == pytest.approx(
        from_table.column("x").measure.estimate
    )  # type: ignore[union-attr]
    own_bins = drift(profile(window), reference)
    assert own_bins.drifted == from_table.drifted
    assert any("estimated" in n for n in own_bins.column("x").notes)
    assert own_bins.column("x").test.rank_error > 0  # type: ignore[union-attr]


def test_bad_windows_are_inconclusive_with_a_reason(reference) -> None:  # type: ignore[no-untyped-def]
    base = _table(3000, seed=5)
    missing = drift(base.drop(["x"]), reference)
    assert missing.column("x").verdict == "inconclusive" and "missing" in missing.column("x").reason
    assert missing.verdict == "inconclusive"
    added = drift(base.append_column("extra", pa.array(np.ones(3000))), reference)
    assert added.added_columns == ("extra",) and added.verdict == "not drifted"
    typed = drift(base.set_column(0, "x", pa.array(["1.0"] * 3000)), reference)
    assert "type changed" in typed.column("x").reason
    empty = drift(base.slice(0, 0), reference)
    assert empty.verdict == "inconclusive" and all("empty" in c.reason for c in empty.columns)
    nulls = drift(base.set_column(0, "x", pa.nulls(3000, pa.float64())), reference)
    x = nulls.column("x")
    assert x.verdict == "inconclusive" and "no finite values" in x.reason
    assert (
        x.quality_alarm and nulls.verdict == "drifted"
    )  # the missing share rose: never a silent pass


def test_data_quality_in_the_same_pass(reference) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(6)
    x = rng.normal(size=4000)
    x[:400] = np.nan
    x[400:420] = 50.0
    c = rng.choice(["a", "b", "c", "zz-new"], 4000, p=[0.45, 0.3, 0.2, 0.05])
    result = drift(pa.table({"x": x, "k": rng.integers(0, 8, 4000), "c": c}), reference)
    col = result.column("x")
    assert col.missing is not None and col.missing.current == pytest.approx(0.1)
    assert col.quality_alarm and col.missing.low > 0.05
    assert col.out_of_range == 20
    cat = result.column("c")
    assert cat.new_categories == ("zz-new",) and cat.n_new_categories == int((c == "zz-new").sum())


def test_spec_margins_and_columns(reference, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "monitor.yaml"
    path.write_text(
        "margins: {wasserstein: 2.0}\nrules:\n  c: {statistic: psi, margin: 5}\nignore: [k]\n"
    )
    spec = load_drift_spec(path)
    result = drift(_table(5000, shift=0.5, seed=2, p=(0.2, 0.3, 0.5)), reference, spec=spec)
    assert [c.column for c in result.columns] == ["x", "c"]
    assert result.column("x").margin == 2.0 and result.column("x").verdict == "not drifted"
    assert result.column("c").statistic == "psi" and result.column("c").margin == 5
    bad = tmp_path / "bad.yaml"
    bad.write_text("alpha: 2\n")
    with pytest.raises(ConfigError, match="alpha"):
        load_drift_spec(bad)
    bad.write_text("margins: {wasserstain: 0.2}\n")
    with pytest.raises(ConfigError, match="wasserstain"):
        load_drift_spec(bad)
    bad.write_text("marginz: {}\n")
    with pytest.raises(ConfigError, match="marginz"):
        load_drift_spec(bad)
    with pytest.raises(ConfigError, match="does not have"):
        drift(_table(100), reference, spec=DriftSpec(columns=("nope",)))


def test_result_json_has_no_nan(reference) -> None:  # type: ignore[no-untyped-def]
    import json

    doc = drift(_table(5, seed=1), reference).to_dict()
    text = json.dumps(doc, allow_nan=False)
    assert '"verdict": "inconclusive"' in text


@functools.cache
def _small_reference() -> Profile:
    return profile(_table(2000, seed=98), name="small reference")


@settings(max_examples=40, deadline=None)
@given(
    xs=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none()), max_size=60),
    cs=st.lists(st.one_of(st.text(max_size=5), st.none()), max_size=60),
)
def test_odd_tables_never_crash(xs: list[float | None], cs: list[str | None]) -> None:
    n = min(len(xs), len(cs))
    table = pa.table(
        {"x": pa.array(xs[:n], type=pa.float64()), "c": pa.array(cs[:n], type=pa.string())}
    )
    result = drift(table, _small_reference(), spec=DriftSpec(resamples=50))
    assert result.verdict in ("drifted", "not drifted", "inconclusive")
    assert result.column("k").verdict == "inconclusive"  # missing from the window
    for col in result.columns:
        assert col.verdict != "not drifted" or col.n_current >= 10
    again = drift(table, profile(table), spec=DriftSpec(resamples=50))
    assert all(c.verdict != "drifted" for c in again.columns if not c.quality_alarm)
