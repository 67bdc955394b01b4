"""Robustness suites: deterministic for a seed, references kept, every copy paired."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.data import SuiteData, make_suite
from assay.datasets import PERTURBATION_KINDS, perturb_suite
from assay.errors import ConfigError, DataError, ParameterError

TEXT_KINDS = [k for k in PERTURBATION_KINDS if k != "choice_order"]
_text = st.lists(
    st.sampled_from([*"abcdefghij ABC.,!?'", "good ", "Movie ", "quick ", "\u00e9t\u00e9 "]),
    max_size=30,
).map("".join)


def _suite(items: list[dict[str, Any]], slices: tuple[str, ...] = ()) -> SuiteData:
    return make_suite("t", items, metrics=["accuracy"], slices=list(slices))


def _rows(data: SuiteData) -> dict[str, dict[str, Any]]:
    out = {}
    for row in data.examples.to_pylist():
        row["input"] = json.loads(row["input"]) if row["input"] is not None else None
        row["reference"] = json.loads(row["reference"]) if row["reference"] is not None else None
        out[row["example_id"]] = row
    return out


@st.composite
def text_suites(draw: st.DrawFn) -> SuiteData:
    texts = draw(st.lists(_text, min_size=1, max_size=8))
    clustered = draw(st.booleans())
    return _suite(
        [
            {
                "example_id": f"e{i}",
                "cluster": f"c{i % 2}" if clustered else None,
                "slices": {"domain": "a" if i % 2 else "b"},
                "input": text,
                "reference": draw(st.sampled_from(["positive", "negative", 1, None])),
            }
            for i, text in enumerate(texts)
        ],
        slices=("domain",),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text_suites(), st.lists(st.sampled_from(TEXT_KINDS), min_size=1, unique=True), st.integers(0, 9)
)
def test_text_perturbations_are_seeded_and_keep_every_reference(
    data: SuiteData, kinds: list[str], seed: int
) -> None:
    first = perturb_suite(data, kinds, seed=seed)
    again = perturb_suite(data, list(reversed(kinds)), seed=seed)
    assert first.data.digest == again.data.digest  # same seed, same suite
    originals = _rows(data)
    rows = _rows(first.data)
    copies = [r for r in rows.values() if r["perturbation"] != "original"]
    assert len(copies) == sum(first.added.values())
    for kind in first.kinds:
        assert first.added[kind] + first.unchanged[kind] == len(originals)
    for ident, original in originals.items():
        assert rows[ident]["perturbation"] == "original"
        assert rows[ident]["input"] == original["input"]
    for copy in copies:
        ident, _, kind = copy["example_id"].rpartition("~")
        assert kind == copy["perturbation"]
        original = originals[ident]  # every copy has its original
        assert copy["reference"] == original["reference"]  # never changed
        assert copy["input"] != original["input"]  # a copy always differs
        assert copy["cluster"] == rows[ident]["cluster"] == (original["cluster"] or ident)
        assert copy["domain"] == original["domain"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=5), min_size=2, max_size=6, unique=True),
    st.data(),
    st.integers(0, 99),
)
def test_choice_order_remaps_the_reference_to_the_same_answer(
    choices: list[str], data: st.DataObject, seed: int
) -> None:
    answer = data.draw(st.integers(0, len(choices) - 1))
    style = data.draw(st.sampled_from(["index", "letter", "text"]))
    reference: Any = {"index": answer, "letter": "ABCDEF"[answer], "text": choices[answer]}[style]
    suite = _suite(
        [
            {
                "example_id": "q",
                "input": {"question": "Which?", "choices": choices},
                "reference": reference,
            }
        ]
    )
    result = perturb_suite(suite, ["choice_order"], seed=seed)
    rows = _rows(result.data)
    letters = "ABCDEF"[: len(choices)]
    if isinstance(reference, str) and reference in choices and reference in letters:
        # read both ways: the positions either reading names stay, the others move
        held = {letters.index(reference), choices.index(reference)}
        if len(choices) - len(held) < 2:
            assert "q~choice_order" not in rows and result.unchanged["choice_order"] == 1
            return
        for at in held:
            assert rows["q~choice_order"]["input"]["choices"][at] == choices[at]
    copy = rows["q~choice_order"]
    shuffled = copy["input"]["choices"]
    assert sorted(shuffled) == sorted(choices) and shuffled != choices
    assert copy["input"]["question"] == "Which?"
    new = copy["reference"]
    picked = {
        "index": lambda: shuffled[new],
        "letter": lambda: shuffled["ABCDEF".index(new)],
        "text": lambda: new,
    }[style]()
    assert picked == choices[answer]  # the same answer text


def test_each_kind_changes_a_plain_sentence_and_seeds_differ() -> None:
    suite = _suite(
        [
            {
                "example_id": "s",
                "input": "The quick movie was a big hit, I think.",
                "reference": "positive",
            }
        ]
    )
    one = _rows(perturb_suite(suite, TEXT_KINDS, seed=1).data)
    two = _rows(perturb_suite(suite, TEXT_KINDS, seed=2).data)
    assert {r["perturbation"] for r in one.values()} == {"original", *TEXT_KINDS}
    assert any(one[f"s~{k}"]["input"] != two[f"s~{k}"]["input"] for k in TEXT_KINDS)
    assert "  " in one["s~whitespace"]["input"] or "\t" in one["s~whitespace"]["input"]


def test_a_kind_that_changes_nothing_adds_no_example_and_says_so() -> None:
    suite = _suite([{"example_id": "s", "input": "zzz qqq", "reference": "x"}])
    result = perturb_suite(suite, ["synonym", "choice_order"], seed=0)
    assert result.added == {"synonym": 0, "choice_order": 0}
    assert result.unchanged == {"synonym": 1, "choice_order": 1}
    assert result.data.suite.n_examples == 1


def test_bad_requests_are_refused_with_the_one_message_shape() -> None:
    suite = _suite([{"example_id": "s", "input": "text", "reference": "x"}])
    with pytest.raises(ParameterError, match="'kinds' parameter of perturb_suite"):
        perturb_suite(suite, ["typos"])
    with pytest.raises(ParameterError, match="'kinds'"):
        perturb_suite(suite, "typo")
    twice = perturb_suite(suite, ["typo"]).data
    with pytest.raises(ConfigError, match="already has a 'perturbation' slice"):
        perturb_suite(twice, ["typo"])
    wrong = _suite([{"example_id": "q", "input": {"choices": ["a", "b"]}, "reference": "c"}])
    with pytest.raises(DataError, match="choice's text, its index or its letter"):
        perturb_suite(wrong, ["choice_order"])


def test_the_shipped_word_lists_state_their_source() -> None:
    from importlib import resources

    folder = resources.files("assay.datasets").joinpath("data")
    for name in ("synonyms.tsv", "distractors.txt"):
        header = folder.joinpath(name).read_text("utf-8").splitlines()[:3]
        assert any(line.startswith("# Source:") for line in header), name
    pairs = [
        line.split("\t")
        for line in folder.joinpath("synonyms.tsv").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert len(pairs) >= 50 and all(len(p) == 2 and p[0] != p[1] for p in pairs)


def test_a_reference_that_is_both_a_letter_and_a_choice_keeps_its_position() -> None:
    choices = ["0", "1", "C", "D", "E"]
    suite = _suite(
        [{"example_id": "q", "input": {"question": "Which?", "choices": choices}, "reference": "C"}]
    )
    for seed in range(20):
        copy = _rows(perturb_suite(suite, ["choice_order"], seed=seed).data)["q~choice_order"]
        shuffled = copy["input"]["choices"]
        assert copy["reference"] == "C" and shuffled[2] == "C" and shuffled != choices
        assert sorted(shuffled) == sorted(choices)
