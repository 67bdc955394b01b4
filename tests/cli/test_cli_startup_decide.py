"""Gating and writing reports start without what they do not use.

On an embedded store at the current schema, ``assay gate`` and ``assay report`` read the runs
with sqlite3 as ``assay compare`` does: no SQLAlchemy or Alembic. ``assay gate`` without a
report to write loads no reports package; writing reports loads the pages written, never the
monitoring pages (with SciPy's statistics) nor the model card's, datasheet's and roadmap's
governance models. Each check runs in a fresh interpreter, so modules an earlier test imported
do not count.
"""

from __future__ import annotations

from test_cli_startup import _loaded, _store_with_two_runs

NEVER = ("sqlalchemy", "alembic", "assay.monitor", "assay.governance", "scipy.stats", "pandas")
"""What neither gating nor writing a comparison's reports needs."""


def _command(argv: list[str]) -> str:
    return f"from assay.cli import main\nassert main({argv!r}) in (0, 1, 2)"


def test_gating_reads_the_store_with_sqlite_and_loads_no_reports(tmp_path, monkeypatch):
    env, first, second = _store_with_two_runs(tmp_path, monkeypatch)
    watch = (*NEVER, "assay.reports", "assay.gates", "sqlite3")
    for argv in (["gate", first, second], ["gate", first, second, "--json"]):
        # the policy judged (the gates), the store really read (sqlite3)
        assert _loaded(_command(argv), tmp_path, env, watch) == ["assay.gates", "sqlite3"], argv


def test_writing_reports_loads_only_the_pages_written(tmp_path, monkeypatch):
    env, first, second = _store_with_two_runs(tmp_path, monkeypatch)
    out = tmp_path / "out"
    ci = ["--summary-md", str(out / "summary.md"), "--junit", str(out / "junit.xml")]
    watch = (*NEVER, "assay.reports", "sqlite3")
    for argv in (
        ["report", first, second, "-o", str(out)],
        ["gate", first, second, "-o", str(out), *ci],
        ["gate", first, second, *ci],
    ):
        assert _loaded(_command(argv), tmp_path, env, watch) == ["assay.reports", "sqlite3"], argv
    written = sorted(p.name for p in out.iterdir())
    assert written == ["junit.xml", "memo.md", "report.html", "report.md", "summary.md"]


def test_the_reports_package_loads_its_parts_on_first_use(tmp_path):
    parts = ("assay.reports._html", "assay.reports._monitor", "assay.reports._card_render")
    watch = ("assay.monitor", "assay.governance", "scipy.stats", *parts)
    assert _loaded("import assay.reports", tmp_path, watch=watch) == []
    # every exported name resolves to what its module defines, and is listed by dir()
    code = (
        "import importlib, assay.reports as reports\n"
        "values = {name: getattr(reports, name) for name in reports.__all__}\n"
        "assert set(reports.__all__) <= set(dir(reports))\n"
        "monitor = importlib.import_module('assay.reports._monitor')\n"
        "assert values['monitor_report_html'] is monitor.monitor_report_html\n"
        "assert values['REPORT_CSS'] is importlib.import_module('assay.reports._style').CSS\n"
    )
    assert _loaded(code, tmp_path, watch=watch) == sorted(watch)
