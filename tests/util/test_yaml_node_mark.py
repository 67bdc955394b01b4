"""node_mark: the line and column of a path in a YAML document, for error messages."""

from __future__ import annotations

from assay._util import node_mark, parse_yaml

TEXT = "name: s\nrules:\n  - kind: a\n    metric: x\n  - kind: b\n"


def _at(path: tuple[str | int, ...], **options: bool) -> tuple[int, int] | None:
    root = parse_yaml(TEXT, source="t.yaml").root
    mark = node_mark(root, path, **options)
    return None if mark is None else (mark.line + 1, mark.column + 1)


def test_a_found_path_names_its_deepest_key_or_item() -> None:
    assert _at(("name",)) == (1, 1)
    assert _at(("rules", 1)) == (5, 5)
    assert _at(("rules", 0, "metric")) == (4, 5)


def test_a_missing_step_ends_the_walk_at_the_deepest_node_found() -> None:
    assert _at(("rules", 0, "margin")) == (3, 5)
    assert _at(("rules", 7, "kind")) == (2, 1)
    assert _at(("nothing",)) is None
    assert node_mark(None, ("name",)) is None


def test_skipping_missing_steps_follows_names_that_are_not_keys() -> None:
    assert _at(("rules", 0, "DecisionItem", "metric")) == (3, 5)
    assert _at(("rules", 0, "DecisionItem", "metric"), skip_missing=True) == (4, 5)
