"""The application layer: the functions ``import assay`` exposes.

Every CLI command is one call of a function here, and so will be every server endpoint. The
functions take and return the vocabulary of :mod:`assay.core`, open the default store when
none is passed, and never print.

* the store: :func:`default_store`, what every ``store=None`` means
* runs: :func:`log_run`, :func:`ingest`, :func:`list_runs` (:func:`list_runs_json` for
  listings that only show them), :func:`get_run` and :func:`diff_runs` (:func:`get_stored_run`
  and :func:`diff_stored_runs` for a store named by URL), :func:`tag_run`, :func:`note_run`,
  :func:`run_ref`, :func:`export_run`, :func:`register_suite`,
  :func:`get_suite`, :func:`list_suites`, :func:`sample_summaries`, :func:`capture_manifest`
* evaluation: :func:`evaluate`, :func:`as_adapter`, :func:`early_stop_plan`,
  :func:`reproduce`, :func:`import_log`
* questions no command anticipated: :func:`sql` (read-only DuckDB over the views of
  :data:`SQL_VIEWS`)
* MLflow: :func:`export_to_mlflow` (a run, comparison or decision to a tracking server,
  :class:`MlflowExport`), :func:`import_from_mlflow` (an MLflow run as a run, or as an
  :class:`MlflowSummary` of params and metrics when it logged no per-example table;
  :func:`mlflow_summary`)
* online experiments: :func:`read_out_experiment` (readout, verdict against the
  pre-registered plan, reports), :func:`plan_rollout`
* monitoring: :func:`monitor_profile`, :func:`monitor_drift`, :func:`save_profile`,
  :func:`load_profile`, :func:`profile_run`, :func:`register_monitor`, :func:`record_window`,
  :func:`monitor_status`, :func:`monitor_history`, :func:`monitor_report`,
  :func:`write_monitor_report`, :func:`stored_profiles`
* studies: :func:`register_study`, :func:`attach_to_study`, :func:`kill_study`,
  :func:`load_study`, :func:`study_status`, :func:`list_studies`,
  :func:`write_roadmap`, :func:`flag_study_deviations`
* decisions: :func:`compare_runs` (:func:`compare_stored` for a store named by URL), :func:`resolve_policy`, :func:`gate`, :func:`gate_runs`
  (:func:`gate_stored` for a store named by URL),
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

from assay.workflows._exports import EXPORTS as _EXPORTS
from assay.workflows._exports import PLAIN as _PLAIN

if TYPE_CHECKING:
    from assay.workflows._typed import *  # noqa: F403
else:  # every exported name, as the type checker sees them through the import above
    __all__ = sorted(_EXPORTS)


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
