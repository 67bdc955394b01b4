"""Suite YAML from an untrusted file: bounded, strict, and every error says where."""

from __future__ import annotations

from pathlib import Path

import pytest

import assay
from assay.errors import ConfigError, DataError

OK = "name: s\nmetrics: [m]\nexamples: [{example_id: a}]\n"


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "suite.yaml"
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def test_a_billion_laughs_bomb_is_refused(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    path = _write(tmp_path, "\n".join(lines) + "\n" + OK)
    assert path.stat().st_size < 600
    with pytest.raises(DataError, match="aliases expand to too many nodes") as err:
        assay.load_suite(path)
    assert err.value.file == str(path) and err.value.line is not None


def test_a_few_aliases_are_fine(tmp_path):
    text = "name: s\nmetrics: [&m {name: m}]\nexamples: [{example_id: a}]\nslices: []\n"
    assert assay.load_suite(_write(tmp_path, text)).suite.metric_names == ["m"]


@pytest.mark.parametrize(
    ("content", "match", "line"),
    [
        (OK + "name: t\n", "the key 'name' appears twice", 4),
        (OK.replace("name: s", "name: s\x00"), "U\\+0000 is not allowed", 1),
        (OK.replace("metrics", "\x1b[1mmetrics"), "U\\+001B is not allowed", 2),
        (
            OK.encode().replace(b"name: s", b"name: \xe9"),
            "not UTF-8: byte 0xe9 at byte offset 6",
            1,
        ),
        ("name: s\nmetrics: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested more than 64", 2),
        ("name: !!python/object/apply:os.system [ls]\nmetrics: [m]\n", "tag .* is not allowed", 1),
        ("name: s\nmetrics: &m [*m]\n", "points into its own anchor", 2),
    ],
)
def test_hostile_yaml_is_a_data_error_with_file_and_line(tmp_path, content, match, line):
    path = _write(tmp_path, content)
    with pytest.raises(DataError, match=match) as err:
        assay.load_suite(path)
    assert (err.value.file, err.value.line) == (str(path), line)
    assert "(column " in str(err.value)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("name: s\nmetrics: 5\nexamples: [{example_id: a}]\n", "'metrics' is a list"),
        ("name: [1, 2]\nmetrics: [m]\nexamples: [{example_id: a}]\n", "'name' is text"),
        ("name: s\nmetrics: [[m]]\nexamples: [{example_id: a}]\n", r"metrics\[0\] is a name"),
        ("name: s\nmetrics: [m]\nslices: x\nexamples: [{example_id: a}]\n", "'slices' is a list"),
        ("name: s\nmetrics: [m]\ncatalog: 1\nexamples: [{example_id: a}]\n", "'catalog' is a"),
        ("name: s\nmetrics: [m]\nexamples: [1]\n", r"examples\[0\] is a mapping"),
        ("name: s\nmetrics: [m]\nexamples: 5\n", "'examples' is a list"),
    ],
)
def test_wrongly_shaped_fields_are_config_errors(tmp_path, content, match):
    with pytest.raises(ConfigError, match=match):
        assay.load_suite(_write(tmp_path, content))


def test_keys_are_text_and_dates_stay_text(tmp_path):
    text = "name: s\nversion: 2024-01-01\nmetrics: [m]\nexamples: [{example_id: a}]\n"
    assert assay.load_suite(_write(tmp_path, text)).suite.version == "2024-01-01"


def test_a_suite_file_too_big_is_refused_before_parsing(tmp_path):
    path = _write(tmp_path, b"name: s\n# " + b"x" * (33 << 20) + b"\n")
    with pytest.raises(DataError, match="larger than"):
        assay.load_suite(path)


def test_a_refused_suite_registers_nothing(store, tmp_path):
    with pytest.raises(ConfigError):
        assay.register_suite(_write(tmp_path, OK.replace("[m]", "5")), store=store)
    assert assay.list_suites(store=store) == []


@pytest.mark.parametrize(
    "line",
    ['{"example_id": {"a": 1}}', '{"example_id": [1]}', '{"example_id": "a", "cluster": [1]}'],
)
def test_an_examples_file_with_nested_ids_is_a_data_error(tmp_path, line):
    (tmp_path / "ex.jsonl").write_text(line + "\n")
    path = _write(tmp_path, "name: s\nmetrics: [m]\nexamples: ex.jsonl\n")
    with pytest.raises(DataError, match="ids, clusters and slice values are text"):
        assay.load_suite(path)
