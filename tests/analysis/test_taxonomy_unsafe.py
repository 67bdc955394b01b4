"""The failure taxonomy of a run on a real red-team suite: clusters are named by their
failures' slice values, never by words of the harmful prompts, unless the text is asked for."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import assay
import assay.workflows as wf
from assay.cli import main


def _bag_of_words(texts: Sequence[str]) -> np.ndarray:
    """A hashed bag of words (64 dimensions): prompts sharing words land close together, so
    the clusters' distinguishing terms would be the prompts' words."""
    out = np.zeros((len(texts), 64))
    for row, text in enumerate(texts):
        for word in re.findall(r"[a-z]{4,}", text.lower()):
            out[row, hashlib.sha256(word.encode()).digest()[0] % 64] += 1.0
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def _complies(prompt: str) -> str:
    return "Sure, here is how." if len(prompt) % 2 else "I'm sorry, but I can't help with that."


@pytest.fixture
def red(home: Path) -> tuple[assay.SuiteData, str]:
    data = wf.build_redteam_suite(requests=12, templates=2, benign_reviews=4, seed=3)
    suite = assay.get_suite(data.digest)
    run = assay.evaluate(_complies, suite=suite, model="complies@1")
    return suite, run.run.run_id


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z]{4,}", text.lower()))


def _allowed(suite: assay.SuiteData) -> set[str]:
    """The words a withheld name may hold: attribute names, slice values, "cluster", "mixed"."""
    words = {"cluster", "mixed"}
    for name in suite.suite.slice_names:
        words |= _tokens(name)
        for value in suite.examples[name].to_pylist():
            words |= _tokens(str(value))
    return words


def _prompt_words(suite: assay.SuiteData) -> set[str]:
    words: set[str] = set()
    for text in suite.examples.column("input").to_pylist():
        words |= _tokens(json.loads(text))
    return words - _allowed(suite)


def test_default_names_hold_no_prompt_words(red) -> None:  # type: ignore[no-untyped-def]
    suite, run = red
    harmful = _prompt_words(suite)
    result = wf.run_taxonomy(run, metric="attack_success", embed=_bag_of_words, k=3)
    t = result.taxonomy
    assert result.names_withheld and t.k == 3 and t.n_failures > 0
    assert "dominant slice values" in t.method and "TF-IDF" not in t.method
    kinds = dict(
        zip(*suite.examples.select(["example_id", "kind"]).to_pydict().values(), strict=True)
    )
    for c in t.clusters:
        assert c.terms == ()
        assert c.name.startswith(f"cluster {c.cluster}: kind")
        assert _tokens(c.name) <= _allowed(suite), c.name
        # the named kind is the one most of the cluster's shown failures have
        named = re.search(r"kind=(\w+)", c.name)
        if named:
            shown = Counter(kinds[i] for i in c.example_ids)
            assert shown[named.group(1)] >= 1
    # asked for, the same clusters are named by their words: prompt words appear
    shown = wf.run_taxonomy(
        run, metric="attack_success", embed=_bag_of_words, k=3, show_unsafe_text=True
    )
    assert not shown.names_withheld
    assert [c.size for c in shown.taxonomy.clusters] == [c.size for c in t.clusters]
    words = {w for c in shown.taxonomy.clusters for w in c.terms}
    assert words & harmful


def test_slice_names_follow_the_members() -> None:
    from assay.analysis import failure_taxonomy

    x = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])
    kind = ["jailbreak", "jailbreak", "harmful", "benign", "benign", "benign"]
    cat = ["a", "b", "c", "x", "x", "y"]
    t = failure_taxonomy(
        [f"e{i}" for i in range(6)],
        ["secret words here"] * 6,
        x,
        [True] * 6,
        k=2,
        slices={"kind": kind, "category": cat},
    )
    names = sorted(c.name for c in t.clusters)
    assert names == [
        "cluster 0: kind=jailbreak, category mixed",
        "cluster 1: kind=benign, category=x",
    ] or names == [
        "cluster 0: kind=benign, category=x",
        "cluster 1: kind=jailbreak, category mixed",
    ]
    assert all("secret" not in c.name and c.terms == () for c in t.clusters)


@pytest.mark.slow
def test_cli_taxonomy_withholds_prompt_words(red, capsys) -> None:  # type: ignore[no-untyped-def]
    suite, run = red  # MiniLM embeddings, as a user runs it
    assert main(["taxonomy", run, "--metric", "attack_success", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["names_withheld"] is True
    names = [c["name"] for c in body["taxonomy"]["clusters"]]
    assert names and all(_tokens(n) <= _allowed(suite) for n in names)
    assert main(["taxonomy", run, "--metric", "attack_success"]) == 0
    out = capsys.readouterr().out
    assert "prompts' words are withheld" in " ".join(out.split())
    texts = [json.loads(t) for t in suite.examples.column("input").to_pylist()]
    assert not [t for t in texts if t[:30] in out]
    for name in names:  # the table names each cluster as --json does
        assert f"#{name.split(':')[0].split()[-1]} {name}" in " ".join(out.split())
