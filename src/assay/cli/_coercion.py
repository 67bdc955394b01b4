"""Command-line values converted without building a pydantic validator for each parameter.

Typer (0.2x with its own copy of click) converts every parameter's value, defaults included,
through a pydantic ``TypeAdapter`` built for the parameter: importing pydantic and building
the adapters is a good part of a short command's start-up (``assay runs list``), for values
that are almost always a plain string, number, flag or path. Here those common values are
converted directly, to the very value Typer's adapter returns; anything else (a value these
rules are not sure of, an error to report, a type not listed) goes through Typer's own
adapter, built then, so results and error messages stay Typer's.

==================  ===========================================================================
annotation          converted here (everything else: Typer's adapter)
==================  ===========================================================================
``str``             a ``str`` that encodes to UTF-8, returned as it is
``bool``            ``0 1 t f y n true false yes no on off`` in any case, spaces around, ``""``
``int``             an ``int``; ASCII ``[+-]digits``
``float``           a ``float``; an ASCII decimal such as ``-1.5e-3`` (both correctly rounded)
``pathlib.Path``    a path or string that passes Typer's own checks (existence, kind, access)
``Literal``/Enum    a value among the choices (Typer's own matching)
``list[...]``       each item by the rule of its type
==================  ===========================================================================

``install()`` does nothing on a Typer without this conversion layer (older releases convert
with click's own types and never import pydantic).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

__all__ = ["install"]

_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_BOOLS = {
    **dict.fromkeys(("0", "f", "n", "no", "off", "false"), False),
    **dict.fromkeys(("1", "t", "y", "on", "yes", "true"), True),
}


class _Unsure(Exception):
    """The value is left to Typer's own adapter (an unusual value, or an error to report)."""


Convert = Callable[[Any, Any, Any], Any]
"""``convert(value, param, ctx)``: the converted value, or :class:`_Unsure`."""


def _str(value: Any, param: Any, ctx: Any) -> str:
    if type(value) is not str:
        raise _Unsure
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # surrogate-escaped bytes of the command line
        raise _Unsure from None
    return value


def _bool(value: Any, param: Any, ctx: Any) -> bool:
    if type(value) is bool:
        return value
    if type(value) is not str:
        raise _Unsure
    word = value.strip()
    if word == "":
        return False
    found = _BOOLS.get(word.lower()) if word.isascii() else None
    if found is None:
        raise _Unsure
    return found


def _int(value: Any, param: Any, ctx: Any) -> int:
    if type(value) is int:
        return value
    if type(value) is str and len(value) <= 64 and _INT.fullmatch(value):
        return int(value)  # a longer number is left to Typer (past int()'s digit limit)
    raise _Unsure


def _float(value: Any, param: Any, ctx: Any) -> float:
    if type(value) is float:
        return value
    if type(value) is str and len(value) <= 64 and _FLOAT.fullmatch(value):
        return float(value)
    raise _Unsure


def _path_converter(annotation: Any, parameter_info: Any) -> Convert | None:
    from typer import BadParameter
    from typer._param_types import coerce_cli_path

    path_type = parameter_info.path_type
    if path_type is None and isinstance(annotation, type) and issubclass(annotation, Path):
        path_type = annotation
    if path_type is not Path:
        return None

    def convert(value: Any, param: Any, ctx: Any) -> Any:
        if type(value) is str:
            value = Path(value)  # what Typer's adapter makes of a string
        elif not isinstance(value, Path):
            raise _Unsure
        try:
            return coerce_cli_path(value, parameter_info, path_type=Path, param=param, ctx=ctx)
        except (BadParameter, ValueError):  # Typer's adapter words it (the path as typed)
            raise _Unsure from None

    return convert


def _choice_converter(choices: tuple[Any, ...], case_sensitive: bool) -> Convert:
    from typer._param_types import coerce_cli_choice

    def convert(value: Any, param: Any, ctx: Any) -> Any:
        try:
            return coerce_cli_choice(value, choices=choices, case_sensitive=case_sensitive, ctx=ctx)
        except ValueError:  # not a choice: Typer's adapter words the error
            raise _Unsure from None

    return convert


_LEAVES: dict[Any, Convert] = {str: _str, bool: _bool, int: _int, float: _float}


def _is_plain(parameter_info: Any) -> bool:
    """No parser, bounds, clamping or formats: nothing but the type decides the value."""
    return all(
        getattr(parameter_info, name, None) in (None, False)
        for name in ("parser", "click_type", "min", "max", "clamp", "formats")
    )


def converter(annotation: Any, parameter_info: Any) -> Convert | None:
    """The direct conversion for a parameter, or ``None`` where Typer's adapter is needed."""
    if not _is_plain(parameter_info):
        return None
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (None,)
        each = None if item is None else converter(item, parameter_info)
        if each is None:
            return None

        def convert_list(value: Any, param: Any, ctx: Any) -> list[Any]:
            items = value if isinstance(value, list | tuple) else [value]
            return [each(v, param, ctx) for v in items]

        return convert_list
    if get_origin(annotation) is Literal:
        return _choice_converter(get_args(annotation), parameter_info.case_sensitive)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _choice_converter(tuple(annotation), parameter_info.case_sensitive)
    if annotation in _LEAVES:
        return _LEAVES[annotation]
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return _path_converter(annotation, parameter_info)
    return None


def install() -> bool:
    """Make Typer's parameters convert common values directly; whether it was done."""
    try:
        from typer import _coercion, core
    except ImportError:
        return False
    parameter = getattr(core, "_TyperParameter", None)
    base = getattr(_coercion, "RuntimeParam", None)
    build = getattr(_coercion, "build_runtime_param", None)
    if parameter is None or base is None or build is None:
        return False
    if not hasattr(parameter, "get_runtime_param"):
        return False
    typers: Callable[[Any], Any] = build  # Typer's own runtime parameter for a descriptor
    if getattr(parameter.get_runtime_param, "assay_direct", False):
        return True

    @dataclass(frozen=True)
    class DirectParam(base):  # type: ignore[misc, valid-type]
        """Typer's runtime parameter, converting common values without pydantic."""

        convert: Convert = field(default=_str)
        descriptor: Any = None
        typer_param: list[Any] = field(default_factory=list)  # Typer's own, built on demand

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return self.convert(value, param, ctx)
            except _Unsure:
                pass
            if not self.typer_param:
                self.typer_param.append(typers(self.descriptor))
            return self.typer_param[0]._coerce_value(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            d = self.type_descriptor
            convert = None
            if d.file_annotation is None:
                convert = converter(d.annotation, d.parameter_info)
            if convert is None:
                self._runtime_param = typers(d)
            else:
                self._runtime_param = DirectParam(
                    parameter_info=d.parameter_info,
                    annotation=d.annotation,
                    convert=convert,
                    descriptor=d,
                )
        return self._runtime_param

    get_runtime_param.assay_direct = True  # type: ignore[attr-defined]
    parameter.get_runtime_param = get_runtime_param
    return True
