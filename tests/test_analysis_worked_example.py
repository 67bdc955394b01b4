"""The worked examples of docs/analysis.md on the shipped data: the sentiment candidate's
regressions against VADER (the tweets domain is found without being named: it is one value of
one attribute among the suite's slice attributes and the binned input length), and the Adult
candidate's errors; with the link between values and attributes broken by permutation, nothing
is found."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import assay
from assay.analysis import discover_slices, example_values
from assay.cli import main
from assay.workflows import analyze_run

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore::DeprecationWarning:torch.*",
        "ignore::DeprecationWarning:transformers.*",
        "ignore::FutureWarning:transformers.*",
    ),
    pytest.mark.usefixtures("one_torch_thread", "one_thread"),
]


def _demo(example: str, capsys, *extra: str) -> tuple[str, str]:
    assert main(["demo", "--example", example, *extra, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    return out["baseline"]["run"]["run_id"], out["candidate"]["run"]["run_id"]


def _nothing_under_permutation(run: str, against: str | None, attributes: list[str]) -> None:
    store = assay.open_store()
    info = assay.get_run(run, store=store)
    records = store.runs.records(info.run_id)
    baseline = store.runs.records(assay.get_run(against, store=store).run_id) if against else None
    values = example_values(
        records, "accuracy", attributes=[*attributes, "input_length"], baseline=baseline
    )
    for seed in range(5):
        shuffled = np.random.default_rng(seed).permutation(values.values)
        found = discover_slices(
            values.examples,
            shuffled,
            attributes=attributes,
            numeric=["input_length"],
            control="holm",
        )
        assert not found.found, (seed, [s.description for s in found.slices])


@pytest.mark.slow
def test_sentiment_candidate_is_worse_on_tweets_and_nothing_else_holds_up(home: Path, capsys):
    baseline, candidate = _demo("sentiment", capsys, "--sample", "4000")
    holm = analyze_run(candidate, against=baseline, control="holm")
    assert [s.description for s in holm.discovery.slices] == ["domain = tweets"]
    tweets = holm.discovery.slices[0]
    assert tweets.low > 0 and holm.discovery.test == "cluster-robust t"
    assert holm.fixes.problems[0].name == "domain = tweets"
    bh = analyze_run(candidate, against=baseline, control="bh")
    assert bh.discovery.slices[0].description == "domain = tweets"
    suite = assay.get_suite(assay.get_run(candidate).suite_digest)
    _nothing_under_permutation(candidate, baseline, suite.suite.slice_names)


@pytest.mark.slow
def test_adult_candidate_errors(home: Path, capsys):
    _, candidate = _demo("adult", capsys)
    found = analyze_run(candidate, control="holm")
    d = found.discovery
    assert d.target == "error" and d.found
    for s in d.slices:
        assert s.low > 0 and s.adjusted_p_value <= 0.05
    suite = assay.get_suite(assay.get_run(candidate).suite_digest)
    _nothing_under_permutation(candidate, None, suite.suite.slice_names)
