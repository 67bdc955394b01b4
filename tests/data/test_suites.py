"""Suites from YAML, Python objects and tables; their digests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import assay
from assay.data import make_suite
from assay.errors import ConfigError, DataError

YAML = """\
name: qa-mini
version: "1"
description: three questions
catalog:
  purpose: smoke test
  owner: qa-team
  known_limits: [tiny]
metrics:
  - {name: exact, scorer: exact_match}
slices: [topic]
examples:
  - {example_id: q1, cluster: p1, slices: {topic: math}, input: "2+2?", reference: "4"}
  - {example_id: q2, cluster: p1, slices: {topic: math}, input: "3+3?", reference: "6"}
  - {example_id: q3, slices: {topic: geo}, input: "Capital of France?", reference: "Paris"}
"""


def test_yaml_suite(tmp_path: Path):
    path = tmp_path / "suite.yaml"
    path.write_text(YAML)
    data = assay.load_suite(path)
    s = data.suite
    assert (s.name, s.n_examples, s.metric_names, s.slice_names) == (
        "qa-mini",
        3,
        ["exact"],
        ["topic"],
    )
    assert s.catalog.owner == "qa-team"
    assert data.examples.column("cluster").to_pylist() == ["p1", "p1", None]
    # the same examples built in Python give the same identity
    again = make_suite(
        "other-name",
        [
            {
                "example_id": "q3",
                "slices": {"topic": "geo"},
                "input": "Capital of France?",
                "reference": "Paris",
            },
            {
                "example_id": "q1",
                "cluster": "p1",
                "slices": {"topic": "math"},
                "input": "2+2?",
                "reference": "4",
            },
            {
                "example_id": "q2",
                "cluster": "p1",
                "slices": {"topic": "math"},
                "input": "3+3?",
                "reference": "6",
            },
        ],
        metrics=[{"name": "exact", "scorer": "exact_match"}],
        slices=["topic"],
    )
    assert again.digest == data.digest


def test_yaml_with_examples_file(tmp_path: Path):
    (tmp_path / "ex.jsonl").write_text(
        '{"example_id": "a", "topic": "x", "input": "hi", "reference": "hello"}\n'
        '{"example_id": "b", "topic": "y", "input": "yo", "reference": "hey"}\n'
    )
    (tmp_path / "s.yaml").write_text("name: f\nmetrics: [m]\nslices: [topic]\nexamples: ex.jsonl\n")
    data = assay.load_suite(tmp_path / "s.yaml")
    assert data.suite.n_examples == 2 and data.examples.column("topic").to_pylist() == ["x", "y"]


def test_digest_changes_with_any_example():
    rows = [{"example_id": f"e{i}", "input": i, "reference": i % 2} for i in range(20)]
    a = make_suite("s", rows, metrics=["m"])
    rows[5] = {**rows[5], "reference": 7}
    assert make_suite("s", rows, metrics=["m"]).digest != a.digest


def test_table_and_row_order_do_not_matter():
    rng = np.random.default_rng(0)
    table = pa.table(
        {"example_id": [f"e{i}" for i in range(100)], "lang": rng.choice(["en", "de"], 100)}
    )
    a = make_suite("s", table, metrics=["m"], slices=["lang"])
    b = make_suite("s", table.take(rng.permutation(100)), metrics=["m"], slices=["lang"])
    assert a.digest == b.digest


def test_bad_yaml_names_the_line(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nmetrics: [a\nexamples: []\n")
    with pytest.raises(DataError) as err:
        assay.load_suite(path)
    assert err.value.file == str(path) and err.value.line == 3


def test_duplicate_example_ids_in_a_suite():
    with pytest.raises(DataError, match="'e1' appears 2 times") as err:
        make_suite(
            "s", [{"example_id": "e0"}, {"example_id": "e1"}, {"example_id": "e1"}], metrics=["m"]
        )
    assert err.value.row == 2


def test_suite_definition_errors(tmp_path: Path):
    with pytest.raises(ConfigError, match="reserved"):
        make_suite("s", [{"example_id": "a"}], metrics=["latency_ms"])
    with pytest.raises(DataError, match="slice has no column"):
        make_suite("s", pa.table({"example_id": ["a"]}), metrics=["m"], slices=["lang"])
    (tmp_path / "s.yaml").write_text("name: x\nmetrics: [m]\nexamples: []\nowner: me\n")
    with pytest.raises(ConfigError, match="unknown suite field"):
        assay.load_suite(tmp_path / "s.yaml")


def test_a_table_of_text_and_text_structs_gives_the_json_of_the_general_walk() -> None:
    # text columns and structs of text fields have their own path to canonical JSON; every
    # other kind of value (numbers, nested fields, nulls of the struct itself) the general one
    texts = ["plain", 'quote " and \\', "é\n\u2028😀\x01", "", None, "z"]
    shapes = {
        "text": pa.array(texts),
        "large text": pa.array(texts, pa.large_string()),
        "struct": pa.StructArray.from_arrays(
            [pa.array(texts), pa.array(texts[::-1])], names=["question", "context"]
        ),
        "struct with nulls": pa.StructArray.from_arrays(
            [pa.array(texts)], names=["q"], mask=pa.array([False, True] * 3)
        ),
        "struct of a number": pa.StructArray.from_arrays(
            [pa.array(texts), pa.array([1.0, 2.5, None, 3.0, 4.0, 5.0])], names=["b", "a"]
        ),
    }
    for name, values in shapes.items():
        for column in ("input", "reference"):
            ids = [f"e{i}" for i in range(len(values))]
            chunked = pa.chunked_array([values.slice(0, 2), values.slice(2)])
            table = pa.table({"example_id": ids, column: chunked})
            got = make_suite("s", table, metrics=["m"]).examples.column(column).to_pylist()
            want = (
                make_suite(
                    "s",
                    [
                        {"example_id": i, column: v}
                        for i, v in zip(ids, values.to_pylist(), strict=True)
                    ],
                    metrics=["m"],
                )
                .examples.column(column)
                .to_pylist()
            )
            assert got == want, (name, column)
