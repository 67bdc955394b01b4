"""The previous-card parser on hostile and generated text: a parsed card or one DataError
naming the source, line and column; never another exception, never a marker in a section."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.errors import DataError
from assay.governance import HumanSection, parse_card_text

FAST = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))

PIECES = [
    "---\nlicense: mit\n---\n",
    "---\n- a\n---\n",
    "---\na: !!python/object:os.system x\n---\n",
    "---\n",
    "<!-- assay:human section=intended_use -->",
    '<!-- assay:human section=caveats title="Caveats" -->',
    '<!-- assay:human section=x title="a"b" -->',
    "<!-- assay:human section=intended_use section=caveats -->",
    "<!-- assay:human -->",
    "<!-- /assay:human -->",
    "<!--/assay:human-->",
    "<!-- assay:card {} -->",
    '<!-- assay:card {"card_digest": "a", "evidence": {"k": "v"}} -->',
    '<!-- assay:card {"card_digest": "a", "evidence": {"k": 1}} -->',
    '<!-- assay:card {"card_digest": "a", "evidence": {}, "values": {"k": ["x"]}} -->',
    "<!-- ASSAY:HUMAN section=a -->",
    "<!-- assay:other -->",
    '<pre class="human">&lt;b&gt;</pre>',
    "<!-- a normal comment -->",
    "\n",
    "text",
    "\x1b[2J",
    "\u202e",
    "\x00",
    "\ud800",
    "-->",
    "<!--",
]
cards = st.lists(st.sampled_from(PIECES) | st.text(max_size=12), max_size=14).map("".join)


def _check(text: str) -> None:
    try:
        parsed = parse_card_text(text, source="card.md")
    except DataError as exc:
        assert str(exc).startswith("card.md")
        return
    keys = [s.key for s in parsed.human]
    assert len(keys) == len(set(keys))
    for section in parsed.human:
        assert isinstance(section, HumanSection) and "assay:" not in section.text.lower()


@FAST
@given(cards)
def test_generated_markdown_cards(text: str) -> None:
    _check(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


@FAST
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "human": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "key": json_values | st.sampled_from(["a", "Bad", "a" * 70]),
                        "title": json_values,
                        "text": json_values,
                    },
                ),
                max_size=3,
            )
            | json_values,
            "card_digest": json_values,
            "evidence": json_values,
            "values": json_values,
        },
    )
)
def test_generated_json_cards(value: dict[str, object]) -> None:
    _check(json.dumps(value))


@pytest.mark.parametrize(
    "text",
    [
        "{" * 50_000,
        '{"human": ' + "[" * 50_000,
        "<!-- assay:human section=a -->" * 5_000,
        "<!-- assay:human section=a -->" + "x" * 30_000 + "<!-- /assay:human -->",
        "".join(f"<!-- assay:human section=s{i} -->x<!-- /assay:human -->" for i in range(200)),
        "<!-- assay:card " + "[" * 50_000 + " -->",
        '<!-- assay:human section=a title="' + "t" * 10_000,
        "---\na: &a [*a]\n---\n",
        "---\n"
        + 'a: &a ["x","x"]\n'
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
            for i in range(20)
        )
        + "---\n",
        "---\na: !!python/object:os.system x\n---\n",
        '{"metadata": {"a": NaN}}',
        '{"metadata": ["not", "a", "mapping"]}',
    ],
    ids=[
        "deep-json",
        "deep-human",
        "many-opens",
        "huge-section",
        "many-sections",
        "deep-block",
        "unterminated",
        "yaml-self-alias",
        "yaml-bomb",
        "yaml-python-tag",
        "json-nan-metadata",
        "json-list-metadata",
    ],
)
def test_hostile_cards_are_data_errors(text: str) -> None:
    with pytest.raises(DataError, match=r"^card\.md"):
        parse_card_text(text, source="card.md")


def test_oversized_text_is_refused_before_parsing() -> None:
    with pytest.raises(DataError, match="more than a card holds"):
        parse_card_text("x" * 4_000_001, source="card.md")
