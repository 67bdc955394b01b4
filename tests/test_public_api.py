"""The public names of ``assay``: a change to them is a deliberate act."""

import assay

PUBLIC = [
    "DecisionRecord",
    "DemoResult",
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
    "diff_runs",
    "early_stop_plan",
    "evaluate",
    "gate",
    "get_run",
    "get_suite",
    "import_log",
    "ingest",
    "list_runs",
    "load_suite",
    "log_run",
    "make_suite",
    "open_store",
    "parse_metric_filter",
    "register_suite",
    "reproduce",
    "resolve_policy",
    "run_demo",
    "run_sentiment_demo",
    "upgrade_database",
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
