"""Which module of :mod:`assay.workflows` defines each name the package exports.

The package loads a name from its module on first use (the CLI starts without the
statistics engine); :mod:`assay.workflows._typed` imports the same names for type checkers.
"""

from __future__ import annotations

__all__ = ["EXPORTS", "PLAIN"]

_BY_MODULE: dict[str, tuple[str, ...]] = {
    "_analysis_find": ("find_analysis", "recent_analyses"),
    "_analyze": ("Analysis", "analyze_run", "run_analyses"),
    "_annotate": ("TaggedRun", "note_run", "tag_run"),
    "_api": (
        "LoggedRun",
        "diff_runs",
        "get_run",
        "get_suite",
        "list_runs",
        "list_suites",
        "parse_metric_filter",
        "register_suite",
        "run_ref",
        "sample_summaries",
    ),
    "_capture": ("capture_code_version", "capture_manifest"),
    "_card": ("CardResult", "model_card"),
    "_card_verify": ("CardState", "card_state", "verify_card"),
    "_compare_stored": ("compare_stored", "gate_stored"),
    "_contamination": ("suite_contamination",),
    "_contamination_store": ("contamination_json", "latest_contamination"),
    "_coverage": ("scenario_coverage",),
    "_datasheet": ("DatasheetResult", "suite_datasheet"),
    "_decide": ("DecisionRecord", "decide"),
    "_decision_entry": ("assemble_decision",),
    "_decision_records": (
        "DecisionDetails",
        "approve",
        "get_decision",
        "list_decisions",
        "verify_ledger",
    ),
    "_early_stop_plan": ("early_stop_plan",),
    "_evaluate": ("as_adapter", "evaluate"),
    "_evidence": ("export_evidence",),
    "_experiments": ("ExperimentReadout", "plan_rollout", "read_out_experiment"),
    "_experiments_store": (
        "StoredExperiment",
        "experiment_history",
        "experiment_plan",
        "get_experiment",
        "list_experiments",
        "record_experiment",
        "record_experiment_plan",
        "record_readout",
    ),
    "_export": ("ExportedRun", "export_run"),
    "_gate": ("GateResult", "compare_runs", "gate", "gate_runs", "resolve_policy", "write_reports"),
    "_import_log": ("import_log",),
    "_judges": ("JUDGE_KINDS", "JudgeReproduction", "fit_judge", "load_judge", "reproduce_judge"),
    "_keys": ("GeneratedKey", "generate_key"),
    "_kpis": ("team_kpis",),
    "_launch": ("check_launch", "sign_launch"),
    "_ledger_entries": ("check_entry_signature", "entry_signature_check", "record_entry"),
    "_ledger_file": ("LedgerExport", "export_ledger", "verify_ledger_file"),
    "_load": ("LoadReport", "load_run"),
    "_load_capacity": ("load_capacity",),
    "_load_compare": ("LoadComparison", "compare_interleaved", "load_compare"),
    "_load_import": ("load_import",),
    "_load_prompts": ("load_prompts",),
    "_load_sweep": ("LoadSweep", "load_sweep"),
    "_log_run": ("ingest", "log_run"),
    "_mlflow_export": ("MlflowExport", "export_to_mlflow"),
    "_mlflow_import": ("import_from_mlflow",),
    "_mlflow_summary": ("MlflowSummary", "mlflow_summary"),
    "_monitor_drift": ("StoredProfile", "monitor_drift", "monitor_profile"),
    "_monitor_history": ("monitor_history", "monitor_report", "write_monitor_report"),
    "_monitor_metrics": ("METRICS_CONTENT_TYPE", "metrics_server", "render_metrics"),
    "_monitor_profiles": ("load_profile", "profile_run", "save_profile", "stored_profiles"),
    "_monitor_watch": ("monitor_status", "record_window", "register_monitor"),
    "_reproduce": ("Reproduction", "reproduce"),
    "_robustness": (
        "FairnessReport",
        "RobustnessReport",
        "fairness",
        "perturb_stored_suite",
        "robustness",
    ),
    "_run_listing": ("list_runs_json",),
    "_run_stored": ("diff_stored_runs", "get_stored_run"),
    "_safety": ("RunSafety", "build_redteam_suite", "run_safety"),
    "_safety_judged": ("JudgedSafety", "judged_safety_rate"),
    "_signing": ("sign_payload", "unsigned"),
    "_sql": ("sql",),
    "_sql_views": ("SQL_VIEWS",),
    "_store": ("default_store",),
    "_study": ("LoadedStudy", "load_study", "register_study"),
    "_study_events": ("attach_to_study", "kill_study"),
    "_study_decide": ("flag_study_deviations",),
    "_study_roadmap": ("write_roadmap",),
    "_study_status": ("StudyStatus", "list_studies", "study_status"),
    "_suite_check": ("suite_check",),
    "_suite_check_store": ("stored_suite_check",),
    "_taxonomy": ("TaxonomyResult", "run_taxonomy"),
    "_unsafe": ("WITHHELD", "WITHHELD_COLUMNS", "WITHHELD_NOTE", "withhold_record_text"),
}

EXPORTS: dict[str, str] = {name: module for module, names in _BY_MODULE.items() for name in names}
"""Each exported name and the module (under ``assay.workflows``) that defines it."""

PLAIN = frozenset({"list_runs_json"})
"""Names returning plain data, loaded without the typed models (a listing's short start-up)."""
