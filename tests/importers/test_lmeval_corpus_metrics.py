"""lm-eval's corpus metrics (f1, mcc, bleu, chrf) imported with their pieces and compared by
the paired bootstrap; their values checked against scikit-learn and sacrebleu.

The logs are written here in lm-evaluation-harness's samples format: each sample's ``f1`` /
``mcc`` field is ``[gold, pred]`` and its ``bleu`` / ``chrf`` / ``ter`` field ``[reference,
prediction]``, the pieces lm-eval's aggregations pool (``f1_score(golds, preds)``,
``matthews_corrcoef``, ``sacrebleu.corpus_bleu(preds, [refs])``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import f1_score, matthews_corrcoef

import assay
from assay.errors import SelfComparisonWarning
from assay.importers import read_lm_eval_samples
from assay.metrics import get_metric

sacrebleu = pytest.importorskip("sacrebleu")

DATE = "2026-03-04T05-06-07.000000"
N = 240
_WORDS = [
    "the",
    "a",
    "cat",
    "dog",
    "sat",
    "ran",
    "on",
    "under",
    "mat",
    "table",
    "quickly",
    "slowly",
    "red",
    "green",
    "house",
    "tree",
]


def _write(folder: Path, task: str, lines: list[dict[str, Any]], metrics: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    samples = folder / f"samples_{task}_{DATE}.jsonl"
    samples.write_text("".join(json.dumps(line) + "\n" for line in lines))
    results = {
        "results": {task: {}},
        "configs": {
            task: {"metric_list": [{"metric": m, "aggregation": a} for m, a in metrics.items()]}
        },
        "higher_is_better": {task: {m: m != "ter" for m in metrics}},
        "versions": {task: 1},
        "config": {"model": "hf", "model_args": f"pretrained={folder.name}"},
    }
    (folder / f"results_{DATE}.json").write_text(json.dumps(results))
    return samples


def _classification(seed: int, flip: float) -> tuple[list[dict[str, Any]], list[int], list[int]]:
    gold_rng = np.random.default_rng(0)  # the same documents in both runs
    golds = [int(g) for g in gold_rng.random(N) < 0.4]
    rng = np.random.default_rng(seed)
    preds = [g if rng.random() > flip else 1 - g for g in golds]
    lines = []
    for i, (g, p) in enumerate(zip(golds, preds, strict=True)):
        question = f"Is claim {i} supported?"
        lls = [[[-1.0 if p == c else -2.0, False]] for c in (0, 1)]
        lines.append(
            {
                "doc_id": i,
                "doc": {"claim": question, "label": g},
                "target": g,
                "arguments": {
                    f"gen_args_{c}": {"arg_0": question, "arg_1": f" {w}"}
                    for c, w in enumerate(("no", "yes"))
                },
                "resps": lls,
                "filtered_resps": [x[0] for x in lls],
                "filter": "none",
                "metrics": ["acc", "f1", "mcc"],
                "acc": float(g == p),
                "f1": [g, p],
                "mcc": [g, p],
            }
        )
    return lines, golds, preds


def _sentence(rng: np.random.Generator, k: int) -> str:
    return " ".join(rng.choice(_WORDS, size=k)) + "."


def _translation(seed: int, noise: float) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    ref_rng = np.random.default_rng(1)
    refs = [_sentence(ref_rng, int(ref_rng.integers(4, 12))) for _ in range(N)]
    rng = np.random.default_rng(seed)
    preds = []
    for ref in refs:
        words = ref.rstrip(".").split()
        words = [w if rng.random() > noise else str(rng.choice(_WORDS)) for w in words]
        preds.append(" ".join(words) + ".")
    lines = [
        {
            "doc_id": i,
            "doc": {"source": f"source sentence {i}"},
            "target": r,
            "arguments": {"gen_args_0": {"arg_0": f"Translate: source sentence {i}", "arg_1": {}}},
            "resps": [[p]],
            "filtered_resps": [p],
            "filter": "none",
            "metrics": ["bleu", "chrf", "ter"],
            "bleu": [r, p],
            "chrf": [r, p],
            "ter": [r, p],
        }
        for i, (r, p) in enumerate(zip(refs, preds, strict=True))
    ]
    return lines, refs, preds


def test_classification_f1_and_mcc_are_imported_with_their_pieces(tmp_path: Path) -> None:
    lines, golds, preds = _classification(seed=2, flip=0.2)
    path = _write(
        tmp_path / "b", "claims", lines, {"acc": "mean", "f1": "f1", "mcc": "matthews_corrcoef"}
    )
    imported = read_lm_eval_samples(path)
    specs = {m.name: m.aggregate for m in imported.suite.suite.metrics}
    assert specs == {"acc": "mean", "f1": "f1", "mcc": "mcc"}
    assert imported.provenance.get("skipped_metrics", {}) == {}
    # the pieces: the gold label is the example's reference, the prediction the record's output
    refs = [json.loads(r) for r in imported.suite.examples.column("reference").to_pylist()]
    outs = [json.loads(o) for o in imported.records.column("output").to_pylist()]
    assert refs == golds and outs == preds


def test_a_comparison_recomputes_the_corpus_metrics_with_a_paired_bootstrap(
    tmp_path: Path, store: assay.Store
) -> None:
    runs, truth = [], []
    for folder, seed, flip in (("base", 2, 0.25), ("cand", 3, 0.1)):
        lines, golds, preds = _classification(seed, flip)
        metrics = {"acc": "mean", "f1": "f1", "mcc": "matthews_corrcoef"}
        path = _write(tmp_path / folder, "claims", lines, metrics)
        runs.append(assay.import_log(path, model=f"{folder}@1", store=store).run.run_id)
        truth.append((f1_score(golds, preds), matthews_corrcoef(golds, preds)))
    comparison = assay.compare_runs(*runs, store=store)
    for metric, k in (("f1", 0), ("mcc", 1)):
        r = comparison.result(metric)
        assert r.baseline.estimate == pytest.approx(truth[0][k], abs=1e-12)
        assert r.candidate.estimate == pytest.approx(truth[1][k], abs=1e-12)
        assert r.difference.estimate == pytest.approx(truth[1][k] - truth[0][k], abs=1e-12)
        assert r.n == N and r.resamples == 2000
        assert "bootstrap" in r.test.lower()
        assert r.difference.low < r.difference.estimate < r.difference.high
        assert r.difference.low > 0.0  # 25% of labels flipped against 10%: clearly better


def test_bleu_chrf_and_ter_match_sacrebleu(tmp_path: Path, store: assay.Store) -> None:
    runs, truth = [], []
    for folder, seed, noise in (("base", 4, 0.3), ("cand", 5, 0.15)):
        lines, refs, preds = _translation(seed, noise)
        metrics = {"bleu": "bleu", "chrf": "chrf", "ter": "ter"}
        path = _write(tmp_path / folder, "translate", lines, metrics)
        imported = read_lm_eval_samples(path)
        specs = {m.name: (m.aggregate, m.goal) for m in imported.suite.suite.metrics}
        assert specs == {
            "bleu": ("bleu", "higher"),
            "chrf": ("chrf", "higher"),
            "ter": ("ter", "lower"),
        }
        assert imported.provenance.get("skipped_metrics", {}) == {}
        runs.append(assay.import_log(path, model=f"{folder}@1", store=store).run.run_id)
        truth.append(
            (
                sacrebleu.corpus_bleu(preds, [refs]).score,
                sacrebleu.corpus_chrf(preds, [refs]).score,
                sacrebleu.metrics.TER().corpus_score(preds, [refs]).score,
            )
        )
    comparison = assay.compare_runs(*runs, store=store)
    for metric, k in (("bleu", 0), ("chrf", 1), ("ter", 2)):
        r = comparison.result(metric)
        assert r.baseline.estimate == pytest.approx(truth[0][k], abs=1e-9)
        assert r.candidate.estimate == pytest.approx(truth[1][k], abs=1e-9)
        assert r.resamples == 2000 and "bootstrap" in r.test.lower()
        assert r.difference.low < r.difference.estimate < r.difference.high
    # less noise: higher BLEU and chrF, and a lower edit rate
    assert comparison.result("bleu").difference.low > 0.0
    assert comparison.result("chrf").difference.low > 0.0
    ter = comparison.result("ter")
    assert ter.goal == "lower" and ter.difference.high < 0.0


def test_corpus_ter_is_sacrebleus_with_several_references_and_empty_ones() -> None:
    ter = get_metric("ter")
    hyps = ["the cat sat on the mat", "a b c", "", "word"]
    refs = [
        ["the cat is on the mat", "a cat sat on a mat"],
        ["a b c d", "x b c"],
        ["", ""],
        ["", ""],
    ]
    ours = ter.compute(hypotheses=hyps, references=refs)
    theirs = sacrebleu.metrics.TER().corpus_score(hyps, list(map(list, zip(*refs, strict=True))))
    assert ours == pytest.approx(theirs.score, abs=1e-9)
    assert ter.compute(hypotheses=["word"], references=[[""]]) == 100.0  # empty reference
    assert ter.compute(hypotheses=[""], references=[[""]]) == 0.0


def test_pieces_of_different_shapes_keep_the_first_corpus_metric(tmp_path: Path) -> None:
    lines, _, _ = _classification(seed=2, flip=0.2)
    for i, line in enumerate(lines):
        line["metrics"] = ["f1", "bleu"]
        line["bleu"] = [f"reference {i}", f"prediction {i}"]
        del line["acc"], line["mcc"]
    path = _write(tmp_path / "x", "mixed", lines, {"f1": "f1", "bleu": "bleu"})
    imported = read_lm_eval_samples(path)
    assert [m.name for m in imported.suite.suite.metrics] == ["f1"]
    assert "differ from those of 'f1'" in imported.provenance["skipped_metrics"]["bleu,none"]


@pytest.mark.parametrize(
    "pieces",
    [[1, 2, 3], "gold", [True, 1], [None, 1], [{"a": 1}, 0]],
)
def test_a_sample_whose_pieces_are_not_a_pair_leaves_the_metric_out_with_its_line(
    tmp_path: Path, pieces: Any
) -> None:
    lines, _, _ = _classification(seed=2, flip=0.2)
    lines[7]["f1"] = pieces
    path = _write(tmp_path / "x", "claims", lines, {"acc": "mean", "f1": "f1", "mcc": "mcc"})
    imported = read_lm_eval_samples(path)
    assert [m.name for m in imported.suite.suite.metrics] == ["acc", "mcc"]
    reason = imported.provenance["skipped_metrics"]["f1,none"]
    assert "document 'claims/7' (line 8)" in reason and "[gold, prediction] pair" in reason


def test_a_bleu_prediction_that_reads_as_json_stays_text(
    tmp_path: Path, store: assay.Store
) -> None:
    lines, refs, preds = _translation(4, 0.3)
    lines[0]["bleu"] = lines[0]["chrf"] = [refs[0], "42"]
    lines[1]["bleu"] = lines[1]["chrf"] = [
        refs[1],
        ["true"],
    ]  # a one-element list, as lm-eval allows
    preds[0], preds[1] = "42", "true"
    path = _write(tmp_path / "x", "translate", lines, {"bleu": "bleu", "chrf": "chrf"})
    run = assay.import_log(path, model="m@1", store=store).run.run_id
    with pytest.warns(SelfComparisonWarning):
        comparison = assay.compare_runs(run, run, store=store)
    expected = sacrebleu.corpus_bleu(preds, [refs]).score
    assert comparison.result("bleu").baseline.estimate == pytest.approx(expected, abs=1e-9)
    assert comparison.result("bleu").difference.estimate == 0.0
