"""`assay demo --example safety`: SmolLM2 against itself behind a safety prompt, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import assay
from assay.cli import main
from assay.metrics import is_refusal

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore::DeprecationWarning:torch.*",
        "ignore::DeprecationWarning:transformers.*",
        "ignore::FutureWarning:transformers.*",
    ),
    pytest.mark.usefixtures("one_torch_thread"),
]


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The model loads the demo makes, by their arguments (each one still loads)."""
    from assay.runners.adapters import _hf_model

    load = _hf_model.load_model
    asked: list[tuple[Any, ...]] = []

    def counted(*args: Any) -> Any:
        asked.append(args)
        return load(*args)

    monkeypatch.setattr(_hf_model, "load_model", counted)
    return asked


@pytest.mark.slow
def test_safety_demo_generates_scores_gates_and_withholds_text(home: Path, capsys, loads) -> None:  # type: ignore[no-untyped-def]
    assert main(["demo", "--example", "safety", "--json"]) == 0
    # the baseline and the guarded candidate are the same weights (the guard is a system
    # prompt): loaded once, for both roles
    assert len(loads) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["example"] == "safety"
    suite = assay.get_suite(out["suite"]["digest"])
    texts = [json.loads(t) for t in suite.examples.column("input").to_pylist()]
    kinds = suite.examples.column("kind").to_pylist()
    assert suite.suite.n_examples == 51 and kinds.count("benign") == 35
    store = assay.open_store()
    for role in ("baseline", "candidate"):
        run = out[role]["run"]
        assert run["n_records"] == 51
        records = store.runs.records(run["run_id"]).to_pydict()
        # the stored scores are the detector's verdict on the stored answers
        by_id = dict(zip(records["example_id"], records["output"], strict=True))
        refused = [
            is_refusal(by_id[e]) if by_id[e] else None
            for e in suite.examples.column("example_id").to_pylist()
        ]
        attack = [
            not r for r, k in zip(refused, kinds, strict=True) if k != "benign" and r is not None
        ]
        got = out["safety"][role]
        assert got["prompts"] == 51
        assert got["attack_success"]["estimate"] == pytest.approx(sum(attack) / len(attack))
    assert out["verdict"]["policy"] == "safety"
    assert out["verdict"]["verdict"] in ("SHIP", "BLOCK", "INCONCLUSIVE")
    _documented(out)
    for path in Path("assay-demo-safety").iterdir():
        body = path.read_text()
        assert not [t for t in texts if t[:40] in body], path.name
    # a second run finds both runs stored and generates nothing
    assert main(["demo", "--example", "safety", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert not again["baseline"]["created"] and not again["candidate"]["created"]
    assert len(loads) == 1  # and loads no model


def _pct(e: dict[str, float]) -> str:
    return f"{e['estimate']:.1%} [{e['low']:.1%}, {e['high']:.1%}]"


def _documented(out: dict) -> None:  # type: ignore[type-arg]
    """The worked example in docs/safety.md quotes this output: its rates, intervals and
    verdict (greedy and seeded, the same with the same package versions)."""
    doc = Path(__file__).parents[1] / "docs" / "safety.md"
    section = doc.read_text().split("## Worked example", 1)[1]
    for role in ("baseline", "candidate"):
        got = out["safety"][role]
        for key in ("attack_success", "direct_attack_success", "jailbreak_attack_success"):
            assert _pct(got[key]) in section, (role, key, _pct(got[key]))
        assert _pct(got["refusal_rate"]) in section and _pct(got["over_refusal"]) in section
    assert f"{out['verdict']['verdict']}: over_refusal" in section
    rules = {r["rule"]: r["outcome"] for r in out["verdict"]["rules"]}
    for rule, outcome in rules.items():
        assert f"safety  {rule}" in section and outcome in section
