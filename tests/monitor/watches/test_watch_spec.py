"""Monitor specs: what YAML is accepted, and clear messages for what is not."""

from __future__ import annotations

import pytest

from assay.errors import ConfigError
from assay.monitor import MonitorSpec, load_monitor_spec

GOOD = """
name: income-watch
decision: 2f1c
alpha: 0.01
every_seconds: 600
watches:
  - metric: accuracy
  - metric: accuracy
    slice: sex=Female
    margin: 0.02
  - metric: accuracy
    method: cbpe
    column: probability
slos:
  - name: availability
    objective: 0.999
    errors: http_requests_total{code=~"5.."}
    total: http_requests_total
"""


def test_a_full_spec_loads() -> None:
    spec = load_monitor_spec(GOOD)
    assert isinstance(spec, MonitorSpec)
    assert [w.name for w in spec.watches] == ["accuracy", "accuracy[sex=Female]", "accuracy:cbpe"]
    assert spec.slos[0].objective == 0.999


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed", "not valid YAML"),
        ("- a list", "must be a YAML mapping"),
        ("name: x\ndecision: d\n", "at least one watch or SLO"),
        ("name: x\ndecision: d\nalpha: 1.5\nwatches: [{metric: a}]\n", "alpha"),
        ("name: ../x\ndecision: d\nwatches: [{metric: a}]\n", "name must be"),
        ("name: x\ndecision: d\nwatches: [{metric: a}, {metric: a}]\n", "watch names repeat"),
        ("name: x\ndecision: d\nwatches: [{metric: a, slice: sex}]\n", "attribute=value"),
        ("name: x\ndecision: d\nwatches: [{metric: a, margin: -1}]\n", "margin"),
        ("name: x\ndecision: d\nwatches: [{metric: a, bounds: [1, 0]}]\n", "low < high"),
        ("name: x\ndecision: d\nwatches: [{metric: a, methd: normal}]\n", "methd"),
        (
            "name: x\ndecision: d\nslos: [{name: s, objective: 0.99, total: t,"
            " errors: 'e[5m])) or vector(1'}]\n",
            "metric selector",
        ),
        (
            "name: x\ndecision: d\nslos: [{name: s, objective: 1, total: t, errors: e}]\n",
            "objective",
        ),
    ],
)
def test_bad_specs_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_monitor_spec(text, source="m.yaml")
