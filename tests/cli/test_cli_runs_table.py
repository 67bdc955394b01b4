"""`assay runs list` on a terminal: one line per run at 80 columns, cut short, never folded."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

import assay
import assay.workflows
from assay.cli._runs_table import runs_table
from assay.testing import synthetic_records, synthetic_suite


def _listed() -> list[dict[str, Any]]:
    """The stored runs as the listing shows them."""
    return assay.workflows.list_runs_json()


def _render(table: object, width: int) -> list[str]:
    out = io.StringIO()
    Console(width=width, file=out, color_system=None).print(table)
    return out.getvalue().splitlines()


@pytest.mark.parametrize("metrics", [("accuracy",), ("accuracy", "score", "f1")])
def test_one_line_per_run_at_80_columns(home, metrics: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    data = synthetic_suite(60, metrics=metrics, name="customer-support-questions-long-name")
    for version in (1, 2):
        assay.log_run(
            synthetic_records(data, seed=version),
            suite=data,
            model=f"support-bot@{version}",
            tags={"stage": "candidate-release", "owner": "quality-team"},
        )
    runs = _listed()
    lines = _render(runs_table(runs, width=80, when="%m-%d %H:%M"), 80)
    for r in runs:
        (line,) = [x for x in lines if r["run_id"][:12] in x]  # the id whole, on one line
        assert f"support-bot@{r['model']['version']}" in line
    assert len(lines) == 3 + len(runs)  # title, header, rule, one line per run
    assert all(len(x) <= 80 for x in lines)
    assert "customer-support-questions-long-name" not in "".join(lines)  # cut, not folded
    assert "too narrow for intervals" in lines[0] and "(--format plain)" in lines[0]
    wide = _render(runs_table(runs, width=None, when="%m-%d %H:%M"), 400)
    assert "…" not in "".join(wide) and "customer-support-questions-long-name" in "".join(wide)
    assert "[" in "".join(wide)  # intervals where there is room


def test_what_gives_way_is_said_in_the_title(home) -> None:  # type: ignore[no-untyped-def]
    data = synthetic_suite(60, metrics=("accuracy",), name="qa")
    assay.log_run(synthetic_records(data, seed=1), suite=data, model="m@1", tags={"a": "b"})
    runs = _listed()
    roomy = runs_table(runs, width=100, when="%m-%d %H:%M")
    assert str(roomy.title) == "1 run; metrics are estimates with 95% intervals"
    lines = _render(roomy, 100)
    assert "[" in lines[-1] and "qa" in lines[-1] and "a=b" in lines[-1]
    # at 80 columns the tags give way first: the interval stays
    at_80 = runs_table(runs, width=80, when="%m-%d %H:%M")
    assert str(at_80.title) == "1 run; too narrow for tags (--format plain)"
    assert "[" in _render(at_80, 80)[-1]
    many = synthetic_suite(60, metrics=("accuracy", "score", "f1", "recall"), name="qa")
    assay.log_run(synthetic_records(many, seed=1), suite=many, model="m@2")
    narrow = runs_table(_listed(), width=60, when="%m-%d %H:%M")
    assert "too narrow for intervals, suite, tags," in str(narrow.title)
    assert all(len(x) <= 60 for x in _render(narrow, 60))
