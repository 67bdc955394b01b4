"""Suite integrity checks: counts equal a brute-force count, slice widths equal statsmodels',
overlap with other versions and with Adult's training split, and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from statsmodels.stats.proportion import proportion_confint

from assay.cli import main
from assay.data import check_suite, input_key, make_suite, split_overlap
from assay.errors import DataError

ROWS = [
    {"example_id": "a", "input": "The cat sat.", "reference": "x", "slices": {"lang": "en"}},
    {"example_id": "b", "input": "the  CAT sat.", "reference": "y", "slices": {"lang": "en"}},
    {"example_id": "c", "input": "the cat sat.", "reference": "x", "slices": {"lang": "en"}},
    {"example_id": "d", "input": "   ", "reference": "x", "slices": {"lang": "de"}},
    {"example_id": "e", "input": "?!…", "reference": "x", "slices": {"lang": "de"}},
    {"example_id": "f", "input": None, "reference": "x", "slices": {"lang": "de"}},
    {
        "example_id": "g",
        "input": "a different sentence",
        "reference": "z",
        "slices": {"lang": "fr"},
    },
]


def _suite(rows=ROWS, version=""):
    return make_suite("checked", rows, metrics=["accuracy"], slices=["lang"], version=version)


def _by_check(result):
    return {f.check: f for f in result.findings}


def test_findings_count_what_is_there():
    found = _by_check(check_suite(_suite(), min_slice_size=3, near=False))
    assert found["exact_duplicates"].count == 2  # b and c repeat a
    assert found["exact_duplicates"].example_ids == ("b", "c")
    assert found["label_conflicts"].count == 3  # a, b, c disagree: x, y, x
    assert found["empty_inputs"].example_ids == ("d", "f")
    assert found["degenerate_inputs"].example_ids == ("e",)
    assert found["small_slices"].count == 1 and found["small_slices"].example_ids[0].startswith(
        "lang=fr (n=1"
    )
    assert found["small_slices"].severity == "info"
    assert [f.severity for f in check_suite(_suite(), near=False).findings][-1] == "info"
    assert found["label_conflicts"].message.startswith(
        "1 group of identical inputs (3 examples) has"
    )
    assert found["small_slices"].message.startswith("1 slice has fewer than 3")
    assert found["degenerate_inputs"].message.startswith("1 input has no letter")
    assert found["exact_duplicates"].message.startswith(
        "2 examples repeat an earlier example's input (1 group)"
    )


def test_a_deeply_nested_input_is_keyed_as_text() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert input_key(deep) == deep


@pytest.mark.parametrize("n", [1, 5, 12, 29])
def test_small_slice_width_is_the_wilson_half_width_at_one_half(n: int):
    rows = [{"example_id": f"e{i}", "input": f"text {i}", "slices": {"g": "one"}} for i in range(n)]
    suite = make_suite("w", rows, metrics=["accuracy"], slices=["g"])
    label = _by_check(check_suite(suite, near=False))["small_slices"].example_ids[0]
    low, high = proportion_confint(n / 2, n, alpha=0.05, method="wilson")
    assert label == f"g=one (n={n}, ±{(high - low) / 2:.0%})"


def test_near_duplicates_and_version_overlap():
    rows = [dict(r) for r in ROWS]
    rows[6] = {**rows[6], "input": "the quick brown fox jumps over the lazy dog today"}
    rows.append({"example_id": "h", "input": "the quick brown fox jumps over the lazy dog today!"})
    rows.append({"example_id": "i", "input": "the quick brown fox jumps over the lazy dog now"})
    new = _suite(rows, version="2")
    found = _by_check(check_suite(new, others=[_suite(version="1")]))
    assert found["near_duplicates"].count == 2  # g~i (h equals g exactly)
    overlap = found["version_overlap"]
    assert overlap.example_ids == ("a", "b", "c", "e")  # an empty input overlaps nothing
    assert overlap.count == 4 and "4 examples (44.4%)" in overlap.message


def test_adult_test_rows_equal_to_training_rows_match_a_pandas_count():
    from assay.datasets import load_adult
    from assay.datasets._adult import ADULT_FEATURES

    train, test = load_adult("train"), load_adult("test").head(3000)
    rows = [
        {"example_id": str(r["row"]), "input": {f: r[f] for f in ADULT_FEATURES}}
        for r in test.to_dict("records")
    ]
    suite = make_suite("adult-part", rows, metrics=["accuracy"])
    finding = split_overlap(suite, pa.Table.from_pandas(train))
    seen = set(map(tuple, train[ADULT_FEATURES].astype(str).values))
    expected = sum(tuple(x) in seen for x in test[ADULT_FEATURES].astype(str).values)
    assert finding is not None and finding.count == expected > 0
    with pytest.raises(DataError, match="lacks feature columns"):
        split_overlap(suite, pa.table({"age": [1]}))
    text = make_suite("t", [{"example_id": "1", "input": "Hello  World"}], metrics=["accuracy"])
    hit = split_overlap(text, pa.table({"text": ["hello world", "other"]}))
    assert hit is not None and hit.count == 1
    assert input_key('{"b": 1, "a": 2}') == '{"a":2,"b":1}'


def test_suites_add_runs_the_fast_checks_and_suites_check_the_rest(
    home, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    flat = [{k: v for k, v in r.items() if k != "slices"} | r["slices"] for r in ROWS]
    (tmp_path / "ex.jsonl").write_text("".join(json.dumps(r) + "\n" for r in flat))
    (tmp_path / "suite.yaml").write_text(
        "name: checked\nmetrics: [accuracy]\nslices: [lang]\nexamples: ex.jsonl\n"
    )
    assert main(["suites", "add", str(tmp_path / "suite.yaml")]) == 0
    out = capsys.readouterr().out
    assert "exact_duplicates: 2 examples repeat" in out and "label_conflicts" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert main(["suites", "check", "checked", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    counts = {f["check"]: f["count"] for f in body["findings"]}
    assert counts["exact_duplicates"] == 2 and counts["degenerate_inputs"] == 1
    assert "near_duplicates" in body["checks"] and body["warnings"] == 4
    assert main(["suites", "check", "checked", "--strict"]) == 1
    capsys.readouterr()
    assert main(["suites", "datasheet", "checked"]) == 0
    assert "Integrity check, small slices: 3 slices have fewer than 30" in capsys.readouterr().out
