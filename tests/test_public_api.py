"""The public names of ``assay``: a change to them is a deliberate act."""

import assay

PUBLIC = [
    "DecisionDetails",
    "DecisionRecord",
    "DemoResult",
    "ExperimentReadout",
    "ExportedRun",
    "GateResult",
    "LoggedRun",
    "Reproduction",
    "Store",
    "SuiteData",
    "__version__",
    "approve",
    "as_adapter",
    "calibrate_judge",
    "compare_runs",
    "decide",
    "default_store",
    "diff_runs",
    "early_stop_plan",
    "evaluate",
    "export_evidence",
    "export_run",
    "export_to_mlflow",
    "gate",
    "gate_runs",
    "get_decision",
    "get_run",
    "get_suite",
    "import_from_mlflow",
    "import_log",
    "ingest",
    "list_decisions",
    "list_runs",
    "list_suites",
    "load_suite",
    "log_run",
    "make_suite",
    "note_run",
    "open_store",
    "parse_metric_filter",
    "plan_rollout",
    "read_out_experiment",
    "register_suite",
    "reproduce",
    "resolve_policy",
    "run_demo",
    "run_sentiment_demo",
    "sql",
    "tag_run",
    "upgrade_database",
    "verify_ledger",
    "write_reports",
]


def test_public_names_are_pinned():
    assert sorted(assay.__all__) == PUBLIC
    for name in assay.__all__:
        assert getattr(assay, name) is not None


def test_comparisons_and_verdicts_render_in_notebooks():
    import assay.core

    assay.compare_runs  # noqa: B018 - loading the comparison API attaches the notebook renderers
    assert callable(getattr(assay.core.Comparison, "_repr_html_", None))
    assert callable(getattr(assay.core.VerdictResult, "_repr_html_", None))


_NOTEBOOK = """
import json
import sys

sys.path.insert(0, sys.argv[1])  # the tested source tree, whatever the working folder
import assay.core
import assay.reports

assert "assay.workflows" not in sys.modules, "the renderers must not need the workflows"
given = json.loads(sys.stdin.read())
comparison = assay.core.Comparison.model_validate(given["comparison"])
verdict = assay.core.VerdictResult.model_validate(given["verdict"])
assert comparison._repr_html_() == assay.reports.comparison_html_table(comparison)
assert verdict._repr_html_() == assay.reports.verdict_html_table(verdict)
print("ok")
"""


def test_notebook_tables_need_only_core_and_reports(store):
    """Importing ``assay.reports`` registers the renderers; nothing else has to be loaded."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from assay.testing import synthetic_records, synthetic_suite

    suite = synthetic_suite(200, seed=1)
    runs = [
        assay.log_run(synthetic_records(suite, seed=s), suite=suite, model=f"m@{s}", store=store)
        for s in (1, 2)
    ]
    gated = assay.gate_runs(runs[0].run.run_id, runs[1].run.run_id, store=store)
    given = {
        "comparison": gated.comparison.model_dump(mode="json"),
        "verdict": gated.verdict.model_dump(mode="json"),
    }
    source = str(Path(assay.__file__).resolve().parent.parent)
    done = subprocess.run(
        [sys.executable, "-c", _NOTEBOOK, source],
        input=json.dumps(given),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_without_a_renderer_a_notebook_falls_back_to_the_plain_repr():
    from assay.core import html_for

    assert html_for(object()) is None
