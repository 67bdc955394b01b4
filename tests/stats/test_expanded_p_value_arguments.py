"""``assay.stats.expanded_p_value`` is public: a bad argument gets the one message shape, never
a ZeroDivisionError or a p-value read on the wrong side."""

from __future__ import annotations

import pytest

from assay.errors import ParameterError
from assay.stats import expanded_p_value


@pytest.mark.parametrize(
    ("p_value", "alternative", "n_units", "parameter"),
    [
        (0.05, "two-sided", 1, "n_units"),
        (0.05, "two-sided", 2.5, "n_units"),
        (0.05, "two-sided", True, "n_units"),
        (0.05, "sideways", 5, "alternative"),
        (-0.1, "two-sided", 5, "p_value"),
        (1.5, "greater", 5, "p_value"),
        (float("nan"), "less", 5, "p_value"),
        ([0.2, 2.0], "two-sided", 5, "p_value"),
    ],
)
def test_bad_arguments_name_the_parameter(
    p_value: object, alternative: object, n_units: object, parameter: str
) -> None:
    with pytest.raises(ParameterError, match=f"'{parameter}' parameter of expanded_p_value"):
        expanded_p_value(p_value, alternative, n_units)  # type: ignore[arg-type]


def test_good_arguments_are_read_as_before() -> None:
    assert float(expanded_p_value(1.0, "two-sided", 5)) == 1.0
    assert float(expanded_p_value(0.0, "greater", 5)) == 0.0
    one, two = expanded_p_value(0.01, "greater", 8), expanded_p_value(0.02, "two-sided", 8)
    assert float(two) == pytest.approx(2 * float(one), rel=1e-12)
