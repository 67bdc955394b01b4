"""Command-line values converted directly are exactly what Typer's own pydantic adapter makes.

Each value either converts directly, to the same value (type included) Typer's adapter
returns, or is left to that adapter; never a different value, and never a value where Typer
reports an error.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assay.cli  # noqa: F401  (installs the conversion)
from assay.cli._coercion import _Unsure, converter

typer_coercion = pytest.importorskip("typer._coercion")
typer_core = pytest.importorskip("typer.core")
from typer.models import OptionInfo  # noqa: E402


def _outcome(convert: Any, value: Any) -> tuple[Any, ...]:
    try:
        got = convert(value)
    except _Unsure:
        raise
    except Exception as exc:  # the adapter's message, or the direct path's
        return ("error", type(exc).__name__, str(exc))
    if isinstance(got, float) and math.isnan(got):
        return ("value", float, "nan")
    if isinstance(got, list):
        return ("value", list, [(type(v), repr(v)) for v in got])
    return ("value", type(got), repr(got))


def _check(annotation: Any, value: Any) -> bool:
    """Whether ``value`` converted directly; assert it agrees with Typer's adapter."""
    info = OptionInfo()
    direct = converter(annotation, info)
    assert direct is not None, annotation
    descriptor = typer_coercion.resolve_type_descriptor(annotation, info)
    typers = typer_coercion.build_runtime_param(descriptor)
    want = _outcome(lambda v: typers._coerce_value(v, param=None, ctx=None), value)
    try:
        got = _outcome(lambda v: direct(v, None, None), value)
    except _Unsure:
        return False
    assert got == want, (annotation, value)
    assert got[0] == "value"  # an error is always worded by Typer's adapter
    return True


_DIGITS = st.from_regex(r"\A[+-]?[0-9]{1,40}\Z")
_DECIMALS = st.from_regex(
    r"\A[+-]?([0-9]{1,25}\.?[0-9]{0,25}|\.[0-9]{1,25})([eE][+-]?[0-9]{1,3})?\Z"
)
_WORDS = st.sampled_from(["0", "1", "t", "f", "y", "n", "yes", "no", "on", "off", "true", "false"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(_DIGITS, st.text(max_size=8), st.integers().map(str), st.integers()))
def test_integers(value: Any) -> None:
    _check(int, value)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        _DECIMALS,
        st.floats().map(repr),
        st.floats(),
        st.text(max_size=8),
        st.integers(-(10**30), 10**30).map(str),
    )
)
def test_floats_are_the_same_correctly_rounded_numbers(value: Any) -> None:
    _check(float, value)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.tuples(_WORDS, st.booleans(), st.sampled_from(["", " ", "\t"])).map(
            lambda t: (t[0].upper() if t[1] else t[0]) + t[2]
        ),
        st.text(max_size=6),
        st.booleans(),
    )
)
def test_flags(value: Any) -> None:
    _check(bool, value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.sampled_from(["\udcff", "a\udc80b", ""])))
def test_strings(value: str) -> None:
    _check(str, value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=30), st.sampled_from(["", ".", "a/", "~", "\udcff", "/"])))
def test_paths(value: str) -> None:
    _check(Path, value)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.sampled_from(["local", "ray", "LOCAL", "Ray "]), st.text(max_size=6)))
def test_choices(value: str) -> None:
    _check(Literal["local", "ray"], value)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=5), _DIGITS), max_size=4).map(tuple))
def test_lists(value: tuple[str, ...]) -> None:
    _check(list[str], value)
    _check(list[Path], value)
    _check(list[int], value)


def test_common_values_convert_directly(tmp_path: Path) -> None:
    # the point of the direct path: what people type never reaches pydantic
    for annotation, value in [
        (int, "50"),
        (int, 7),
        (float, "0.05"),
        (float, "1e-3"),
        (float, 0.95),
        (bool, "true"),
        (str, "income-gbm@2.0"),
        (Path, str(tmp_path)),
        (Path, "missing/report.html"),
        (Literal["local", "ray"], "ray"),
        (list[str], ("a", "b")),
    ]:
        assert _check(annotation, value), (annotation, value)


def test_unusual_values_and_errors_go_through_typers_adapter() -> None:
    for annotation, value in [(int, "5.0"), (int, " 5"), (float, "1_0.5"), (int, "x"), (bool, "2")]:
        assert not _check(annotation, value), (annotation, value)


def test_a_parameter_with_bounds_or_a_parser_keeps_typers_adapter() -> None:
    assert converter(int, OptionInfo(min=1)) is None
    assert converter(str, OptionInfo(parser=str.upper)) is None
    assert converter(tuple[int, int], OptionInfo()) is None


def test_the_conversion_is_installed() -> None:
    assert getattr(typer_core._TyperParameter.get_runtime_param, "assay_direct", False)


def test_a_number_too_long_for_int_is_a_usage_error_not_a_crash(tmp_path: Path) -> None:
    from assay.cli import main

    for word in ("9" * 5000, "1" + "0" * 400 + ".5"):
        assert main(["runs", "list", "--db", str(tmp_path / "s.db"), "--limit", word]) == 64
