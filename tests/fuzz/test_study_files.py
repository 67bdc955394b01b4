"""Hostile and generated study files: the only outcomes are a plan or one ConfigError naming
the file, never a traceback; through ``assay study register``, a refused file records
nothing."""

from __future__ import annotations

import re

import pytest
import yaml
from fuzz_corpus import policy_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.cli import main
from assay.errors import ConfigError
from assay.governance import StudyPlan, load_study_file

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "\x00", "\x1b", "\u202e", "2027-01-31", "default", "paired_t", "fixed"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
study_fields = st.fixed_dictionaries(
    {},
    optional={name: values for name in StudyPlan.model_fields}
    | {"sample_size": values | st.just({"method": "paired_t", "sd_of_differences": 0.3})},
)

HOSTILE = [
    *policy_texts(),
    ("huge-hypothesis", "name: s\nhypothesis: " + "x" * 300_000 + "\n"),
    ("deep-plan", "name: s\nexperiment: " + "{a: " * 20 + "1" + "}" * 20 + "\n"),
    ("control-character", "name: s\x1b[2J\n"),
    ("binary", "\x00\x01\x02"),
    ("bidi-name", "name: \u202es\n"),
    ("nan-effect", "name: s\nminimum_effect: .nan\n"),
]


@pytest.mark.parametrize(("name", "text"), HOSTILE, ids=[n for n, _ in HOSTILE])
def test_hostile_study_files_are_one_config_error(tmp_path, name, text):
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    with pytest.raises(ConfigError) as err:
        load_study_file(path)
    assert str(path) in str(err.value) and len(str(err.value)) < 1_000


PYDANTIC_WORDS = re.compile(r"Input should|validation error|pydantic|Value error|type=")
LOCATED = re.compile(r"^generated\.yaml, line \d+, column \d+: ")


@FAST
@given(study_fields)
def test_any_study_mapping_reads_or_is_refused(spec):
    raw = yaml.safe_dump(spec, allow_unicode=True).encode("utf-8", "surrogatepass")
    try:
        plan = load_study_file(raw, name="generated.yaml")
    except ConfigError as exc:
        said = str(exc)
        assert said.startswith("generated.yaml") and len(said) < 1_000
        # one clear error in the study file's words, at a line and column of the file
        assert not PYDANTIC_WORDS.search(said), said
        assert LOCATED.match(said) or said.endswith("a YAML mapping of its fields."), said
    else:
        assert plan.primary_metric and plan.decision_rule and plan.kill_criteria


# a valid file with one field replaced by a hostile value: the error names that field, where
# it is in the file
GOOD = {
    "name": "s1",
    "hypothesis": "better",
    "owner": "Ana",
    "deadline": "2099-01-31",
    "suites": ["adult"],
    "primary_metric": "accuracy",
    "minimum_effect": 0.01,
    "decision_rule": "default",
    "sample_size": {"method": "mcnemar", "discordance": 0.08},
    "stopping_rule": {"kind": "fixed"},
    "kill_criteria": ["none"],
}


@FAST
@given(st.sampled_from(sorted(GOOD)), values)
def test_one_hostile_field_is_named_at_its_line(field, value):
    spec = {**GOOD, field: value}
    raw = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    try:
        load_study_file(raw.encode("utf-8", "surrogatepass"), name="generated.yaml")
    except ConfigError as exc:
        said = str(exc)
        assert not PYDANTIC_WORDS.search(said), said
        located = LOCATED.match(said)
        assert located, said
        line = int(said.split("line ")[1].split(",")[0])
        starts = [i + 1 for i, text in enumerate(raw.splitlines()) if text.startswith(f"{field}:")]
        # the error points into the bad field (its key's line or a line of its value), or at
        # the whole file for a check across fields (a fixed rule with looks, say)
        assert line >= starts[0] or line == 1, (said, raw)


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_as_a_study_file_read_or_are_refused(raw):
    try:
        load_study_file(raw, name="bytes.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("bytes.yaml")


def test_the_command_refuses_a_hostile_file_and_records_nothing(home, tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(dict(policy_texts())["bomb"], encoding="utf-8")
    assert main(["study", "register", str(path)]) == 4  # ConfigError
    assert "bomb.yaml" in capsys.readouterr().err
    assert main(["studies", "--json"]) == 0
    assert '"items": []' in capsys.readouterr().out
