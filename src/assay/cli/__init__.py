"""The ``assay`` command line: a thin skin over ``import assay``."""

from assay.cli import _load_capacity, _load_compare  # noqa: F401 - register load commands
from assay.cli._ab import ab_app
from assay.cli._analyze import analyze_command
from assay.cli._app import EXIT_CODES, VERDICT_EXIT_CODES, app, main, script
from assay.cli._card import card_command, datasheet_command
from assay.cli._commands import demo_command, run_command
from assay.cli._contamination import contamination_command
from assay.cli._coverage import coverage_command
from assay.cli._db_gc import db_gc
from assay.cli._decide import compare_command, gate_command, report_command
from assay.cli._decisions import decisions_app
from assay.cli._export_site import export_site_command
from assay.cli._import import import_command
from assay.cli._ingest import db_app, ingest_command, suites_app
from assay.cli._judge import judge_app
from assay.cli._kpis import kpis_command
from assay.cli._launch import launch_app
from assay.cli._ledger import keys_app, ledger_app
from assay.cli._load import load_app
from assay.cli._load_import import load_import_command as load_import_command
from assay.cli._mlflow import mlflow_app
from assay.cli._monitor import monitor_app
from assay.cli._reproduce import reproduce_command
from assay.cli._robustness import fairness_command, robustness_command, suites_perturb
from assay.cli._runs import runs_app
from assay.cli._safety import redteam_command, safety_command
from assay.cli._serve import serve_command
from assay.cli._sql import sql_command
from assay.cli._study import studies_command, study_app
from assay.cli._suite_check import suite_check_command
from assay.cli._taxonomy import taxonomy_command
from assay.cli._users import users_app

app.command("demo")(demo_command)
app.command("run")(run_command)
app.command("ingest")(ingest_command)
app.command("import")(import_command)
app.command("sql")(sql_command)
app.add_typer(mlflow_app, name="mlflow")
app.command("compare")(compare_command)
app.command("gate")(gate_command)
app.command("report")(report_command)
app.command("reproduce")(reproduce_command)
app.command("serve")(serve_command)
app.command("export-site")(export_site_command)
app.command("studies")(studies_command)
app.add_typer(study_app, name="study")
app.command("card")(card_command)
suites_app.command("datasheet")(datasheet_command)
suites_app.command("perturb")(suites_perturb)
app.command("robustness")(robustness_command)
app.command("fairness")(fairness_command)
suites_app.command("check")(suite_check_command)
suites_app.command("redteam")(redteam_command)
app.command("safety")(safety_command)
app.add_typer(decisions_app, name="decisions")
app.add_typer(runs_app, name="runs")
app.add_typer(suites_app, name="suites")
db_app.command("gc")(db_gc)
app.add_typer(db_app, name="db")
app.add_typer(ab_app, name="ab")
app.add_typer(users_app, name="users")
app.add_typer(monitor_app, name="monitor")
app.command("coverage")(coverage_command)
app.command("kpis")(kpis_command)
app.command("analyze")(analyze_command)
app.add_typer(launch_app, name="launch")
app.add_typer(ledger_app, name="ledger")
app.add_typer(keys_app, name="keys")
app.add_typer(judge_app, name="judge")
app.command("contamination")(contamination_command)
app.command("taxonomy")(taxonomy_command)
app.add_typer(load_app, name="load")

__all__ = ["EXIT_CODES", "VERDICT_EXIT_CODES", "app", "main", "script"]
