"""Export keys: MLflow's own name rule (Unicode word characters kept), at most 250 characters,
and two different originals never share a key (no MLflow needed)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from assay.workflows._mlflow_payloads import _key

# MLflow's check of metric, param and tag names (mlflow/utils/validation.py)
_MLFLOW_NAME = re.compile(r"^[/\w.\- :]*$")


def test_unicode_slice_values_stay_apart() -> None:
    keys = [_key("accuracy", f"lang:{v}", "difference") for v in ("日本語", "中文", "한국어")]
    assert keys == [
        "accuracy/lang:日本語/difference",
        "accuracy/lang:中文/difference",
        "accuracy/lang:한국어/difference",
    ]


def test_values_differing_after_250_characters_stay_apart() -> None:
    long = "x" * 300
    first, second = _key("acc", f"v:{long}a", "n"), _key("acc", f"v:{long}b", "n")
    assert first != second
    assert len(first) == len(second) == 250


def test_a_changed_key_carries_a_digest() -> None:
    assert _key("acc", "v:a\x00", "n") != _key("acc", "v:a_", "n") == "acc/v:a_/n"
    assert _key("acc", "v:a?", "n") != _key("acc", "v:a!", "n")
    assert re.fullmatch(r"acc/v:a_/n_[0-9a-f]{12}", _key("acc", "v:a?", "n"))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(max_size=6), st.text(max_size=300)), min_size=2, max_size=6, unique=True
    )
)
def test_keys_are_valid_and_distinct(parts: list[tuple[str, str]]) -> None:
    keys = {_key("acc", f"{a}:{v}", "n") for a, v in parts}
    origins = {f"acc/{a}:{v}/n" for a, v in parts}
    assert len(keys) == len(origins)
    for key in keys:
        assert _MLFLOW_NAME.match(key)
        assert len(key) <= 250


def test_a_comparison_exports_every_unicode_slice(tmp_path) -> None:
    import warnings

    import assay
    from assay.storage import open_store
    from assay.testing import comparison_suite, paired_records
    from assay.workflows._mlflow_payloads import comparison_payload

    store = open_store(f"sqlite:///{tmp_path / 'a.db'}", artifacts=str(tmp_path / "f"))
    data = comparison_suite(300, seed=3, slices={"lang": ["日本語", "中文", "한국어"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assay.register_suite(data, store=store)
        base = assay.log_run(
            paired_records(data, 1, accuracy=0.7), suite=data, model="base@1", store=store
        )
        cand = assay.log_run(
            paired_records(data, 2, accuracy=0.8), suite=data, model="cand@2", store=store
        )
        comparison = assay.compare_runs(base.run.run_id, cand.run.run_id, store=store)
    payload = comparison_payload(comparison)
    expected = {
        f"{r.metric}/lang:{r.slice_value}/difference": r.difference.estimate
        for r in comparison.results
        if r.slice_attribute == "lang"
    }
    sliced = [r for r in comparison.results if r.slice_attribute == "lang"]
    assert len(expected) == len(sliced) > 3
    assert {r.slice_value for r in sliced} == {"日本語", "中文", "한국어"}
    assert {k: payload.metrics[k] for k in expected} == expected
    store.close()
