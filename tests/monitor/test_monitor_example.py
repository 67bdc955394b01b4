"""The worked example: the Adult census candidate watched over windows of its test split."""

from __future__ import annotations

import pytest

from assay.demo import run_monitor_example


@pytest.mark.slow
def test_shifted_windows_flag_age_and_unshifted_windows_raise_nothing() -> None:
    example = run_monitor_example(windows=4, shifted_windows=2, window_rows=2000, age_weight=4.0)
    unshifted = [r for _, shifted, r in example.windows if not shifted]
    shifted = [r for _, s, r in example.windows if s]
    assert len(unshifted) == 4 and len(shifted) == 2
    for result in unshifted:
        assert result.verdict != "drifted", [(c.column, c.reason) for c in result.columns]
        assert not any(c.quality_alarm for c in result.columns)
    for result in shifted:
        assert result.verdict == "drifted"
        assert "age" in result.drifted
    # Only age and what moves with it (marital status, relationship, the model's score) drift.
    assert example.drifted_columns(shifted=True) <= {
        "age",
        "marital_status",
        "relationship",
        "score",
        "education_num",
    }
    assert example.drifted_columns(shifted=False) == set()
    assert "score" in example.reference.column_names
