"""The one YAML loader: limits, strictness, and the error class the caller asks for."""

from __future__ import annotations

import pytest

from assay._util import brief, load_yaml, parse_yaml
from assay.errors import ConfigError, DataError


def test_values_and_merge_keys():
    text = "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n1: one\non: yes\n"
    assert load_yaml(text, source="t") == {
        "base": {"x": 1, "y": 2},
        "d": {"x": 1, "y": 3},
        "1": "one",
        "on": True,
    }


def test_the_node_tree_comes_with_the_value():
    document = parse_yaml("a:\n  - 1\n", source="t")
    assert document.data == {"a": [1]} and document.root is not None
    assert document.root.value[0][1].start_mark.line == 1


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("a: 1\na: 2\n", r"t, line 2: the key 'a' appears twice \(column 1\)"),
        ("? [a]\n: 1\n", "a mapping key must be text"),
        ("a: !!binary aGk=\n", "tag 'tag:yaml.org,2002:binary' is not allowed"),
        ("a: " + "9" * 5000 + "\n", "too many digits"),
        ("a: [1\n", r"line 2: not valid YAML"),
        ("a: 1\n---\nb: 2\n", "not valid YAML"),
    ],
)
def test_problems_are_config_errors_with_line_and_column(text, match):
    with pytest.raises(ConfigError, match=match):
        load_yaml(text, source="t")


def test_the_caller_chooses_the_error_class():
    with pytest.raises(DataError) as err:
        load_yaml(b"a: \xff\n", source="f.yaml", error=DataError)
    assert (err.value.file, err.value.line) == ("f.yaml", 1)
    assert "byte offset 3" in str(err.value)


def test_alias_expansion_is_counted_not_the_aliases():
    fine = "a: &a [1, 2]\nb: [" + ", ".join(["*a"] * 1000) + "]\n"
    assert len(load_yaml(fine, source="t")["b"]) == 1000
    with pytest.raises(ConfigError, match="too many nodes"):
        parse_yaml(fine, source="t", max_alias_nodes=100)


def test_brief_quotes_a_prefix_and_the_length():
    assert brief("abc") == "'abc'"
    assert brief("x" * 1_048_576) == "'" + "x" * 79 + "… (1,048,576 characters)"
    assert brief(b"\xff" * 100).endswith("… (100 bytes)")
