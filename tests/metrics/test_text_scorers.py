"""Scorers for generated text, checked against the standard library and a real embedding model."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.core import MetricSpec
from assay.core._digest import digest
from assay.data import make_suite
from assay.errors import ConfigError, DataError, ParameterError
from assay.metrics import (
    contains,
    embedding_similarity,
    get_scorer,
    json_valid,
    last_number,
    list_scorers,
    minilm_model_dir,
    numeric_tolerance,
    regex_match,
)
from assay.runners import CallableAdapter, evaluate_suite


def test_every_text_scorer_is_registered() -> None:
    for name in ("contains", "regex", "numeric_tolerance", "json_valid", "embedding_similarity"):
        assert name in list_scorers()


@given(st.text(max_size=30), st.text(min_size=1, max_size=5))
def test_contains_agrees_with_casefolded_in(text: str, needle: str) -> None:
    assert contains(text, needle) == float(needle.casefold() in text.casefold())
    assert contains(text, needle, case_sensitive=True) == float(needle in text)


def test_contains_takes_any_of_a_list_and_scores_missing_output_zero() -> None:
    assert contains("The capital is Paris.", ["London", "paris"]) == 1.0
    assert contains(None, "x") == 0.0
    assert contains("anything", "") == 0.0


def test_regex_extracts_the_first_group_and_compares_normalised() -> None:
    pattern = r"answer is\s+([A-Za-z]+)"
    assert regex_match("So the answer is PARIS!", "paris", pattern=pattern) == 1.0
    assert regex_match("So the answer is Rome.", "paris", pattern=pattern) == 0.0
    assert regex_match("no answer here", "paris", pattern=pattern) == 0.0


@given(st.text(alphabet="ab1 ", max_size=20))
def test_regex_without_group_is_re_search(text: str) -> None:
    assert regex_match(text, None, pattern=r"a+1") == float(re.search(r"a+1", text) is not None)
    assert regex_match(text, None, pattern=r"a+1", fullmatch=True) == float(
        re.fullmatch(r"a+1", text) is not None
    )


def test_regex_uses_the_reference_as_pattern_when_none_is_set() -> None:
    assert regex_match("order #123", r"#\d+") == 1.0
    assert regex_match("ORDER", "order", ignore_case=True) == 1.0
    with pytest.raises(
        ParameterError,
        match=r"^The 'pattern' parameter of regex_match must be a valid regular expression "
        r"\(missing \), unterminated subpattern at position 0\)\. Got '\('\.$",
    ):
        regex_match("x", None, pattern="(")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The total is 1,234.50 dollars", 1234.5),
        ("first 3 then -7", -7.0),
        ("tiny 2e-3", 0.002),
        ("a .5 chance", 0.5),
        ("no digits", None),
        ("between 10-20 items", 20.0),  # a hyphen between digits is not a minus sign
        ("on 2024-01-05", 5.0),
    ],
)
def test_last_number(text: str, expected: float | None) -> None:
    assert last_number(text) == expected


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(0, 10),
)
def test_numeric_tolerance_is_math_isclose(out: float, ref: float, tol: float) -> None:
    assert numeric_tolerance(out, ref, abs_tol=tol, rel_tol=0.0) == float(
        math.isclose(out, ref, rel_tol=0.0, abs_tol=tol)
    )


def test_numeric_tolerance_reads_the_last_number_of_text() -> None:
    assert numeric_tolerance("48 / 2 = 24. The answer is 24", "24") == 1.0
    assert numeric_tolerance("The answer is 25", 24, abs_tol=0.5) == 0.0
    assert numeric_tolerance("The answer is 25", 24, abs_tol=1.0) == 1.0
    assert numeric_tolerance("no number", 1) == 0.0
    with pytest.raises(ConfigError, match=">= 0"):
        numeric_tolerance("1", 1, abs_tol=-1)


@given(st.text(max_size=20))
def test_json_valid_agrees_with_json_loads(text: str) -> None:
    try:
        json.loads(text.strip())
        parses = True
    except ValueError:
        parses = False
    if not text.strip().startswith("```"):
        assert json_valid(text, None) == float(parses)


def test_json_valid_strips_fences_and_checks_keys() -> None:
    fenced = '```json\n{"name": "a", "age": 3}\n```'
    assert json_valid(fenced, None) == 1.0
    assert json_valid(fenced, None, strip_fences=False) == 0.0
    assert json_valid(fenced, None, required_keys=["name", "age"]) == 1.0
    assert json_valid(fenced, None, required_keys=["email"]) == 0.0
    assert json_valid("[1, 2]", None, required_keys=["a"]) == 0.0


def test_get_scorer_binds_settings_and_names_unknown_ones() -> None:
    scorer = get_scorer("numeric_tolerance", abs_tol=0.5)
    assert scorer("about 10.4", 10) == 1.0
    with pytest.raises(ConfigError, match=r"takes no setting .tolerance.*abs_tol, rel_tol"):
        get_scorer("numeric_tolerance", tolerance=1)
    with pytest.raises(ConfigError, match="takes no setting"):
        get_scorer("exact_match", anything=1)


def test_scorer_params_change_the_suite_digest_only_when_set() -> None:
    plain = make_suite("s", [{"example_id": "a", "input": "x", "reference": "y"}], metrics=["acc"])
    # without settings the metric digests as the fields it had before settings existed
    old_style = digest(
        {
            "metrics": [
                {
                    k: v
                    for k, v in m.model_dump().items()
                    if k not in ("scorer_params", "margin", "relative_margin")
                }
                for m in plain.suite.metrics
            ],
            "slices": [],
            "task": None,
            "examples": plain.suite.examples_digest,
        }
    )
    assert plain.suite.digest == old_style
    with_params = make_suite(
        "s",
        [{"example_id": "a", "input": "x", "reference": "y"}],
        metrics=[MetricSpec(name="acc", scorer="regex", scorer_params={"pattern": "y"})],
    )
    assert with_params.suite.digest != plain.suite.digest


def test_a_suite_metric_with_scorer_params_scores_through_the_runner() -> None:
    examples = [
        {"example_id": "q1", "input": "6*7", "reference": "42"},
        {"example_id": "q2", "input": "10/4", "reference": "2.5"},
        {"example_id": "q3", "input": "2+2", "reference": "4"},
    ]
    data = make_suite(
        "arith",
        examples,
        metrics=[
            MetricSpec(
                name="answer_ok", scorer="regex", scorer_params={"pattern": r"answer: (\S+)"}
            ),
            MetricSpec(name="close", scorer="numeric_tolerance", scorer_params={"abs_tol": 0.15}),
        ],
    )
    answers = {"6*7": "answer: 42", "10/4": "answer: 2.4", "2+2": "I think 5"}
    records = evaluate_suite(data, CallableAdapter(answers.__getitem__))
    assert records.column("answer_ok").to_pylist() == [1.0, 0.0, 0.0]
    assert records.column("close").to_pylist() == [1.0, 1.0, 0.0]


@pytest.fixture(scope="module")
def minilm() -> object:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    return sentence_transformers.SentenceTransformer(minilm_model_dir(), device="cpu")


def test_embedding_similarity_is_the_cosine_of_minilm_embeddings(minilm: object) -> None:
    a, b, c = "A cat sits on the mat.", "A kitten rests on the rug.", "Stock markets fell today."
    vectors = np.asarray(minilm.encode([a, b, c]))  # type: ignore[attr-defined]

    def cosine(u: np.ndarray, v: np.ndarray) -> float:
        return float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))

    assert embedding_similarity(a, b) == pytest.approx(cosine(vectors[0], vectors[1]), abs=1e-5)
    assert embedding_similarity(a, [c, b]) == pytest.approx(
        cosine(vectors[0], vectors[1]), abs=1e-5
    )
    assert embedding_similarity(a, b) > embedding_similarity(a, c)
    with pytest.raises(DataError, match="output is missing"):
        embedding_similarity(None, b)


def test_scorer_settings_of_the_wrong_kind_are_refused_when_bound() -> None:
    with pytest.raises(ConfigError, match=r"'abs_tol' must be int or float\. Got '0\.1'"):
        get_scorer("numeric_tolerance", abs_tol="0.1")
    with pytest.raises(ConfigError, match="'case_sensitive' must be bool"):
        get_scorer("contains", case_sensitive="yes")
    with pytest.raises(ConfigError, match="'abs_tol' must be int or float"):
        get_scorer("numeric_tolerance", abs_tol=True)


def test_a_broken_scorer_setting_fails_the_run_instead_of_every_record() -> None:
    data = make_suite(
        "broken",
        [{"example_id": "a", "input": "x", "reference": "y"}],
        metrics=[MetricSpec(name="rx", scorer="regex", scorer_params={"pattern": "(unclosed"})],
    )
    with pytest.raises(
        ConfigError,
        match=r"^The 'pattern' parameter of regex_match must be a valid regular expression ",
    ):
        evaluate_suite(data, CallableAdapter(lambda x: x))
