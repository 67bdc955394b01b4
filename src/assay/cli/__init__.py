"""The ``assay`` command line: a thin skin over ``import assay``."""

from assay.cli._ab import ab_app
from assay.cli._app import EXIT_CODES, app, main
from assay.cli._commands import demo_command, run_command
from assay.cli._ingest import db_app, ingest_command, suites_app
from assay.cli._runs import runs_app

app.command("demo")(demo_command)
app.command("run")(run_command)
app.command("ingest")(ingest_command)
app.add_typer(runs_app, name="runs")
app.add_typer(suites_app, name="suites")
app.add_typer(db_app, name="db")
app.add_typer(ab_app, name="ab")

__all__ = ["EXIT_CODES", "app", "main"]
