"""The public names of ``assay``: a change to them is a deliberate act."""

import assay


def test_public_names_are_pinned():
    assert sorted(assay.__all__) == sorted(
        [
            "DemoResult",
            "LoggedRun",
            "Store",
            "SuiteData",
            "__version__",
            "as_adapter",
            "diff_runs",
            "evaluate",
            "get_run",
            "get_suite",
            "ingest",
            "list_runs",
            "load_suite",
            "log_run",
            "make_suite",
            "open_store",
            "parse_metric_filter",
            "register_suite",
            "run_demo",
            "upgrade_database",
        ]
    )
    for name in assay.__all__:
        assert getattr(assay, name) is not None
