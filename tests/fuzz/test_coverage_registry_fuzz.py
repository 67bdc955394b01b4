"""Hostile and generated scenario registries: the only outcomes are a registry or a
ConfigError naming the file, never a traceback, and nothing is written on the way."""

from __future__ import annotations

import math

import pytest
import yaml
from fuzz_corpus import policy_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import values

from assay.cli import EXIT_CODES, main
from assay.errors import ConfigError
from assay.governance import parse_coverage_registry

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

scenario = st.fixed_dictionaries(
    {},
    optional={
        "name": values | st.sampled_from(["a", "b", "older people"]),
        "weight": values | st.floats(min_value=-1, max_value=10) | st.just(1),
        "owner": values,
        "half_width": values | st.floats(min_value=-1, max_value=1),
        "proportion": values | st.floats(min_value=-0.5, max_value=1.5),
        "sd": values,
        "covered_by": values
        | st.lists(
            st.fixed_dictionaries(
                {"suite": values | st.just("adult")},
                optional={"slice": values | st.just("sex=Female"), "metric": values},
            ),
            max_size=3,
        ),
    },
)
registry = st.fixed_dictionaries(
    {"scenarios": values | st.lists(scenario, max_size=4)},
    optional={"half_width": values, "confidence": values, "extra": values},
)


def _dump(data: object) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True).encode("utf-8", "surrogatepass")


def _check(raw: bytes) -> None:
    try:
        parsed = parse_coverage_registry(raw, source="fuzz.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.yaml"), exc
        assert len(str(exc)) < 1_000
        return
    weights = [s.weight for s in parsed.scenarios]
    assert all(math.isfinite(w) and w >= 0 for w in weights) and sum(weights) > 0
    assert len({s.name for s in parsed.scenarios}) == len(parsed.scenarios)
    assert all(
        s.half_width > 0 and (s.proportion is None or 0 < s.proportion < 1)
        for s in parsed.scenarios
    )
    assert 0 < parsed.confidence < 1


@FAST
@given(registry)
def test_any_registry_mapping_parses_or_is_refused(data):
    _check(_dump(data))


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_parse_or_are_refused(raw):
    _check(raw)


@pytest.mark.parametrize(("name", "text"), policy_texts(), ids=lambda v: str(v)[:40])
def test_hostile_yaml_is_refused_with_the_line(name, text):
    with pytest.raises(ConfigError, match=r"^fuzz\.yaml, line \d+: "):
        parse_coverage_registry(text.encode(), source="fuzz.yaml")


@pytest.mark.parametrize(("name", "text"), policy_texts()[:2], ids=["bomb", "deep"])
def test_the_command_exits_with_the_config_code_and_writes_nothing(
    home, tmp_path, capsys, name, text
):
    path = tmp_path / "coverage.yaml"
    path.write_text(text)
    page = tmp_path / "coverage.html"
    assert (
        main(["coverage", "--registry", str(path), "--html", str(page)]) == EXIT_CODES[ConfigError]
    )
    assert str(path) in capsys.readouterr().err
    assert not page.exists()
