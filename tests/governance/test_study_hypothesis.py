"""A decision on a study says whether the study's hypothesis holds, apart from the policy's
verdict: a candidate non-inferior at the default's −1-point margin ships, yet a study that
registered "+1 point more accurate" reads "hypothesis not supported" and flags its policy as
weaker than its registered effect. The server recomputes the outcome and refuses a decision
that claims a support its evidence does not give."""

from __future__ import annotations

from pathlib import Path

import pytest
from adult_runs import adult_subset, log_adult_run, write_study

import assay
from assay._util import format_number
from assay.core import Comparison, MetricComparison, RuleOutcome, VerdictResult
from assay.errors import AssayError
from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import running_server
from assay.workflows import decide, flag_study_deviations, gate_runs, register_study, study_status

EFFECT = "the study registered +1.0 point as the effect that matters"


def _primary(comparison: Comparison) -> MetricComparison:
    (result,) = [
        r for r in comparison.results if r.metric == "accuracy" and r.slice_attribute is None
    ]
    return result


def _hypothesis(verdict: VerdictResult) -> RuleOutcome:
    (rule,) = [r for r in verdict.rules if r.rule == "study_hypothesis"]
    return rule


def test_a_worse_non_inferior_candidate_ships_but_its_hypothesis_is_not_supported(
    study_store: Store, tmp_path: Path
):
    assay.register_suite(adult_subset(), store=study_store)
    register_study(write_study(tmp_path), store=study_store)
    baseline = log_adult_run(study_store, "income-logreg@1")
    candidate = log_adult_run(study_store, "income-logreg-noisy@2", flip=0.005, seed=2)
    rec = decide(
        baseline, candidate, study="adult-retrain", output=tmp_path / "out", store=study_store
    )
    assert rec.verdict.verdict.value == "SHIP"  # within the −1-point non-inferiority margin
    result = _primary(rec.comparison)
    assert result.difference.high < 0.01 and result.difference.low > -0.01
    told = _hypothesis(rec.verdict)
    assert (told.outcome, told.blocking, told.kind) == ("fail", False, "hypothesis")
    low, high = (
        format_number(100 * v, 1, signed=True)
        for v in (result.difference.low, result.difference.high)
    )
    assert "not supported: accuracy improved by" in told.reason
    assert f"[{low}, {high}] ({result.difference.method}, 95% confidence)" in told.reason
    assert EFFECT in told.reason
    assert rec.verdict.summary.endswith("(sample size, weak policy). Hypothesis not supported.")
    weak = [r for r in rec.verdict.rules if r.rule == "study_deviation_weak_policy"]
    assert weak and "policy 'default' ships on non-inferiority at −1.0 point; " + EFFECT in (
        weak[0].reason
    )
    memo = " ".join((tmp_path / "out" / "memo.md").read_text(encoding="utf-8").split())
    assert "Reported-only rules that failed (watch them)" in memo  # the recommendation says it
    assert "not supported: accuracy improved by" in memo
    status = study_status("adult-retrain", store=study_store)
    assert status.hypothesis_result is not None
    assert status.hypothesis_result["outcome"] == "not supported"
    assert [d.kind for d in status.deviations if d.decision] == ["weak_policy"]


@pytest.mark.parametrize(
    ("flip", "seed", "outcome", "words"),
    [(0.1, 1, "pass", "supported"), (0.02, 3, "inconclusive", "not settled")],
)
def test_a_clearly_better_candidate_supports_it_and_an_in_between_one_does_not_settle_it(
    study_store: Store, tmp_path: Path, flip: float, seed: int, outcome: str, words: str
):
    assay.register_suite(adult_subset(), store=study_store)
    register_study(write_study(tmp_path), store=study_store)
    noisy = log_adult_run(study_store, "income-logreg-noisy@1", flip=flip, seed=seed)
    clean = log_adult_run(study_store, "income-logreg@2")
    gated = gate_runs(noisy, clean, store=study_store)  # the clean model is the candidate
    policy = (gated.policy.name, gated.policy.digest)
    flagged = flag_study_deviations(
        gated.verdict, gated.comparison, policy, study="adult-retrain", store=study_store
    )
    told = _hypothesis(flagged)
    difference = _primary(gated.comparison).difference
    # the outcome is the interval's place against the minimum effect, read independently
    low, high = difference.low, difference.high
    expected = "pass" if low > 0.01 else "fail" if high < 0.01 else "inconclusive"
    assert told.outcome == outcome == expected
    assert flagged.summary.endswith(f"Hypothesis {words}.")
    assert f"hypothesis of study 'adult-retrain' {words}: accuracy improved by" in told.reason


def test_the_server_accepts_an_honest_outcome_and_refuses_a_false_support(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from assay.testing._gated import gated_decision

    monkeypatch.chdir(tmp_path)
    with open_store(
        f"sqlite:///{tmp_path / 'server.db'}", artifacts=str(tmp_path / "files")
    ) as backend:
        with running_server(create_app(backend, ServerSettings())) as url:
            remote = open_store(url)
            assay.register_suite(adult_subset(), store=remote)
            register_study(write_study(tmp_path), store=remote)
            baseline = log_adult_run(remote, "income-logreg@1")
            candidate = log_adult_run(remote, "income-logreg-noisy@2", flip=0.005, seed=2)
            gated = gate_runs(baseline, candidate, store=remote)
            policy = (gated.policy.name, gated.policy.digest)
            honest = flag_study_deviations(
                gated.verdict, gated.comparison, policy, study="adult-retrain", store=remote
            )
            assert honest.summary.endswith("Hypothesis not supported.")
            supported = [
                r.model_copy(update={"outcome": "pass"}) if r.rule == "study_hypothesis" else r
                for r in honest.rules
            ]
            claimed = honest.summary.replace("not supported.", "supported.")
            lies = [
                honest.model_copy(update={"rules": supported, "summary": claimed}),
                honest.model_copy(update={"summary": claimed}),  # the words alone
                honest.model_copy(  # the hypothesis outcome left out
                    update={"rules": [r for r in honest.rules if r.kind != "hypothesis"]}
                ),
            ]
            for i, lie in enumerate(lies):
                forged = gated_decision(
                    remote, baseline, candidate, decision_id=f"lie{i}", verdict=lie
                )
                with pytest.raises(AssayError, match="not stored"):
                    remote.decisions.put(forged)
            kept = gated_decision(remote, baseline, candidate, decision_id="honest", verdict=honest)
            remote.decisions.put(kept)
            assert remote.decisions.get("honest").summary == honest.summary
        assert [d.decision_id for d in backend.decisions.list()] == ["honest"]
