"""Every name :mod:`assay.workflows` exports, imported for type checkers only.

The package imports this module only under ``TYPE_CHECKING`` (``from ... import *``): at run
time each name loads from its module on first use (:mod:`assay.workflows._exports`). Each
name is imported ``as`` itself, which is what exports it to the type checker.
"""

from __future__ import annotations

from assay.workflows._analysis_find import (
    find_analysis as find_analysis,
    recent_analyses as recent_analyses,
)
from assay.workflows._analyze import (
    Analysis as Analysis,
    analyze_run as analyze_run,
    run_analyses as run_analyses,
)
from assay.workflows._annotate import (
    TaggedRun as TaggedRun,
    note_run as note_run,
    tag_run as tag_run,
)
from assay.workflows._api import (
    LoggedRun as LoggedRun,
    diff_runs as diff_runs,
    get_run as get_run,
    get_suite as get_suite,
    list_runs as list_runs,
    list_suites as list_suites,
    parse_metric_filter as parse_metric_filter,
    register_suite as register_suite,
    run_ref as run_ref,
    sample_summaries as sample_summaries,
)
from assay.workflows._capture import (
    capture_code_version as capture_code_version,
    capture_manifest as capture_manifest,
)
from assay.workflows._card import (
    CardResult as CardResult,
    model_card as model_card,
)
from assay.workflows._card_verify import (
    CardState as CardState,
    card_state as card_state,
    verify_card as verify_card,
)
from assay.workflows._compare_stored import (
    compare_stored as compare_stored,
    gate_stored as gate_stored,
)
from assay.workflows._contamination import (
    suite_contamination as suite_contamination,
)
from assay.workflows._contamination_store import (
    contamination_json as contamination_json,
    latest_contamination as latest_contamination,
)
from assay.workflows._coverage import (
    scenario_coverage as scenario_coverage,
)
from assay.workflows._datasheet import (
    DatasheetResult as DatasheetResult,
    suite_datasheet as suite_datasheet,
)
from assay.workflows._decide import (
    DecisionRecord as DecisionRecord,
    decide as decide,
)
from assay.workflows._decision_entry import (
    assemble_decision as assemble_decision,
)
from assay.workflows._decision_records import (
    DecisionDetails as DecisionDetails,
    approve as approve,
    get_decision as get_decision,
    list_decisions as list_decisions,
    verify_ledger as verify_ledger,
)
from assay.workflows._early_stop_plan import (
    early_stop_plan as early_stop_plan,
)
from assay.workflows._evaluate import (
    as_adapter as as_adapter,
    evaluate as evaluate,
)
from assay.workflows._evidence import (
    export_evidence as export_evidence,
)
from assay.workflows._experiments import (
    ExperimentReadout as ExperimentReadout,
    plan_rollout as plan_rollout,
    read_out_experiment as read_out_experiment,
)
from assay.workflows._experiments_store import (
    StoredExperiment as StoredExperiment,
    experiment_history as experiment_history,
    experiment_plan as experiment_plan,
    get_experiment as get_experiment,
    list_experiments as list_experiments,
    record_experiment as record_experiment,
    record_experiment_plan as record_experiment_plan,
    record_readout as record_readout,
)
from assay.workflows._export import (
    ExportedRun as ExportedRun,
    export_run as export_run,
)
from assay.workflows._gate import (
    GateResult as GateResult,
    compare_runs as compare_runs,
    gate as gate,
    gate_runs as gate_runs,
    resolve_policy as resolve_policy,
    write_reports as write_reports,
)
from assay.workflows._import_log import (
    import_log as import_log,
)
from assay.workflows._judges import (
    JUDGE_KINDS as JUDGE_KINDS,
    JudgeReproduction as JudgeReproduction,
    fit_judge as fit_judge,
    load_judge as load_judge,
    reproduce_judge as reproduce_judge,
)
from assay.workflows._keys import (
    GeneratedKey as GeneratedKey,
    generate_key as generate_key,
)
from assay.workflows._kpis import (
    team_kpis as team_kpis,
)
from assay.workflows._launch import (
    check_launch as check_launch,
    sign_launch as sign_launch,
)
from assay.workflows._ledger_entries import (
    check_entry_signature as check_entry_signature,
    entry_signature_check as entry_signature_check,
    record_entry as record_entry,
)
from assay.workflows._ledger_file import (
    LedgerExport as LedgerExport,
    export_ledger as export_ledger,
    verify_ledger_file as verify_ledger_file,
)
from assay.workflows._load import (
    LoadReport as LoadReport,
    load_run as load_run,
)
from assay.workflows._load_capacity import (
    load_capacity as load_capacity,
)
from assay.workflows._load_compare import (
    LoadComparison as LoadComparison,
    compare_interleaved as compare_interleaved,
    load_compare as load_compare,
)
from assay.workflows._load_import import (
    load_import as load_import,
)
from assay.workflows._load_prompts import (
    load_prompts as load_prompts,
)
from assay.workflows._load_sweep import (
    LoadSweep as LoadSweep,
    load_sweep as load_sweep,
)
from assay.workflows._log_run import (
    ingest as ingest,
    log_run as log_run,
)
from assay.workflows._mlflow_export import (
    MlflowExport as MlflowExport,
    export_to_mlflow as export_to_mlflow,
)
from assay.workflows._mlflow_import import (
    import_from_mlflow as import_from_mlflow,
)
from assay.workflows._mlflow_summary import (
    MlflowSummary as MlflowSummary,
    mlflow_summary as mlflow_summary,
)
from assay.workflows._monitor_drift import (
    StoredProfile as StoredProfile,
    monitor_drift as monitor_drift,
    monitor_profile as monitor_profile,
)
from assay.workflows._monitor_history import (
    monitor_history as monitor_history,
    monitor_report as monitor_report,
    write_monitor_report as write_monitor_report,
)
from assay.workflows._monitor_metrics import (
    METRICS_CONTENT_TYPE as METRICS_CONTENT_TYPE,
    metrics_server as metrics_server,
    render_metrics as render_metrics,
)
from assay.workflows._monitor_profiles import (
    load_profile as load_profile,
    profile_run as profile_run,
    save_profile as save_profile,
    stored_profiles as stored_profiles,
)
from assay.workflows._monitor_watch import (
    monitor_status as monitor_status,
    record_window as record_window,
    register_monitor as register_monitor,
)
from assay.workflows._reproduce import (
    Reproduction as Reproduction,
    reproduce as reproduce,
)
from assay.workflows._robustness import (
    FairnessReport as FairnessReport,
    RobustnessReport as RobustnessReport,
    fairness as fairness,
    perturb_stored_suite as perturb_stored_suite,
    robustness as robustness,
)
from assay.workflows._run_listing import (
    list_runs_json as list_runs_json,
)
from assay.workflows._run_stored import (
    diff_stored_runs as diff_stored_runs,
    get_stored_run as get_stored_run,
)
from assay.workflows._safety import (
    RunSafety as RunSafety,
    build_redteam_suite as build_redteam_suite,
    run_safety as run_safety,
)
from assay.workflows._safety_judged import (
    JudgedSafety as JudgedSafety,
    judged_safety_rate as judged_safety_rate,
)
from assay.workflows._signing import (
    sign_payload as sign_payload,
    unsigned as unsigned,
)
from assay.workflows._sql import (
    sql as sql,
)
from assay.workflows._sql_views import (
    SQL_VIEWS as SQL_VIEWS,
)
from assay.workflows._store import (
    default_store as default_store,
)
from assay.workflows._study import (
    LoadedStudy as LoadedStudy,
    load_study as load_study,
    register_study as register_study,
)
from assay.workflows._study_events import (
    attach_to_study as attach_to_study,
    kill_study as kill_study,
)
from assay.workflows._study_decide import (
    flag_study_deviations as flag_study_deviations,
)
from assay.workflows._study_roadmap import (
    write_roadmap as write_roadmap,
)
from assay.workflows._study_status import (
    StudyStatus as StudyStatus,
    list_studies as list_studies,
    study_status as study_status,
)
from assay.workflows._suite_check import (
    suite_check as suite_check,
)
from assay.workflows._suite_check_store import (
    stored_suite_check as stored_suite_check,
)
from assay.workflows._taxonomy import (
    TaxonomyResult as TaxonomyResult,
    run_taxonomy as run_taxonomy,
)
from assay.workflows._unsafe import (
    WITHHELD as WITHHELD,
    WITHHELD_COLUMNS as WITHHELD_COLUMNS,
    WITHHELD_NOTE as WITHHELD_NOTE,
    withhold_record_text as withhold_record_text,
)
