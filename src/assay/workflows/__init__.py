"""The application layer: the functions ``import assay`` exposes.

Every CLI command is one call of a function here, and so will be every server endpoint. The
functions take and return the vocabulary of :mod:`assay.core`, open the default store when
none is passed, and never print.

* the store: :func:`default_store`, what every ``store=None`` means
* runs: :func:`log_run`, :func:`ingest`, :func:`list_runs` (:func:`list_runs_json` for
  listings that only show them), :func:`get_run`, :func:`tag_run`, :func:`note_run`,
  :func:`run_ref`, :func:`diff_runs`, :func:`export_run`, :func:`register_suite`,
  :func:`get_suite`, :func:`list_suites`, :func:`sample_summaries`, :func:`capture_manifest`
* evaluation: :func:`evaluate`, :func:`as_adapter`, :func:`early_stop_plan`,
  :func:`reproduce`, :func:`import_log`
* questions no command anticipated: :func:`sql` (read-only DuckDB over the views of
  :data:`SQL_VIEWS`)
* MLflow: :func:`export_to_mlflow` (a run, comparison or decision to a tracking server,
  :class:`MlflowExport`), :func:`import_from_mlflow` (an MLflow run as a run)
* online experiments: :func:`read_out_experiment` (readout, verdict against the
  pre-registered plan, reports), :func:`plan_rollout`
* monitoring: :func:`monitor_profile`, :func:`monitor_drift`, :func:`save_profile`,
  :func:`load_profile`, :func:`profile_run`, :func:`register_monitor`, :func:`record_window`,
  :func:`monitor_status`, :func:`monitor_history`, :func:`monitor_report`,
  :func:`write_monitor_report`, :func:`stored_profiles`
* studies: :func:`register_study`, :func:`attach_to_study`, :func:`kill_study`,
  :func:`load_study`, :func:`study_status`, :func:`list_studies`,
  :func:`write_roadmap`, :func:`flag_study_deviations`
* decisions: :func:`compare_runs` (:func:`compare_stored` for a store named by URL), :func:`resolve_policy`, :func:`gate`, :func:`gate_runs`,
  :func:`write_reports`, :func:`decide` (:func:`assemble_decision`, the ledger entry it
  records), :func:`approve`, :func:`list_decisions`,
  :func:`get_decision`, :func:`export_evidence`, :func:`verify_ledger`
* analysis: :func:`analyze_run` (slice discovery with false-discovery control and the fix
  list, stored with the run), :func:`run_analyses` (a run's stored analyses),
  :func:`find_analysis` and :func:`recent_analyses` (finding stored ones again)
* safety: :func:`build_redteam_suite` (a seeded red-team suite, stored), :func:`run_safety`
  (a run's attack success, refusal and over-refusal rates, template uplift)
* governance: :func:`scenario_coverage` (a scenario registry against the stored suites),
  :func:`team_kpis` (the team's own KPIs)
* signatures: :func:`sign_payload` (the one place ledger payloads are signed),
  :func:`generate_key`; the ledger kept elsewhere: :func:`export_ledger`,
  :func:`verify_ledger_file`
* serving load tests: :func:`load_run` (:class:`LoadReport`), :func:`load_import`,
  :func:`load_sweep` (:class:`LoadSweep`), :func:`load_compare` (:class:`LoadComparison`,
  :func:`compare_interleaved`), :func:`load_capacity`,
  :func:`load_prompts`
* launch readiness: :func:`check_launch`, :func:`sign_launch`
* judges: :func:`fit_judge` (an embedding judge cross-validated on PyRIT's human labels),
  :func:`load_judge`, :func:`reproduce_judge`
* governance: :func:`model_card`, :func:`verify_card`, :func:`card_state`,
  :func:`suite_datasheet`
* analysis: :func:`suite_contamination` (a suite against training-corpus files),
  :func:`suite_check` (a suite's integrity, stored with it), :func:`stored_suite_check`
  (the newest stored findings), :func:`run_taxonomy` (failures in clusters)

Names load on first use, so the CLI starts without the statistics engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assay.workflows._analysis_find import find_analysis, recent_analyses
    from assay.workflows._analyze import Analysis, analyze_run, run_analyses
    from assay.workflows._annotate import TaggedRun, note_run, tag_run
    from assay.workflows._api import (
        LoggedRun,
        diff_runs,
        get_run,
        get_suite,
        ingest,
        list_runs,
        list_suites,
        log_run,
        parse_metric_filter,
        register_suite,
        run_ref,
        sample_summaries,
    )
    from assay.workflows._capture import capture_code_version, capture_manifest
    from assay.workflows._card import CardResult, model_card
    from assay.workflows._card_verify import CardState, card_state, verify_card
    from assay.workflows._compare_stored import compare_stored
    from assay.workflows._contamination import suite_contamination
    from assay.workflows._contamination_store import contamination_json, latest_contamination
    from assay.workflows._coverage import scenario_coverage
    from assay.workflows._datasheet import DatasheetResult, suite_datasheet
    from assay.workflows._decide import DecisionRecord, decide
    from assay.workflows._decision_entry import assemble_decision
    from assay.workflows._decision_records import (
        DecisionDetails,
        approve,
        get_decision,
        list_decisions,
        verify_ledger,
    )
    from assay.workflows._early_stop_plan import early_stop_plan
    from assay.workflows._evaluate import as_adapter, evaluate
    from assay.workflows._evidence import export_evidence
    from assay.workflows._experiments import ExperimentReadout, plan_rollout, read_out_experiment
    from assay.workflows._experiments_store import (
        StoredExperiment,
        experiment_history,
        experiment_plan,
        get_experiment,
        list_experiments,
        record_experiment,
        record_experiment_plan,
        record_readout,
    )
    from assay.workflows._export import ExportedRun, export_run
    from assay.workflows._gate import (
        GateResult,
        compare_runs,
        gate,
        gate_runs,
        resolve_policy,
        write_reports,
    )
    from assay.workflows._import_log import import_log
    from assay.workflows._judges import (
        JUDGE_KINDS,
        JudgeReproduction,
        fit_judge,
        load_judge,
        reproduce_judge,
    )
    from assay.workflows._keys import GeneratedKey, generate_key
    from assay.workflows._kpis import team_kpis
    from assay.workflows._launch import check_launch, sign_launch
    from assay.workflows._ledger_entries import (
        check_entry_signature,
        entry_signature_check,
        record_entry,
    )
    from assay.workflows._ledger_file import LedgerExport, export_ledger, verify_ledger_file
    from assay.workflows._load import LoadReport, load_run
    from assay.workflows._load_capacity import load_capacity
    from assay.workflows._load_compare import LoadComparison, compare_interleaved, load_compare
    from assay.workflows._load_import import load_import
    from assay.workflows._load_prompts import load_prompts
    from assay.workflows._load_sweep import LoadSweep, load_sweep
    from assay.workflows._mlflow_export import MlflowExport, export_to_mlflow
    from assay.workflows._mlflow_import import import_from_mlflow
    from assay.workflows._monitor_drift import StoredProfile, monitor_drift, monitor_profile
    from assay.workflows._monitor_history import (
        monitor_history,
        monitor_report,
        write_monitor_report,
    )
    from assay.workflows._monitor_metrics import (
        METRICS_CONTENT_TYPE,
        metrics_server,
        render_metrics,
    )
    from assay.workflows._monitor_profiles import (
        load_profile,
        profile_run,
        save_profile,
        stored_profiles,
    )
    from assay.workflows._monitor_watch import (
        monitor_status,
        record_window,
        register_monitor,
    )
    from assay.workflows._reproduce import Reproduction, reproduce
    from assay.workflows._robustness import (
        FairnessReport,
        RobustnessReport,
        fairness,
        perturb_stored_suite,
        robustness,
    )
    from assay.workflows._run_listing import list_runs_json
    from assay.workflows._safety import RunSafety, build_redteam_suite, run_safety
    from assay.workflows._safety_judged import JudgedSafety, judged_safety_rate
    from assay.workflows._signing import sign_payload, unsigned
    from assay.workflows._sql import sql
    from assay.workflows._sql_views import SQL_VIEWS
    from assay.workflows._store import default_store
    from assay.workflows._study import (
        LoadedStudy,
        attach_to_study,
        kill_study,
        load_study,
        register_study,
    )
    from assay.workflows._study_decide import flag_study_deviations
    from assay.workflows._study_roadmap import write_roadmap
    from assay.workflows._study_status import StudyStatus, list_studies, study_status
    from assay.workflows._suite_check import suite_check
    from assay.workflows._suite_check_store import stored_suite_check
    from assay.workflows._taxonomy import TaxonomyResult, run_taxonomy
    from assay.workflows._unsafe import (
        WITHHELD,
        WITHHELD_COLUMNS,
        WITHHELD_NOTE,
        withhold_record_text,
    )

_EXPORTS = {
    "JudgedSafety": "_safety_judged",
    "judged_safety_rate": "_safety_judged",
    "WITHHELD": "_unsafe",
    "WITHHELD_COLUMNS": "_unsafe",
    "WITHHELD_NOTE": "_unsafe",
    "withhold_record_text": "_unsafe",
    "ExportedRun": "_export",
    "export_run": "_export",
    "list_suites": "_api",
    "LoggedRun": "_api",
    "diff_runs": "_api",
    "get_run": "_api",
    "get_suite": "_api",
    "ingest": "_api",
    "list_runs": "_api",
    "list_runs_json": "_run_listing",
    "compare_stored": "_compare_stored",
    "log_run": "_api",
    "parse_metric_filter": "_api",
    "register_suite": "_api",
    "sample_summaries": "_api",
    "run_ref": "_api",
    "TaggedRun": "_annotate",
    "note_run": "_annotate",
    "tag_run": "_annotate",
    "capture_code_version": "_capture",
    "capture_manifest": "_capture",
    "CardResult": "_card",
    "model_card": "_card",
    "CardState": "_card_verify",
    "card_state": "_card_verify",
    "verify_card": "_card_verify",
    "DatasheetResult": "_datasheet",
    "suite_datasheet": "_datasheet",
    "suite_contamination": "_contamination",
    "contamination_json": "_contamination_store",
    "latest_contamination": "_contamination_store",
    "suite_check": "_suite_check",
    "find_analysis": "_analysis_find",
    "recent_analyses": "_analysis_find",
    "stored_suite_check": "_suite_check_store",
    "TaxonomyResult": "_taxonomy",
    "run_taxonomy": "_taxonomy",
    "DecisionDetails": "_decision_records",
    "DecisionRecord": "_decide",
    "GateResult": "_gate",
    "gate_runs": "_gate",
    "get_decision": "_decision_records",
    "list_decisions": "_decision_records",
    "verify_ledger": "_decision_records",
    "approve": "_decision_records",
    "compare_runs": "_gate",
    "decide": "_decide",
    "assemble_decision": "_decision_entry",
    "gate": "_gate",
    "resolve_policy": "_gate",
    "write_reports": "_gate",
    "early_stop_plan": "_early_stop_plan",
    "as_adapter": "_evaluate",
    "evaluate": "_evaluate",
    "export_evidence": "_evidence",
    "import_log": "_import_log",
    "sql": "_sql",
    "SQL_VIEWS": "_sql_views",
    "export_to_mlflow": "_mlflow_export",
    "MlflowExport": "_mlflow_export",
    "import_from_mlflow": "_mlflow_import",
    "StoredProfile": "_monitor_drift",
    "monitor_drift": "_monitor_drift",
    "monitor_profile": "_monitor_drift",
    "load_profile": "_monitor_profiles",
    "profile_run": "_monitor_profiles",
    "save_profile": "_monitor_profiles",
    "stored_profiles": "_monitor_profiles",
    "Reproduction": "_reproduce",
    "reproduce": "_reproduce",
    "default_store": "_store",
    "ExperimentReadout": "_experiments",
    "plan_rollout": "_experiments",
    "read_out_experiment": "_experiments",
    "StoredExperiment": "_experiments_store",
    "experiment_history": "_experiments_store",
    "experiment_plan": "_experiments_store",
    "get_experiment": "_experiments_store",
    "list_experiments": "_experiments_store",
    "record_experiment": "_experiments_store",
    "record_experiment_plan": "_experiments_store",
    "record_readout": "_experiments_store",
    "METRICS_CONTENT_TYPE": "_monitor_metrics",
    "metrics_server": "_monitor_metrics",
    "render_metrics": "_monitor_metrics",
    "monitor_history": "_monitor_history",
    "monitor_report": "_monitor_history",
    "monitor_status": "_monitor_watch",
    "record_window": "_monitor_watch",
    "register_monitor": "_monitor_watch",
    "write_monitor_report": "_monitor_history",
    "scenario_coverage": "_coverage",
    "Analysis": "_analyze",
    "analyze_run": "_analyze",
    "run_analyses": "_analyze",
    "team_kpis": "_kpis",
    "check_launch": "_launch",
    "sign_launch": "_launch",
    "LedgerExport": "_ledger_file",
    "export_ledger": "_ledger_file",
    "JUDGE_KINDS": "_judges",
    "JudgeReproduction": "_judges",
    "fit_judge": "_judges",
    "load_judge": "_judges",
    "reproduce_judge": "_judges",
    "verify_ledger_file": "_ledger_file",
    "GeneratedKey": "_keys",
    "generate_key": "_keys",
    "sign_payload": "_signing",
    "unsigned": "_signing",
    "record_entry": "_ledger_entries",
    "check_entry_signature": "_ledger_entries",
    "entry_signature_check": "_ledger_entries",
    "LoadedStudy": "_study",
    "attach_to_study": "_study",
    "kill_study": "_study",
    "load_study": "_study",
    "register_study": "_study",
    "StudyStatus": "_study_status",
    "list_studies": "_study_status",
    "study_status": "_study_status",
    "write_roadmap": "_study_roadmap",
    "flag_study_deviations": "_study_decide",
    "FairnessReport": "_robustness",
    "RobustnessReport": "_robustness",
    "fairness": "_robustness",
    "perturb_stored_suite": "_robustness",
    "robustness": "_robustness",
    "RunSafety": "_safety",
    "build_redteam_suite": "_safety",
    "run_safety": "_safety",
    "LoadReport": "_load",
    "load_run": "_load",
    "load_import": "_load_import",
    "LoadComparison": "_load_compare",
    "load_compare": "_load_compare",
    "compare_interleaved": "_load_compare",
    "load_capacity": "_load_capacity",
    "LoadSweep": "_load_sweep",
    "load_sweep": "_load_sweep",
    "load_prompts": "_load_prompts",
}

# Names returning plain data, loaded without the typed models (a listing's short start-up).
_PLAIN = frozenset({"list_runs_json"})

__all__ = [
    "JUDGE_KINDS",
    "METRICS_CONTENT_TYPE",
    "SQL_VIEWS",
    "WITHHELD",
    "WITHHELD_COLUMNS",
    "WITHHELD_NOTE",
    "Analysis",
    "CardResult",
    "CardState",
    "DatasheetResult",
    "DecisionDetails",
    "DecisionRecord",
    "ExperimentReadout",
    "ExportedRun",
    "FairnessReport",
    "GateResult",
    "GeneratedKey",
    "JudgeReproduction",
    "JudgedSafety",
    "LedgerExport",
    "LoadComparison",
    "LoadReport",
    "LoadSweep",
    "LoadedStudy",
    "LoggedRun",
    "MlflowExport",
    "Reproduction",
    "RobustnessReport",
    "RunSafety",
    "StoredExperiment",
    "StoredProfile",
    "StudyStatus",
    "TaggedRun",
    "TaxonomyResult",
    "analyze_run",
    "approve",
    "as_adapter",
    "assemble_decision",
    "attach_to_study",
    "build_redteam_suite",
    "capture_code_version",
    "capture_manifest",
    "card_state",
    "check_entry_signature",
    "check_launch",
    "compare_interleaved",
    "compare_runs",
    "compare_stored",
    "contamination_json",
    "decide",
    "default_store",
    "diff_runs",
    "early_stop_plan",
    "entry_signature_check",
    "evaluate",
    "experiment_history",
    "experiment_plan",
    "export_evidence",
    "export_ledger",
    "export_run",
    "export_to_mlflow",
    "fairness",
    "find_analysis",
    "fit_judge",
    "flag_study_deviations",
    "gate",
    "gate_runs",
    "generate_key",
    "get_decision",
    "get_experiment",
    "get_run",
    "get_suite",
    "import_from_mlflow",
    "import_log",
    "ingest",
    "judged_safety_rate",
    "kill_study",
    "latest_contamination",
    "list_decisions",
    "list_experiments",
    "list_runs",
    "list_runs_json",
    "list_studies",
    "list_suites",
    "load_capacity",
    "load_compare",
    "load_import",
    "load_judge",
    "load_profile",
    "load_prompts",
    "load_run",
    "load_study",
    "load_sweep",
    "log_run",
    "metrics_server",
    "model_card",
    "monitor_drift",
    "monitor_history",
    "monitor_profile",
    "monitor_report",
    "monitor_status",
    "note_run",
    "parse_metric_filter",
    "perturb_stored_suite",
    "plan_rollout",
    "profile_run",
    "read_out_experiment",
    "recent_analyses",
    "record_entry",
    "record_experiment",
    "record_experiment_plan",
    "record_readout",
    "record_window",
    "register_monitor",
    "register_study",
    "register_suite",
    "render_metrics",
    "reproduce",
    "reproduce_judge",
    "resolve_policy",
    "robustness",
    "run_analyses",
    "run_ref",
    "run_safety",
    "run_taxonomy",
    "sample_summaries",
    "save_profile",
    "scenario_coverage",
    "sign_launch",
    "sign_payload",
    "sql",
    "stored_profiles",
    "stored_suite_check",
    "study_status",
    "suite_check",
    "suite_contamination",
    "suite_datasheet",
    "tag_run",
    "team_kpis",
    "unsigned",
    "verify_card",
    "verify_ledger",
    "verify_ledger_file",
    "withhold_record_text",
    "write_monitor_report",
    "write_reports",
    "write_roadmap",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assay.workflows' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"assay.workflows.{module}"), name)
    if name not in _PLAIN:
        # what these functions return shows as a table in notebooks: the reports package
        # registers the renderers, imported on the first display rather than here
        from assay.core import register_html_module

        register_html_module("assay.reports")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
