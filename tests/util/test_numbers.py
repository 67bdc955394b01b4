"""format_number: the one way reports and the command line write a number."""

from __future__ import annotations

import math

import pytest

from assay._util import MINUS, format_number


@pytest.mark.parametrize(
    ("x", "decimals", "signed", "expected"),
    [
        (1234.5678, 2, False, "1,234.57"),
        (-0.5, 1, False, f"{MINUS}0.5"),
        (0.02, 3, True, "+0.020"),
        (-0.0004, 3, True, "0.000"),  # a value that rounds to zero carries no sign
        (math.inf, 2, True, "+∞"),
        (-math.inf, 2, False, f"{MINUS}∞"),
        (math.nan, 2, False, "n/a"),
    ],
)
def test_numbers_read_as_people_write_them(
    x: float, decimals: int, signed: bool, expected: str
) -> None:
    assert format_number(x, decimals, signed=signed) == expected
    assert "-" not in format_number(x, decimals, signed=signed)
