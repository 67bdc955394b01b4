"""Prompt templates: how an example's fields become the text a generative model sees.

Templates are Jinja, rendered in a sandbox with ``StrictUndefined``: a template that names a
field an example does not have fails *that example* (its record gets the error
``template: 'question' is undefined``), never the run. A field that is there but null (a JSON
``null``, an example without a reference) is missing too: printing it fails the example with
``template: 'question' is null in this example`` instead of sending the text ``None``; it
still tests false in ``{% if question %}``. Jinja is imported only when a template is used
(``pip install 'assay[tasks]'``).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import pyarrow as pa

from assay._util import check_instance, require
from assay.data import SuiteData
from assay.errors import ConfigError, DataError, ParameterError
from assay.runners._json import loads

__all__ = ["PromptTemplate", "adapter_for_suite", "example_fields"]

T = TypeVar("T")
_ABSENT = object()


def example_fields(examples: pa.Table, slices: list[str]) -> list[dict[str, Any]]:
    """One mapping per example: what a template (or an adapter) may read.

    Keys: ``example_id``, ``cluster``, ``input`` and ``reference`` (decoded from their JSON
    text), ``slices`` (a mapping of slice name to value), every slice value under its own name,
    and, when the input is a mapping, each of its keys. The fixed names win over slice names,
    and slice names over input keys, so ``{{ input }}`` always means the whole input.
    """
    ids = examples.column("example_id").to_pylist()
    clusters = examples.column("cluster").to_pylist()
    inputs = examples.column("input").to_pylist()
    refs = examples.column("reference").to_pylist()
    slice_values = {s: examples.column(s).to_pylist() for s in slices}
    out: list[dict[str, Any]] = []
    for i, example_id in enumerate(ids):
        value = None if inputs[i] is None else loads(inputs[i])
        fields: dict[str, Any] = dict(value) if isinstance(value, dict) else {}
        own = {s: slice_values[s][i] for s in slices}
        fields.update(own)
        fields.update(
            example_id=example_id,
            cluster=clusters[i],
            input=value,
            reference=None if refs[i] is None else loads(refs[i]),
            slices=own,
        )
        out.append(fields)
    return out


class PromptTemplate:
    """A Jinja prompt template over an example's fields (see :func:`example_fields`).

    Rendering uses Jinja's sandboxed environment with ``StrictUndefined`` and keeps the
    template's trailing newline. :attr:`digest` is the SHA-256 of the template text, recorded
    with the text in the run's manifest by the adapters that use it.
    """

    def __init__(self, text: str) -> None:
        check_instance(text, "text", "PromptTemplate", str, "a non-empty string")
        if not text:
            raise ParameterError("text", "PromptTemplate", "a non-empty string", text)
        self.text = text
        self._compiled: Any = None
        self._pieces = _plain_pieces(text)

    @property
    def digest(self) -> str:
        """SHA-256 hex digest of the template text."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def describe(self) -> dict[str, str]:
        """The template text and its digest, for a manifest."""
        return {"text": self.text, "digest": self.digest}

    def _template(self) -> Any:
        if self._compiled is None:
            require("jinja2", "tasks", feature="prompt templates")
            import jinja2

            env = _null_aware_environment()
            try:
                self._compiled = env.from_string(self.text)
            except jinja2.TemplateSyntaxError as exc:
                raise ConfigError(
                    f"The prompt template is not valid Jinja (line {exc.lineno}): {exc.message}"
                ) from exc
        return self._compiled

    def render(self, fields: Mapping[str, Any]) -> str:
        """The prompt for one example.

        Raises :class:`~assay.errors.DataError` (``template: ...``) when the example lacks a
        field the template names or a filter fails on its values; :class:`ConfigError` when the
        template itself is not valid Jinja.
        """
        pieces = self._pieces
        if pieces is not None:
            # text and plain `{{ name }}` fields: what Jinja renders, without its per-call work
            parts = [pieces[0]]
            for i in range(1, len(pieces), 2):
                value = fields.get(pieces[i])
                if value is None:
                    break  # missing or null: Jinja says which, in its words
                parts.append(str(value))
                parts.append(pieces[i + 1])
            else:
                return "".join(parts)
        template = self._template()
        try:
            return str(template.render({k: _or_null(v, k) for k, v in fields.items()}))
        except Exception as exc:
            message = getattr(exc, "message", None) or str(exc)
            raise DataError(f"template: {message}") from exc

    def __getstate__(self) -> dict[str, Any]:
        # a compiled Jinja template does not survive pickling; it is rebuilt on first use
        return {**self.__dict__, "_compiled": None}

    def __repr__(self) -> str:
        return f"PromptTemplate(digest={self.digest[:12]!r})"


_PLAIN_FIELD = re.compile(r"\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}")
# names Jinja reads as constants, operators or its own objects, never as an example's field
_NOT_FIELDS = frozenset(
    {"true", "false", "none", "True", "False", "None", "self", "loop", "super", "caller"}
    | {"and", "or", "not", "in", "is", "if", "else"}
)


def _plain_pieces(text: str) -> tuple[str, ...] | None:
    """``(text, name, text, ..., text)`` when the template is only text and ``{{ name }}``
    fields, else None (Jinja renders it). Text with Jinja syntax or a carriage return (Jinja
    rewrites line ends) is left to Jinja, and so is a brace next to a field (``{{{ q }}``,
    which Jinja refuses): a plain template is valid Jinja, so it renders without loading
    Jinja at all (Jinja is loaded for the messages of a missing or null field)."""
    pieces = _PLAIN_FIELD.split(text)
    last = len(pieces) - 1
    for i, piece in enumerate(pieces):
        if i % 2:
            if piece in _NOT_FIELDS:
                return None
        elif any(mark in piece for mark in ("{{", "{%", "{#", "\r")) or (
            (i < last and piece.endswith("{")) or (i > 0 and piece.startswith("}"))
        ):
            return None
    return tuple(pieces)


def _or_null(value: Any, name: Any) -> Any:
    if value is not None:
        return value
    return _null_field()(hint=f"{str(name)!r} is null in this example", name=str(name))


@functools.cache
def _null_field() -> type:
    from jinja2 import StrictUndefined

    class NullField(StrictUndefined):
        # printing, iterating or reading into it fails like a missing field (and `default`
        # replaces it); an `if` test is False, as it was for None
        __slots__ = ()

        def __bool__(self) -> bool:  # type: ignore[override]
            return False

    return NullField


def _null_aware_environment() -> Any:
    """A sandbox where a null field, or a null value read out of one, prints as an error."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    class NullAware(SandboxedEnvironment):
        def getattr(self, obj: Any, attribute: str) -> Any:
            return _or_null(super().getattr(obj, attribute), attribute)

        def getitem(self, obj: Any, argument: Any) -> Any:
            return _or_null(super().getitem(obj, argument), argument)

    def finalize(value: Any) -> Any:
        # any other expression that comes to None (a method's result): never the text "None"
        if value is None:
            raise jinja2.UndefinedError("an expression is null in this example")
        return value

    return NullAware(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=finalize,
    )


def adapter_for_suite(adapter: T, data: SuiteData) -> T:
    """``adapter`` with the suite's prompt template when the adapter was given none.

    A suite may fix how its examples are put to a generative model
    (``task.prompt_template``). An adapter that renders prompts (one with a
    ``prompt_template`` attribute) and has no template of its own gets a copy with the
    suite's, so the run, its manifest and its cache keys use it; an adapter's own template
    wins. Other adapters are returned as they are.
    """
    task = data.suite.task
    if task is None or not task.prompt_template:
        return adapter
    if getattr(adapter, "prompt_template", _ABSENT) is not None:
        return adapter
    clone = copy.copy(adapter)
    clone.prompt_template = PromptTemplate(task.prompt_template)  # type: ignore[attr-defined]
    return clone
