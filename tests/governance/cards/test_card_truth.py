"""Every number on a model card equals the store's, recomputed here independently."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

import assay
from assay.core import Comparison
from assay.workflows import model_card

pytestmark = pytest.mark.filterwarnings("ignore::assay.errors.SmallSliceWarning")


def _interval(scores: np.ndarray, method: str) -> tuple[float, float]:
    """The interval the card names, computed with scipy or statsmodels."""
    n, mean = len(scores), float(scores.mean())
    if method.startswith("wilson"):
        low, high = proportion_confint(int(scores.sum()), n, alpha=0.05, method="wilson")
        return float(low), float(high)
    assert method.startswith("t"), method
    half = stats.t.ppf(0.975, n - 1) * scores.std(ddof=1) / math.sqrt(n)
    return max(mean - half, 0.0), min(mean + half, 1.0)


def test_card_numbers_equal_the_store(adult_store: assay.Store):
    card = json.loads(model_card("income-rule@2.0", format="json", store=adult_store).text)
    runs = assay.list_runs(model="income-rule@2.0", store=adult_store)
    assert [r["run_id"] for r in card["runs"]] == [r.run_id for r in runs]
    (run,) = runs
    frame = adult_store.runs.records(run.run_id).to_pandas()
    (shown,) = card["runs"]
    assert shown["n_records"] == len(frame) == 300
    checked = 0
    for m in shown["metrics"]:
        if m["slice_attribute"] is None:
            part = frame
            stored = run.metrics[m["metric"]]
            assert (m["estimate"], m["low"], m["high"], m["method"]) == (
                stored.estimate,
                stored.low,
                stored.high,
                stored.method,
            )
        else:
            part = frame[frame[m["slice_attribute"]].astype(str) == m["slice_value"]]
        scores = part[m["metric"]].to_numpy(dtype=float)
        assert m["n"] == len(scores)
        assert m["estimate"] == pytest.approx(scores.mean(), abs=1e-12)
        low, high = _interval(scores, m["method"])
        assert (m["low"], m["high"]) == pytest.approx((low, high), abs=1e-9), m
        checked += 1
    # overall plus every value of every slice attribute
    values = sum(frame[s].nunique() for s in ("sex", "race", "age_band", "education_level"))
    assert checked == 1 + values
    # the decision's differences are the stored comparison's
    (decision,) = assay.list_decisions(store=adult_store)
    (shown_decision,) = card["decisions"]
    assert shown_decision["verdict"] == decision.verdict.value
    comparison = Comparison.model_validate_json(
        adult_store.artifacts.get(decision.artifacts["comparison"])
    )
    assert len(shown_decision["differences"]) == len(comparison.results)
    for x, r in zip(shown_decision["differences"], comparison.results, strict=True):
        assert (x["metric"], x["slice_value"]) == (r.metric, r.slice_value)
        assert (x["estimate"], x["low"], x["high"]) == (
            r.difference.estimate,
            r.difference.low,
            r.difference.high,
        )
    # the card's evidence digests are the ledger's own for these runs
    ledger = adult_store.decisions.evidence(run.run_id, run.run_id, runs=adult_store.runs)
    assert card["evidence"][f"run:{run.run_id}:records"] == ledger["baseline_records"]
    entries = adult_store.decisions.entries(subject=decision.decision_id)
    assert card["evidence"][f"decision:{decision.decision_id}"] == entries[-1].entry_hash
    assert card["human"][0] == {
        "key": "intended_use",
        "title": "Intended use",
        "text": "",
        "written_by": "person",
    }


def test_baseline_card_shows_differences_from_its_side(adult_store: assay.Store):
    card = json.loads(model_card("income-rule@1.0", format="json", store=adult_store).text)
    (decision,) = assay.list_decisions(store=adult_store)
    comparison = Comparison.model_validate_json(
        adult_store.artifacts.get(decision.artifacts["comparison"])
    )
    (shown,) = card["decisions"]
    assert shown["role"] == "baseline" and shown["other"] == "income-rule@2.0"
    first, overall = shown["differences"][0], comparison.results[0]
    assert first["estimate"] == -overall.difference.estimate
    assert (first["low"], first["high"]) == (-overall.difference.high, -overall.difference.low)


def test_hugging_face_card_loads_with_huggingface_hub(adult_store: assay.Store, tmp_path: Path):
    from huggingface_hub import ModelCard

    out = tmp_path / "README.md"
    result = model_card("income-rule@2.0", format="hf", out=out, store=adult_store)
    loaded = ModelCard.load(out)
    data = loaded.data
    assert data.model_name == "income-rule@2.0"
    results = data.eval_results
    expected = [m for r in result.card.runs for m in r.metrics]
    assert len(results) == len(expected)
    for got, want in zip(results, expected, strict=True):
        assert got.metric_type == want.metric
        assert got.metric_value == want.estimate
        assert got.metric_args == {
            "low": want.low,
            "high": want.high,
            "confidence": want.confidence,
            "method": want.method,
            "n": want.n,
            "run": result.card.runs[0].run_id,
        }
        label = (
            None if want.slice_attribute is None else (f"{want.slice_attribute}={want.slice_value}")
        )
        assert got.dataset_config == label
        assert got.dataset_revision == result.card.runs[0].suite_digest
    # the body is the Markdown card
    assert "## Intended use (written by a person)" in loaded.text
