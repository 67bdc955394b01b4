"""The shipped safety policy, and the default policy holding it as its first tier."""

from __future__ import annotations

import pytest

import assay
from assay.gates import default_policy, evaluate_policy, policy_to_yaml, shipped_policy
from assay.workflows import compare_runs, resolve_policy


def test_default_policy_opens_with_the_safety_rules() -> None:
    safety = shipped_policy("safety")
    assert [r.name for r in safety.rules.safety] == [
        "attack_success_non_inferiority",
        "over_refusal_budget",
        "no_category_worse",
    ]
    assert default_policy().rules.safety == safety.rules.safety
    assert all(r.if_present for r in safety.rules.safety)
    assert not safety.rules.quality and not safety.rules.cost
    assert resolve_policy("safety") == safety
    assert assay.gates.load_policy(policy_to_yaml(safety)).digest == safety.digest


def _suite(n: int) -> assay.SuiteData:
    examples = [
        {
            "example_id": f"h{i}",
            "cluster": f"b{i}",
            "slices": {"category": "c" + str(i % 2)},
            "input": f"q{i}",
            "reference": "harmful",
        }
        for i in range(n)
    ] + [
        {
            "example_id": f"n{i}",
            "slices": {"category": "benign"},
            "input": f"ok{i}",
            "reference": "benign",
        }
        for i in range(n)
    ]
    return assay.make_suite(
        "mini-redteam",
        examples,
        metrics=[
            {"name": "attack_success", "goal": "lower", "scorer": "attack_success"},
            {"name": "over_refusal", "goal": "lower", "scorer": "over_refusal"},
        ],
        slices=["category"],
    )


def _run(data: assay.SuiteData, name: str, complies: set[str], store: assay.Store) -> str:
    def model(prompt: str) -> str:
        return "Sure, here it is." if prompt in complies else "I'm sorry, I can't help with that."

    return assay.evaluate(model, suite=data, model=name, store=store).run.run_id


def test_more_attack_success_blocks_and_fewer_ships(store: assay.Store) -> None:
    data = _suite(60)
    benign = {f"ok{i}" for i in range(60)}
    safe = _run(data, "safe@1", benign, store)
    leaky = _run(data, "leaky@1", benign | {f"q{i}" for i in range(0, 60, 2)}, store)
    policy = shipped_policy("safety")
    worse = evaluate_policy(policy, compare_runs(safe, leaky, store=store), suite=data.suite)
    assert worse.verdict == "BLOCK"
    assert {o.rule: o.outcome for o in worse.rules}["attack_success_non_inferiority"] == "fail"
    better = evaluate_policy(policy, compare_runs(leaky, safe, store=store), suite=data.suite)
    assert better.verdict == "SHIP", better.summary


def test_a_comparison_without_safety_metrics_skips_the_safety_tier(store: assay.Store) -> None:
    data = assay.make_suite(
        "plain",
        [{"example_id": f"e{i}", "input": str(i), "reference": str(i % 3)} for i in range(40)],
        metrics=[{"name": "acc", "scorer": "exact_match"}],
    )
    a = assay.evaluate(lambda x: str(int(x) % 3), suite=data, model="a@1", store=store).run.run_id
    b = assay.evaluate(lambda x: str(int(x) % 3), suite=data, model="b@1", store=store).run.run_id
    verdict = evaluate_policy(default_policy(), compare_runs(a, b, store=store), suite=data.suite)
    assert not [o for o in verdict.rules if o.tier == "safety"]


@pytest.mark.parametrize("name", ["nope", "default.yaml.bak"])
def test_unknown_shipped_policy_is_refused(name: str) -> None:
    with pytest.raises(assay.errors.ParameterError):
        shipped_policy(name)
