"""Templates of plain text and ``{{ name }}`` fields are rendered without Jinja's per-call
work; the text (and every error) must be exactly what Jinja renders."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.errors import ConfigError, DataError
from assay.runners import PromptTemplate
from assay.runners._tasks import _plain_pieces

pytest.importorskip("jinja2")


def _by_jinja(template: PromptTemplate, fields: dict[str, Any]) -> str:
    slow = PromptTemplate(template.text)
    slow._pieces = None  # force the Jinja path
    return slow.render(fields)


def _outcome(template: PromptTemplate, fields: dict[str, Any]) -> tuple[str, str]:
    try:
        return "text", template.render(fields)
    except DataError as exc:
        return "error", str(exc)


def _jinja_outcome(template: PromptTemplate, fields: dict[str, Any]) -> tuple[str, str]:
    try:
        return "text", _by_jinja(template, fields)
    except DataError as exc:
        return "error", str(exc)


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Q: {{ question }}", True),
        ("{{question}}\n{{ context }}\n", True),
        ("no fields at all\n\n", True),
        ("a }} and %} and #} are text", True),
        ("{{ q | upper }}", False),
        ("{{- q }}", False),
        ("{{ q.x }}", False),
        ("{% if q %}{{ q }}{% endif %}", False),
        ("{# note #}{{ q }}", False),
        ("{{ true }}", False),
        ("{{ none }}", False),
        ("{{ loop }}", False),
        ("line\r\n{{ q }}", False),
        ("{{ q\n}}", False),
        # a brace next to a field, and names Jinja reads as operators: not valid Jinja
        ("{{{ q }}", False),
        ("{{ q }}}", False),
        ("{{ not }}", False),
        ("{{ if }}", False),
        ("{ {{ q }} }", True),
    ],
)
def test_only_plain_templates_skip_jinja(text: str, plain: bool) -> None:
    assert (_plain_pieces(text) is not None) is plain


@pytest.mark.parametrize(
    "fields",
    [
        {"question": "what is 2+2?", "context": "maths"},
        {"question": 42, "context": 1.5},
        {"question": True, "context": [1, "a", None]},
        {"question": {"nested": ["x", 2]}, "context": "ünïcödé ✓ {{ not a field }}"},
        {"question": "", "context": "\r\n"},
        {"question": None, "context": "x"},  # null field: the error Jinja gives
        {"context": "x"},  # missing field: the error Jinja gives
        {"question": "x", "context": None, "range": 3},
    ],
)
@pytest.mark.parametrize(
    "text",
    ["Q: {{ question }}", "{{question}} / {{ context }}\n", "{{ context }}{{context}}", "fixed"],
)
def test_plain_render_equals_jinja(text: str, fields: dict[str, Any]) -> None:
    template = PromptTemplate(text)
    assert template._pieces is not None
    assert _outcome(template, fields) == _jinja_outcome(template, fields)


def test_missing_and_null_fields_keep_jinja_messages() -> None:
    template = PromptTemplate("Q: {{ question }}")
    with pytest.raises(DataError, match="'question' is undefined"):
        template.render({"other": 1})
    with pytest.raises(DataError, match="'question' is null in this example"):
        template.render({"question": None})


def test_a_jinja_global_is_not_taken_for_a_missing_field() -> None:
    # `range` is a Jinja global: without such a field Jinja renders the global, as before
    template = PromptTemplate("{{ range }}")
    assert template.render({}) == _by_jinja(template, {})


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(),
    st.lists(st.one_of(st.integers(), st.text()), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
_names = st.sampled_from(["a", "b", "question", "true", "range", "self", "input"])
_literal = st.text(alphabet=st.sampled_from("ab {}%#-\n\r\t}é"), max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.tuples(_literal, _names, st.sampled_from(["", " ", "  "])), max_size=4),
    tail=_literal,
    fields=st.dictionaries(_names, _values, max_size=5),
)
def test_any_template_renders_as_jinja_does(
    parts: list[tuple[str, str, str]], tail: str, fields: dict[str, Any]
) -> None:
    text = "".join(f"{lit}{{{{{pad}{name}{pad}}}}}" for lit, name, pad in parts) + tail
    if not text:
        return
    try:
        template = PromptTemplate(text)
        expected = _jinja_outcome(template, fields)
    except Exception as exc:  # not valid Jinja: the same refusal either way
        with pytest.raises(type(exc)):
            PromptTemplate(text).render(fields)
        return
    assert _outcome(template, fields) == expected


@pytest.mark.parametrize("text", ["{{{ q }}", "{{ not }}", "{{ q and }}"])
def test_a_template_jinja_refuses_is_refused_though_it_looks_plain(text: str) -> None:
    # a plain template renders without Jinja, so it must be one Jinja accepts
    with pytest.raises(ConfigError, match="not valid Jinja"):
        PromptTemplate(text).render({"q": "x", "not": "y", "if": "z", "in": "w"})
