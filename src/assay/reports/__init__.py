"""Markdown and self-contained HTML reports of a comparison and its verdict, and decision memos.

* :func:`render_html`: one HTML file, inline CSS and SVG (forest plot, slice heat map), no
  script and no external resource; untrusted text escaped.
* :func:`render_markdown`: the same content as GitHub-flavoured Markdown.
* :func:`render_memo`: a decision memo generated from the evidence, with marked places for
  the human parts.
* :func:`render_gate_summary`, :func:`render_junit`: the verdict for CI, as a Markdown step
  summary and as JUnit XML (one test case per rule).
* :func:`comparison_html_table`, :func:`verdict_html_table`, :func:`run_html_table`,
  :func:`runs_html_table`: small tables for notebooks, colours as inline styles.
* :class:`ReportLimits`: the caps that keep a report small whatever the comparison's size.
* :class:`ReportKind`, :data:`OFFLINE`, :func:`experiment_kind`: what the report compares, two
  runs of an offline evaluation (the default) or the arms of an A/B experiment.
* :func:`forest_svg`, :func:`results_rows` (with :data:`RESULT_HEADERS`), :func:`rules_table`,
  :func:`method_index`, :func:`methods_section` and :data:`REPORT_CSS`: the report's building
  blocks, for pages that show the same content (the dashboard of ``assay serve``).
* :func:`roadmap_html` and :func:`roadmap_markdown`: the research roadmap of pre-registered
  studies (``assay studies``)
* :func:`monitor_report_html` (drift) and :func:`monitor_watch_report_html` (a monitor's
  quality watches over time, :func:`monitor_watch_body` its fragment for the dashboard).
* :func:`coverage_html` (scenario coverage) and :func:`kpis_html` (the team's KPIs, with
  :func:`duration_text` for the cycle times).
* :func:`render_card` (a model card as a Hugging Face README, Markdown, HTML or JSON;
  :func:`card_json`, :func:`card_model_index`) and :func:`render_datasheet` (a suite's
  datasheet, :data:`DATASHEET_FORMATS`).
* :func:`fairness_markdown` (metrics by group, disparities, fairness rules) and
  :func:`robustness_markdown` (flip rates by perturbation kind): Markdown report sections;
  :func:`fairness_html` and :func:`robustness_html`: the same as self-contained HTML pages.
* :func:`analysis_html` (slice discovery and the fix list, ``assay analyze``) and
  :func:`fix_list_markdown` (the fix list for a tracker).
* :func:`latency_curve_svg`, :func:`latency_curve_markdown`, :func:`with_latency_section`
  (:class:`CurvePoint`): latency–throughput curves of serving load tests.
* :func:`fixed_number`, :func:`fixed_interval`: the fixed-width numbers of terminal output
  (``+0.0123 [-0.0040, +0.0286]``), shared by the command line.

Importing this package registers the notebook tables as the ``_repr_html_`` of
:class:`~assay.core.Comparison`, :class:`~assay.core.VerdictResult`,
:class:`~assay.core.RunInfo` (and :class:`~assay.core.Run`) and :class:`~assay.core.RunList`
(:func:`assay.core.register_html_renderer`).
"""

from typing import TYPE_CHECKING

from assay._util import lazy_exports
from assay.core import Comparison, RunInfo, RunList, VerdictResult, register_html_renderer
from assay.reports._style import CSS as REPORT_CSS
from assay.reports._tables import (
    comparison_html_table,
    run_html_table,
    runs_html_table,
    verdict_html_table,
)

if TYPE_CHECKING:
    from assay.reports._analysis import analysis_html, fix_list_markdown
    from assay.reports._card_markdown import card_model_index
    from assay.reports._card_render import card_json, render_card
    from assay.reports._ci import render_gate_summary, render_junit
    from assay.reports._content import RESULT_HEADERS, ReportLimits, method_index
    from assay.reports._coverage_html import coverage_html
    from assay.reports._datasheet_render import DATASHEET_FORMATS, render_datasheet
    from assay.reports._fairness import fairness_markdown, robustness_markdown
    from assay.reports._fairness_html import fairness_html, robustness_html
    from assay.reports._format import fixed_interval, fixed_number
    from assay.reports._html import render_html, results_rows, rules_table
    from assay.reports._html_evidence import methods_section
    from assay.reports._kind import OFFLINE, ReportKind, experiment_kind
    from assay.reports._kpis_html import duration_text, kpis_html
    from assay.reports._load_curves import (
        CurvePoint,
        latency_curve_markdown,
        latency_curve_svg,
        with_latency_section,
    )
    from assay.reports._markdown import render_markdown
    from assay.reports._memo import render_memo
    from assay.reports._memo_plan import PLACEHOLDER
    from assay.reports._monitor import monitor_report_html
    from assay.reports._monitor_watch import monitor_watch_body, monitor_watch_report_html
    from assay.reports._roadmap import (
        roadmap_body,
        roadmap_html,
        roadmap_markdown,
        study_difference_text,
        study_effect_text,
        study_evidence_text,
        study_power_text,
    )
    from assay.reports._svg import Scale, forest_svg, nice_ticks, tick_decimals

__all__ = [
    "DATASHEET_FORMATS",
    "OFFLINE",
    "PLACEHOLDER",
    "REPORT_CSS",
    "RESULT_HEADERS",
    "CurvePoint",
    "ReportKind",
    "ReportLimits",
    "Scale",
    "analysis_html",
    "card_json",
    "card_model_index",
    "comparison_html_table",
    "coverage_html",
    "duration_text",
    "experiment_kind",
    "fairness_html",
    "fairness_markdown",
    "fix_list_markdown",
    "fixed_interval",
    "fixed_number",
    "forest_svg",
    "kpis_html",
    "latency_curve_markdown",
    "latency_curve_svg",
    "method_index",
    "methods_section",
    "monitor_report_html",
    "monitor_watch_body",
    "monitor_watch_report_html",
    "nice_ticks",
    "render_card",
    "render_datasheet",
    "render_gate_summary",
    "render_html",
    "render_junit",
    "render_markdown",
    "render_memo",
    "results_rows",
    "roadmap_body",
    "roadmap_html",
    "roadmap_markdown",
    "robustness_html",
    "robustness_markdown",
    "rules_table",
    "run_html_table",
    "runs_html_table",
    "study_difference_text",
    "study_effect_text",
    "study_evidence_text",
    "study_power_text",
    "tick_decimals",
    "verdict_html_table",
    "with_latency_section",
]

# The renderers of the notebook tables load with the package; every other part (the pages and
# memos, the monitoring, governance and roadmap pages, with what they import: the monitor's
# SciPy statistics, the model card's and datasheet's models) loads on first use, so a command
# that writes one report, or none, does not pay for all of them.
_LAZY = {
    **dict.fromkeys(("analysis_html", "fix_list_markdown"), "assay.reports._analysis"),
    "card_model_index": "assay.reports._card_markdown",
    **dict.fromkeys(("card_json", "render_card"), "assay.reports._card_render"),
    **dict.fromkeys(("render_gate_summary", "render_junit"), "assay.reports._ci"),
    **dict.fromkeys(("RESULT_HEADERS", "ReportLimits", "method_index"), "assay.reports._content"),
    "coverage_html": "assay.reports._coverage_html",
    **dict.fromkeys(("DATASHEET_FORMATS", "render_datasheet"), "assay.reports._datasheet_render"),
    **dict.fromkeys(("fairness_markdown", "robustness_markdown"), "assay.reports._fairness"),
    **dict.fromkeys(("fairness_html", "robustness_html"), "assay.reports._fairness_html"),
    **dict.fromkeys(("fixed_interval", "fixed_number"), "assay.reports._format"),
    **dict.fromkeys(("render_html", "results_rows", "rules_table"), "assay.reports._html"),
    "methods_section": "assay.reports._html_evidence",
    **dict.fromkeys(("OFFLINE", "ReportKind", "experiment_kind"), "assay.reports._kind"),
    **dict.fromkeys(("duration_text", "kpis_html"), "assay.reports._kpis_html"),
    **dict.fromkeys(
        ("CurvePoint", "latency_curve_markdown", "latency_curve_svg", "with_latency_section"),
        "assay.reports._load_curves",
    ),
    "render_markdown": "assay.reports._markdown",
    "render_memo": "assay.reports._memo",
    "PLACEHOLDER": "assay.reports._memo_plan",
    "monitor_report_html": "assay.reports._monitor",
    **dict.fromkeys(
        ("monitor_watch_body", "monitor_watch_report_html"), "assay.reports._monitor_watch"
    ),
    **dict.fromkeys(
        (
            "roadmap_body",
            "roadmap_html",
            "roadmap_markdown",
            "study_difference_text",
            "study_effect_text",
            "study_evidence_text",
            "study_power_text",
        ),
        "assay.reports._roadmap",
    ),
    **dict.fromkeys(("Scale", "forest_svg", "nice_ticks", "tick_decimals"), "assay.reports._svg"),
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

register_html_renderer(Comparison, comparison_html_table)
register_html_renderer(VerdictResult, verdict_html_table)
register_html_renderer(RunInfo, run_html_table)
register_html_renderer(RunList, runs_html_table)
