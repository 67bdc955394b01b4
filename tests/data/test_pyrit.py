"""PyRIT's human-scored responses, read from the installed wheel's files (text never shown)."""

from __future__ import annotations

import importlib.metadata
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from assay.datasets import PYRIT_KINDS, load_pyrit_judgements
from assay.errors import ConfigError, ParameterError


@pytest.fixture(scope="module")
def table():
    return load_pyrit_judgements()


def independent_counts() -> Counter[str]:
    """Rows per scorer_evals folder, read with pandas (header after the '#' comment lines)."""
    dist = importlib.metadata.distribution("pyrit")
    counts: Counter[str] = Counter()
    for entry in dist.files or ():
        name = str(entry)
        if not (name.startswith("pyrit/datasets/scorer_evals/") and name.endswith(".csv")):
            continue
        path = dist.locate_file(entry)
        with open(str(path), encoding="utf-8") as fh:
            comments = 0
            for line in fh:
                if not line.startswith("#"):
                    break
                comments += 1
        frame = pd.read_csv(str(path), skiprows=comments)
        counts[name.split("/")[3]] += len(frame)
    return counts


def test_every_human_judgement_is_loaded_once(table) -> None:
    assert table.num_rows == 1593
    by_folder = independent_counts()
    assert sum(by_folder.values()) == 1593
    kinds = Counter(table.column("kind").to_pylist())
    assert kinds == {
        "harm": by_folder["harm"],
        "objective": by_folder["objective"],
        "refusal": by_folder["refusal_scorer"] + by_folder["sample"],
    }
    ids = table.column("id").to_pylist()
    assert len(set(ids)) == len(ids)
    assert all(
        i == f"{f}:{r}"
        for i, f, r in zip(ids, table["file"].to_pylist(), table["row"].to_pylist(), strict=True)
    )


def test_scores_are_on_their_scales(table) -> None:
    kinds = np.array(table.column("kind").to_pylist())
    score = np.array(table.column("human_score").to_pylist())
    raters = table.column("rater_scores").to_pylist()
    n_raters = table.column("n_raters").to_pylist()
    assert np.all((score >= 0.0) & (score <= 1.0))
    for kind in ("objective", "refusal"):
        assert set(score[kinds == kind]) == {0.0, 1.0}
    harm_ratings = {v for r, k in zip(raters, kinds, strict=True) if k == "harm" for v in r}
    assert harm_ratings == {0.0, 0.25, 0.5, 0.75, 1.0}
    for mean, each, n in zip(score, raters, n_raters, strict=True):
        assert n == len(each) and mean == pytest.approx(math.fsum(each) / n)
    multi = [f for f, n in zip(table["file"].to_pylist(), n_raters, strict=True) if n == 3]
    assert set(multi) == {
        "harm/hate_speech_multi_score.csv",
        "harm/mini_hate_speech.csv",
        "harm/violence_multi_score.csv",
    }


def test_categories_and_versions(table) -> None:
    categories = set(table.column("category").to_pylist())
    assert "refusal" in categories
    assert all(c == c.lower() and c for c in categories)
    assert all(v for v in table.column("dataset_version").to_pylist())
    digests = table.column("text_digest").to_pylist()
    assert all(len(d) == 64 for d in digests)
    assert len(set(digests)) < len(digests)  # the mini_* samples repeat rows of larger files


@pytest.mark.parametrize("kind", PYRIT_KINDS)
def test_one_kind(table, kind: str) -> None:
    part = load_pyrit_judgements(kind)
    assert set(part.column("kind").to_pylist()) == {kind}
    assert part.num_rows == table.column("kind").to_pylist().count(kind)


def test_a_bad_kind_is_refused() -> None:
    with pytest.raises(ParameterError, match="'kind' parameter of load_pyrit_judgements"):
        load_pyrit_judgements("jailbreak")


def test_without_the_pyrit_files_the_error_names_the_install(monkeypatch) -> None:
    def absent(name: str):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", absent)
    with pytest.raises(ConfigError, match=r"pip install --no-deps pyrit==1\.1\.0"):
        load_pyrit_judgements()
