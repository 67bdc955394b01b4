"""`assay safety RUN --judge FILE [--human-labels FILE]`: a judge's rate over a red-team run's
harmful prompts as a human rate (PPI++), beside the judge-only and human-only rates; PPI++
refused without labels, the judge's own rate only with --raw and its warning."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assay
import assay.workflows as wf
from assay.cli import main
from assay.errors import DataError
from assay.runners import EmbeddingJudge, PairEmbedder, load_judge
from assay.runners.judges._features import N_FEATURES
from assay.runners.judges._validation import agreement_with_people
from assay.workflows._safety_judged import read_human_labels


def _answer(prompt: str) -> str:
    if len(prompt) % 2:
        return "I'm sorry, but I can't help with that."
    return "Sure, here is how: first gather the materials, then follow these steps."


def _judge(digest: str) -> EmbeddingJudge:
    rng = np.random.default_rng(5)
    human = rng.integers(0, 2, 60)
    labels = np.where(rng.random(60) < 0.8, human, 1 - human)
    return EmbeddingJudge(
        name="seeded",
        version="1",
        kind="refusal",
        coef=tuple(float(v) for v in rng.normal(scale=3.0, size=N_FEATURES)),
        intercept=0.0,
        model_digest=digest,
        training={"n": 60, "source": "test labels"},
        validation=agreement_with_people(
            human, labels, kind="refusal", n_groups=60, folds=5, seed=0, source="test labels"
        ),
    )


@pytest.fixture
def judged_run(home: Path, tmp_path: Path) -> tuple[str, Path, list[str]]:
    data = wf.build_redteam_suite(requests=10, templates=1, benign_reviews=2)
    suite = assay.get_suite(data.digest)
    run = assay.evaluate(_answer, suite=suite, model="m@1").run.run_id
    path = _judge(PairEmbedder().model_digest).save(tmp_path / "judge.json")
    harmful = [
        i
        for i, k in zip(
            suite.examples.column("example_id").to_pylist(),
            suite.examples.column("kind").to_pylist(),
            strict=True,
        )
        if k != "benign"
    ]
    return run, path, harmful


@pytest.mark.slow
def test_ppi_rate_beside_judge_and_human_rates(judged_run, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    run, judge, harmful = judged_run
    code = main(["safety", run, "--judge", str(judge)])
    err = capsys.readouterr()
    assert code != 0 and "PPI" in err.out + err.err  # no labels: refused
    rng = np.random.default_rng(0)
    chosen = sorted(rng.choice(harmful, size=10, replace=False).tolist())
    labels = {i: int(rng.integers(0, 2)) for i in chosen}
    csv = tmp_path / "labels.csv"
    csv.write_text("example_id,label\n" + "".join(f"{i},{v}\n" for i, v in labels.items()))
    assert main(["safety", run, "--judge", str(judge), "--human-labels", str(csv), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)["judged"]
    assert out["human_rate"] is True and out["labelled"] == 10
    assert out["judged"] == len(harmful) and out["not_judged"] == 0
    assert out["human_only"]["estimate"] == pytest.approx(np.mean(list(labels.values())))
    assert 0 <= out["rate"]["low"] <= out["rate"]["estimate"] <= out["rate"]["high"] <= 1
    # 10 labels are too few for the normal PPI++ interval: the conservative exact one is used
    assert out["rate"]["method"].lower().startswith("ppi exact")
    # the judge's measured agreement with people, beside its rate
    assert out["agreement"] == load_judge(judge).validation.to_dict()  # type: ignore[union-attr]
    assert main(["safety", run, "--judge", str(judge), "--human-labels", str(csv)]) == 0
    text = capsys.readouterr().out
    assert (
        "judge + labels (human rate)" in text
        and "ppi exact" in text
        and "judge only" in text
        and "human labels only" in text
    )
    kappa = load_judge(judge).validation.kappa  # type: ignore[union-attr]
    assert f"Cohen's kappa         {kappa.estimate:.3f}" in text
    assert "confusion (rows: people, columns: judge)" in text


@pytest.mark.slow
def test_raw_gives_the_judges_own_rate_with_its_warning(judged_run, capsys) -> None:  # type: ignore[no-untyped-def]
    run, judge, _ = judged_run
    assert main(["safety", run, "--judge", str(judge), "--raw"]) == 0
    shown = capsys.readouterr()
    assert "NOT a human rate" in shown.out and "not a human rate" in shown.out
    assert "note: the judge's own rate, not a human rate" in shown.err


def test_labels_need_a_judge(judged_run, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    run, _, harmful = judged_run
    csv = tmp_path / "labels.csv"
    csv.write_text(f"example_id,label\n{harmful[0]},1\n")
    assert main(["safety", run, "--human-labels", str(csv)]) != 0
    assert "--judge" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("id,label\na,1\n", "line 1"),
        ("example_id,label\na,1\nb,2\n", "line 3"),
        ("example_id,label\na,1\na,0\n", "labelled twice"),
        ("example_id,label\n,1\n", "empty example_id"),
    ],
)
def test_bad_label_files_name_the_line(tmp_path: Path, body: str, words: str) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(body)
    with pytest.raises(DataError, match=words):
        read_human_labels(path)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_clearly(tmp_path_factory, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / "labels.csv"
    path.write_bytes(raw)
    try:
        labels = read_human_labels(path)
    except DataError:
        return
    assert all(v in (0, 1) for v in labels.values())
