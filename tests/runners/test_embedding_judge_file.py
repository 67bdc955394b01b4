"""Judge files: digest, round trip, tampering and hostile files; label and fold checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.core import digest
from assay.errors import DataError, ParameterError
from assay.runners import EmbeddingJudge, fit_embedding_judge, load_judge
from assay.runners.judges._features import N_FEATURES
from assay.runners.judges._fit import binary_labels, cross_validated_labels
from assay.runners.judges._validation import agreement_with_people


def small_judge(validated: bool = True) -> EmbeddingJudge:
    rng = np.random.default_rng(3)
    human = rng.integers(0, 2, 60)
    judge = np.where(rng.random(60) < 0.8, human, 1 - human)
    validation = (
        agreement_with_people(
            human, judge, kind="refusal", n_groups=55, folds=5, seed=0, source="test labels"
        )
        if validated
        else None
    )
    return EmbeddingJudge(
        name="toy",
        version="2",
        kind="refusal",
        coef=tuple(float(v) for v in rng.normal(size=N_FEATURES)),
        intercept=0.1,
        model_digest="ab" * 32,
        training={"n": 60, "source": "test labels"},
        validation=validation,
    )


def test_a_judge_file_round_trips_with_the_same_digest(tmp_path: Path) -> None:
    judge = small_judge()
    path = judge.save(tmp_path / "judge.json")
    again = load_judge(path)
    assert again == judge
    assert again.digest == judge.digest
    assert json.loads(path.read_text())["digest"] == judge.digest
    assert judge.with_version("3").digest != judge.digest  # the version is content
    described = judge.describe()
    assert described["version"] == "2" and described["digest"] == judge.digest
    assert described["validated"] is True
    assert described["agreement"]["kappa"][0] == judge.validation.kappa.estimate  # type: ignore[union-attr]


def test_a_judge_file_written_before_intervals_kept_their_clusters_still_loads(
    tmp_path: Path,
) -> None:
    """Judge files from before κ and α stored ``n_clusters`` and ``notes`` hold neither key;
    they load, with the digest they were written with."""
    judge = small_judge()
    content = judge.content()
    for name in ("kappa", "alpha"):
        for key in ("n_clusters", "notes"):
            content["validation"][name].pop(key, None)
    path = tmp_path / "judge.json"
    path.write_text(json.dumps({**content, "digest": digest(content)}))
    loaded = load_judge(path)
    assert loaded.digest == digest(content)
    assert loaded.validation is not None and loaded.validation.kappa.n_clusters is None


def test_a_changed_file_is_refused(tmp_path: Path) -> None:
    path = small_judge().save(tmp_path / "judge.json")
    raw = json.loads(path.read_text())
    raw["intercept"] = 5.0
    path.write_text(json.dumps(raw))
    with pytest.raises(DataError, match="does not match its digest"):
        load_judge(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a judge file"),
        (b'{"format": "other"}', "not a judge file"),
        (b'{"format": "assay.embedding-judge/1"}', "missing or malformed"),
        (b"[" * 100_000, "not JSON"),
    ],
)
def test_hostile_files_are_refused_with_one_clear_error(
    tmp_path: Path, content: bytes, match: str
) -> None:
    path = tmp_path / "judge.json"
    path.write_bytes(content)
    with pytest.raises(DataError, match=match):
        load_judge(path)


def test_wrong_coefficients_and_a_huge_file_are_refused(tmp_path: Path) -> None:
    raw = {**small_judge().content(), "coef": [0.0] * 10}
    path = tmp_path / "judge.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(DataError, match="coefficients are not usable"):
        load_judge(path)
    path.write_bytes(b" " * (9 << 20))
    with pytest.raises(DataError, match="too large"):
        load_judge(path)
    with pytest.raises(DataError, match="cannot read"):
        load_judge(tmp_path / "absent.json")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.floats() | st.text(max_size=10),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.text(max_size=8), inner, max_size=4)
            ),
            max_leaves=20,
        ).map(lambda v: json.dumps({"format": "assay.embedding-judge/1", "x": v}).encode()),
    )
)
def test_fuzzed_judge_files_raise_only_data_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(content)
    with pytest.raises(DataError):
        load_judge(path)


def test_labels_of_the_wrong_type_or_range_are_refused() -> None:
    with pytest.raises(DataError, match="out of range") as info:
        binary_labels([0, 1, 2], label_threshold=None, function="f")
    assert "row 2" in str(info.value)
    with pytest.raises(DataError, match="out of range"):
        binary_labels([0.2, float("nan")], label_threshold=0.5, function="f")
    with pytest.raises(DataError, match="must be numbers"):
        binary_labels(["yes", "no"], label_threshold=None, function="f")
    assert binary_labels([0.25, 0.5, 1.0], label_threshold=0.5, function="f").tolist() == [0, 1, 1]
    with pytest.raises(DataError, match="out of range"):
        fit_embedding_judge(["a"], ["b"], [3], kind="refusal", name="x")
    with pytest.raises(DataError, match="one of objectives per label"):
        fit_embedding_judge(["a", "b"], ["b"], [1], kind="refusal", name="x")
    with pytest.raises(DataError, match="not text"):
        fit_embedding_judge([None], ["b"], [1], kind="refusal", name="x")  # type: ignore[list-item]
    with pytest.raises(ParameterError, match="'folds' parameter"):
        fit_embedding_judge(["a"], ["b"], [1], kind="refusal", name="x", folds=1)
    with pytest.raises(ParameterError, match="'label_threshold' parameter"):
        fit_embedding_judge(["a"], ["b"], [1], kind="harm", name="x", label_threshold=0.0)


def test_a_label_too_rare_for_the_folds_is_refused_before_any_fold_is_empty() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5))
    y = np.array([1] * 36 + [0] * 4)
    with pytest.raises(DataError, match="at least 5 distinct texts labelled 0"):
        cross_validated_labels(x, y, [str(i) for i in range(40)], folds=5, seed=0)
    # four texts labelled 0, but two of them repeated: still only 4 distinct groups
    groups = [str(i) for i in range(36)] + ["a", "a", "b", "b"]
    y = np.array([1] * 36 + [0] * 4)
    with pytest.raises(DataError, match="at least 3 distinct texts labelled 0"):
        cross_validated_labels(x, y, groups, folds=3, seed=0)


def test_cross_validation_keeps_repeats_together_and_is_deterministic() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 80)
    groups = [str(i // 2) for i in range(80)]  # each text twice
    y = np.repeat(y[::2], 2)
    x = np.repeat(rng.normal(size=(40, 4)), 2, axis=0) + y[:, None]
    first = cross_validated_labels(x, y, groups, folds=4, seed=7)
    again = cross_validated_labels(x, y, groups, folds=4, seed=7)
    assert np.array_equal(first, again)
    # a repeat labelled by a model fitted on other folds would get another probability
    assert np.array_equal(first[0::2], first[1::2])
    apart = cross_validated_labels(x, y, [str(i) for i in range(80)], folds=4, seed=7)
    assert not np.array_equal(apart[0::2], apart[1::2])


def test_missing_packages_name_their_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata
    import sys

    from assay.errors import ConfigError, MissingDependencyError
    from assay.runners import PairEmbedder
    from assay.workflows import fit_judge

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'assay\[sentiment\]'"):
        PairEmbedder().embed(["a text"])
    real = importlib.metadata.distribution

    def no_pyrit(name: str) -> importlib.metadata.Distribution:
        if name == "pyrit":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", no_pyrit)
    with pytest.raises(ConfigError, match=r"pip install --no-deps pyrit==1\.1\.0"):
        fit_judge("refusal")
