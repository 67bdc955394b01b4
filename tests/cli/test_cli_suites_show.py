"""`assay suites show` names each metric's declared scorer, with its settings."""

from __future__ import annotations

import assay
from assay.cli import main


def test_suites_show_names_each_metrics_scorer(home, capsys) -> None:  # type: ignore[no-untyped-def]
    data = assay.make_suite(
        "scored",
        [{"example_id": f"e{i}", "input": str(i), "reference": "0"} for i in range(5)],
        metrics=[
            {"name": "solved", "scorer": "exact_match"},
            {"name": "matched", "scorer": "regex", "scorer_params": {"pattern": "answer: (\\w+)"}},
            "rating",
        ],
    )
    assay.register_suite(data)
    assert main(["suites", "show", data.digest[:12]]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("  metric ")}
    assert "scorer exact_match" in lines["solved"]
    assert "scorer regex (pattern='answer: (\\\\w+)')" in lines["matched"]
    assert "no scorer: scores come with the records" in lines["rating"]
