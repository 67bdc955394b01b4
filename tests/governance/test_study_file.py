"""The study file: every field checked, clear errors with file, line and column, nothing
recorded for a bad file; the sample size against statsmodels and Connor's closed form."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from adult_runs import STUDY, adult_subset, write_study

import assay
from assay.errors import ConfigError, NotFoundError
from assay.governance import SampleSizePlan, StudyPlan, load_study_file, plan_sample_size
from assay.stats import paired_t_power
from assay.workflows import register_study

GOOD = STUDY.format(
    name="s1", deadline="2099-01-31", policy="default", stated="", stopping="fixed", looks=""
)


def _without(key: str) -> str:
    return "\n".join(line for line in GOOD.splitlines() if not line.startswith(key)) + "\n"


def test_a_good_file_reads_back_as_its_plan():
    plan = load_study_file(GOOD.encode(), name="study.yaml")
    assert plan.name == "s1" and plan.kind == "offline" and plan.suites == ("adult-income",)
    assert plan.primary_metric == "accuracy" and plan.minimum_effect == 0.01
    assert plan.stopping_rule.kind == "fixed" and plan.stopping_rule.max_looks == 1
    assert plan.deadline.isoformat() == "2099-01-31" and len(plan.kill_criteria) == 2


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            _without("primary_metric"),
            r"study\.yaml, line 1, column 1: 'primary_metric' is missing",
        ),
        (_without("decision_rule"), r"'decision_rule' is missing"),
        (
            GOOD + "primary_metirc: accuracy\n",
            r"line 19, column 1: unknown key 'primary_metirc'",
        ),
        (
            GOOD.replace("  alpha: 0.05", "  alpha: 0.05\n  alhpa: 1"),
            "unknown key 'sample_size.alhpa'",
        ),
        (
            GOOD.replace("minimum_effect: 0.01", "minimum_effect: -0.01"),
            r"line 7, column 1: 'minimum_effect'",
        ),
        (
            GOOD.replace('"2099-01-31"', "next spring"),
            r"line 4, column 1: 'deadline' must be a date written as \"YYYY-MM-DD\"",
        ),
        (
            GOOD.replace("minimum_effect: 0.01", "minimum_effect: lots"),
            r"study\.yaml, line 7, column 1: 'minimum_effect' must be a number \(found 'lots'\)",
        ),
        (
            GOOD.replace("  power: 0.8", "  power: 80"),
            r"line 13, column 3: 'sample_size.power' must be below 1",
        ),
        (
            GOOD.replace("suites: [adult-income]", "suites: adult-income"),
            r"'suites' must be a list \(in YAML: \[a, b\]",
        ),
        (
            GOOD.replace("kind: fixed", "kind: fixed\n  max_looks: 3"),
            "a fixed stopping rule has one look",
        ),
        (
            GOOD.replace("suites: [adult-income]", "suites: [adult-income]\nexperiment: ab-1"),
            "either suites",
        ),
        (
            GOOD.replace("suites: [adult-income]", "experiment: 5"),
            r"line \d+, column 1: 'experiment' must be text or a mapping of its fields "
            r"\(found 5\)\Z",
        ),
        (GOOD.replace("name: s1", "name: ../etc"), "'name': letters, digits"),
        (GOOD.replace("  discordance: 0.08\n", ""), "method mcnemar needs discordance"),
        ("- a list\n", "a study file is a YAML mapping"),
        ("a: [" * 40 + "]" * 40 + "\n", "nest"),
        ("name: s1\nname: s2\n", "the key 'name' appears twice"),
        ("x: " + "y" * (300 * 1024) + "\n", "larger than 262,144 bytes"),
        ("a: &a [1, 2]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" * 1, "unknown key"),
    ],
    ids=[
        "no-primary-metric",
        "no-decision-rule",
        "misspelt-key",
        "unknown-nested-key",
        "negative-effect",
        "bad-date",
        "effect-not-a-number",
        "power-in-percent",
        "suites-not-a-list",
        "fixed-with-looks",
        "suites-and-experiment",
        "experiment-a-number",
        "bad-name",
        "no-discordance",
        "a-list",
        "too-deep",
        "duplicate-key",
        "too-large",
        "aliases",
    ],
)
def test_bad_files_are_one_clear_error(text: str, match: str):
    with pytest.raises(ConfigError, match=match):
        load_study_file(text.encode(), name="study.yaml")


def test_a_bad_file_records_nothing(store: assay.Store, tmp_path: Path):
    path = tmp_path / "study.yaml"
    path.write_text(_without("primary_metric"), encoding="utf-8")
    with pytest.raises(ConfigError, match="primary_metric"):
        register_study(path, store=store)
    # a suite that is not stored, or a policy that is neither shipped nor a file
    with pytest.raises(NotFoundError, match="register the suite first"):
        register_study(write_study(tmp_path), store=store)
    assay.register_suite(adult_subset(), store=store)
    with pytest.raises(ConfigError, match="neither a shipped policy"):
        register_study(write_study(tmp_path, policy="nowhere"), store=store)
    assert store.decisions.ledger() == []


def _plan(**sample_size: object) -> StudyPlan:
    return load_study_file(GOOD.encode(), name="s").model_copy(
        update={"sample_size": SampleSizePlan.model_validate(sample_size)}
    )


@pytest.mark.parametrize(("effect", "sd"), [(0.01, 0.3), (0.02, 0.25), (0.05, 0.5)])
def test_the_paired_t_sample_size_matches_statsmodels(effect: float, sd: float):
    from statsmodels.stats.power import TTestPower

    plan = _plan(method="paired_t", sd_of_differences=sd).model_copy(
        update={"minimum_effect": effect}
    )
    size = plan_sample_size(plan)
    exact = TTestPower().solve_power(effect_size=effect / sd, alpha=0.05, power=0.8)
    assert size.required == math.ceil(exact)
    assert "paired t test" in size.method and "power 80%" in size.method
    # the power at the stated n, as statsmodels computes it
    stated = _plan(method="paired_t", sd_of_differences=sd, n=size.required - 50)
    stated = stated.model_copy(update={"minimum_effect": effect})
    checked = plan_sample_size(stated)
    reference = TTestPower().power(effect_size=effect / sd, nobs=size.required - 50, alpha=0.05)
    assert checked.power_at_stated == pytest.approx(reference, rel=1e-6)
    assert checked.underpowered and checked.power_at_stated < 0.8


def test_the_mcnemar_sample_size_is_connors_closed_form():
    size = plan_sample_size(_plan(method="mcnemar", discordance=0.08))
    psi, delta = 0.08, 0.01
    z_a, z_b = 1.959963984540054, 0.8416212335729143
    closed = (z_a * math.sqrt(psi) + z_b * math.sqrt(psi - delta**2)) ** 2 / delta**2
    assert size.required == math.ceil(closed)
    assert not size.underpowered and size.planned == size.required
    assert paired_t_power(size.required, 0.01, 0.28) < 1  # the other method is another number


def test_a_decision_rule_is_a_shipped_name_or_a_file_beside_the_study(
    store: assay.Store, tmp_path: Path
):
    assay.register_suite(adult_subset(), store=store)
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "strict.yaml").write_text(
        "name: strict\nrules:\n  quality:\n    - {name: better, metric: accuracy, kind: superiority}\n"
    )
    registration, _ = register_study(
        write_study(tmp_path, "by-file", policy="policies/strict.yaml"), store=store
    )
    assert registration.policy_name == "strict"
    # a name is looked up among the shipped policies only: no path is built from it
    with pytest.raises(ConfigError, match="neither a shipped policy"):
        register_study(write_study(tmp_path, "up", policy="../policies/default"), store=store)
