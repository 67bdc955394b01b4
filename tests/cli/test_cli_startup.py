"""The command line starts without the heavy libraries a command may not need.

``assay --help`` must start at once, so importing ``assay.cli`` may load Typer and rich but not
pandas, numpy, scipy, pyarrow, SQLAlchemy, Alembic, fsspec, PyYAML, the typed models or
pydantic (Typer's arguments are converted without it), nor click beside Typer's own copy;
listing runs reads only the database, so it never loads pyarrow, numpy, pandas, scipy,
Alembic (a store at the current schema needs no migration tool) or fsspec (a local folder
needs no file-system layer), nor the statistics, gates or reports, and an embedded store at
the current schema is listed with the standard library's sqlite3 alone, without SQLAlchemy,
the typed models or pydantic. A comparison loads no policies, reports, runners or governance,
and no pandas (pyarrow's own conversions to NumPy would import it); of SciPy, only the
special functions, not its statistics; on an embedded store at the current schema, no SQLAlchemy or
Alembic either, nor for showing or differing runs. Ingesting a Parquet file loads no pandas and no SciPy statistics. Each check runs in a fresh interpreter, so modules an earlier test imported
do not count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import assay
from assay.storage._migrate import alembic_config, head_revision

SRC = str(Path(assay.__file__).resolve().parents[1])
HEAVY = (
    "pandas",
    "scipy",
    "numpy",
    "pyarrow",
    "sqlalchemy",
    "alembic",
    "fsspec",
    "pydantic",
    "yaml",
)


def _loaded(
    code: str, cwd: Path, env: dict[str, str] | None = None, watch: tuple[str, ...] = HEAVY
) -> list[str]:
    """Which of the modules ``watch`` a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(m for m in {watch!r} if m in sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=cwd,
        env={**(env or os.environ), "PYTHONPATH": SRC},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_command_line_loads_no_heavy_library(tmp_path):
    assert _loaded("import assay.cli", tmp_path) == []


def test_the_probe_sees_a_heavy_library_when_one_is_loaded(tmp_path):
    # the check above could pass by never seeing anything: here it must see numpy
    assert _loaded("import assay.cli, numpy", tmp_path) == ["numpy"]


# What help never uses: Typer's help renderer imports rich's Markdown and Traceback (with
# markdown-it, Pygments and attrs) for the "markdown" markup mode and its own exception pages;
# the plug-in registries read the installed packages' entry points only on a lookup.
NOT_FOR_HELP = ("markdown_it", "pygments", "attr", "rich.markdown", "rich.traceback")
NOT_FOR_HELP += ("rich.pretty", "importlib.metadata", "rich.progress")


def test_help_loads_no_heavy_library(tmp_path):
    for argv in (["--help"], ["runs", "--help"], ["compare", "--help"]):
        code = f"from assay.cli import main\nassert main({argv!r}) == 0"
        assert _loaded(code, tmp_path, watch=(*HEAVY, "click", *NOT_FOR_HELP)) == [], argv
    # a misspelt command is answered with the list of commands, as light as help
    code = "from assay.cli import main\nassert main(['runz']) == 64"
    assert _loaded(code, tmp_path, watch=(*HEAVY, *NOT_FOR_HELP)) == []


MARKDOWN_APP = '''
import sys, typer
if sys.argv[1] == "eager":
    import typer.rich_utils  # imported whole before the command line's fixes: they leave it
import assay.cli
assert ("typer.rich_utils" in sys.modules) == (sys.argv[1] == "eager")
app = typer.Typer(rich_markup_mode="markdown")
@app.command()
def hello(name: str = "x") -> None:
    """Say **hello** to `name`:

    * one
    * two
    """
try:
    app(["--help"])
except SystemExit:
    pass
import rich.markdown, rich.traceback, typer.rich_utils as shown
assert type(shown.Markdown("x")) is rich.markdown.Markdown
assert shown.Traceback.from_exception.__self__ is rich.traceback.Traceback
'''


def test_typers_help_renderer_gets_the_real_markdown_and_traceback_on_first_use(tmp_path):
    # an app in Typer's "markdown" mode, its help shown after the command line's fixes are in:
    # the very text as with Typer's help renderer imported whole, and the real classes after
    script = tmp_path / "markdown_app.py"
    script.write_text(MARKDOWN_APP)
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "80", "FORCE_COLOR": "1"}
    pages = []
    for mode in ("lazy", "eager"):
        done = subprocess.run(
            [sys.executable, str(script), mode], capture_output=True, env=env, timeout=300
        )
        assert done.returncode == 0, done.stderr
        pages.append(done.stdout)
    assert b"hello" in pages[0] and b"\x1b[1m" in pages[0]  # rendered: **hello** in bold
    assert pages[0] == pages[1]


def test_settings_written_to_typers_help_renderer_reach_it(tmp_path):
    # an app styles its help by setting typer.rich_utils' constants, also after the command
    # line's fixes, before the renderer is imported
    code = """
import importlib, sys, typer
import assay.cli
assert "typer.rich_utils" not in sys.modules
from typer import rich_utils
rich_utils.STYLE_OPTION = "bold red"
rich_utils.ADDED = 1
real = importlib.import_module("typer.rich_utils")
assert real is not rich_utils and real.STYLE_OPTION == "bold red" and real.ADDED == 1
assert "STYLE_OPTION" in dir(rich_utils) and "ADDED" in dir(rich_utils)
del rich_utils.ADDED
assert not hasattr(real, "ADDED")
"""
    assert _loaded(code, tmp_path, watch=()) == []


def _store_with_two_runs(tmp_path: Path, monkeypatch) -> tuple[dict[str, str], str, str]:
    """A store under ``tmp_path`` with two runs of one suite; the environment that finds it."""
    home = tmp_path / ".assay"
    monkeypatch.setenv("ASSAY_HOME", str(home))
    for name in ("ASSAY_DB", "ASSAY_ARTIFACTS"):  # the embedded store of ASSAY_HOME alone
        monkeypatch.delenv(name, raising=False)
    ids = [f"e{i}" for i in range(20)]
    suite = assay.make_suite("s", [{"example_id": x} for x in ids], metrics=["accuracy"])
    run_ids = []
    for model, every in (("m@1", 3), ("m@2", 2)):
        scores = (np.arange(20) % every == 0).astype(float)
        table = pa.table({"example_id": ids, "accuracy": scores})
        run_ids.append(assay.log_run(table, suite=suite, model=model).run.run_id)
    env = {**os.environ, "ASSAY_HOME": str(home)}
    return env, run_ids[0], run_ids[1]


def test_listing_runs_reads_the_database_only(tmp_path, monkeypatch):
    env, _, _ = _store_with_two_runs(tmp_path, monkeypatch)
    watch = (*HEAVY, "assay.core", "sqlite3")
    for argv in (["runs", "list"], ["runs", "list", "--json"], ["runs", "list", "--limit", "1"]):
        code = f"from assay.cli import main\nassert main({argv!r}) == 0"
        loaded = _loaded(code, tmp_path, env, watch)
        # the store was really read, with the standard library's sqlite3 and no typed models;
        # nor pydantic for Typer's conversion of the arguments (a number, a flag)
        assert loaded == ["sqlite3"], argv
        assert _loaded(code, tmp_path, env, NOT_FOR_HELP) == [], argv
        layers = ("assay.storage", "assay.data", "assay.stats", "assay.gates", "assay.reports")
        assert _loaded(code, tmp_path, env, layers) == ["assay.storage"]
    # a store the standard library does not read (here: files kept elsewhere) is opened whole
    env["ASSAY_ARTIFACTS"] = str(tmp_path / ".assay")
    code = "from assay.cli import main\nassert main(['runs', 'list']) == 0"
    assert "sqlalchemy" in _loaded(code, tmp_path, env)


def test_showing_and_differing_runs_read_the_database_only(tmp_path, monkeypatch):
    env, first, second = _store_with_two_runs(tmp_path, monkeypatch)
    watch = ("sqlalchemy", "alembic", "pyarrow", "pandas", "scipy", "assay.data", "sqlite3")
    shown = (["runs", "show", first], ["runs", "show", first[:6], "--json"])
    for argv in (*shown, ["runs", "diff", first, second[:6]]):
        code = f"from assay.cli import main\nassert main({argv!r}) == 0"
        # an embedded store at the current schema: its runs read with sqlite3 alone
        assert _loaded(code, tmp_path, env, watch) == ["sqlite3"], argv
    # a store the standard library does not read (here: files kept elsewhere) is opened whole,
    # with SQLAlchemy's SQLite dialect and nothing it never uses
    env["ASSAY_ARTIFACTS"] = str(tmp_path / ".assay")
    code = f"from assay.cli import main\nassert main(['runs', 'show', {first!r}]) == 0"
    watch = ("sqlalchemy.dialects.postgresql", "pyarrow.compute", "pandas", "scipy")
    watch = (*watch, "sqlalchemy.dialects.sqlite")
    assert _loaded(code, tmp_path, env, watch) == ["sqlalchemy.dialects.sqlite"]


def test_reading_decisions_and_the_ledger_loads_no_cards_studies_or_numbers(tmp_path, monkeypatch):
    # the governance package hands out its names on first use: listing decisions (which
    # checks signatures through the signing code alone) and verifying the ledger load no
    # model cards, datasheets or studies, nor NumPy and pyarrow, which those bring
    env, _, _ = _store_with_two_runs(tmp_path, monkeypatch)
    watch = ("numpy", "pyarrow", "pandas", "scipy", "assay.data", "assay.governance._card_build")
    watch = (*watch, "assay.governance._study", "assay.governance._datasheet", "sqlalchemy")
    for argv in (["decisions", "list"], ["ledger", "verify"]):
        code = f"from assay.cli import main\nassert main({argv!r}) == 0"
        assert _loaded(code, tmp_path, env, watch) == ["sqlalchemy"], argv


def test_comparing_loads_no_policies_reports_or_runners(tmp_path, monkeypatch):
    env, first, second = _store_with_two_runs(tmp_path, monkeypatch)
    code = f"from assay.cli import main\nassert main(['compare', {first!r}, {second!r}]) == 0"
    watch = ("assay.compare", "assay.gates", "assay.reports", "assay.runners", "pandas", "scipy")
    watch = (*watch, "assay.governance")  # the store checks signatures only when asked
    # an embedded store at the current schema is read with sqlite3 alone
    watch = (*watch, "sqlalchemy", "alembic", "sqlite3")
    # scipy for its special functions (t and normal quantiles); never pandas
    assert _loaded(code, tmp_path, env, watch) == ["assay.compare", "scipy", "sqlite3"]
    # of SciPy, the compiled special functions; never its statistics, nor the special
    # functions' package (whose array-API layer loads numpy.f2py, numpy.testing, numpy.ma)
    scipy_parts = ("scipy.special._ufuncs", "scipy.special", "scipy.stats", "numpy.f2py")
    assert _loaded(code, tmp_path, env, scipy_parts) == ["scipy.special._ufuncs"]
    # of the statistics engine, what compares: not the online experiments, sequential tests,
    # serving load tests, judges' agreement (imported on first use)
    unused = ("assay.stats.experiments", "assay.stats.sequential", "assay.stats._serving")
    unused += ("assay.stats._agreement", "assay.stats._ppi", "assay.stats._interleaving")
    assert _loaded(code, tmp_path, env, ("assay.stats.bootstrap", *unused)) == [
        "assay.stats.bootstrap"
    ]
    # a store the standard library does not read (here: files kept elsewhere) is opened whole
    env["ASSAY_ARTIFACTS"] = str(tmp_path / ".assay")
    assert "sqlalchemy" in _loaded(code, tmp_path, env, watch)


def test_ingesting_a_parquet_file_loads_no_pandas(tmp_path, monkeypatch):
    # pyarrow imports pandas when a compute call is given a Python scalar; the ingest path
    # passes Arrow scalars, so records are read, checked, summarised and stored without it
    env, _, _ = _store_with_two_runs(tmp_path, monkeypatch)
    ids = [f"e{i}" for i in range(20)]
    path = tmp_path / "records.parquet"
    scores = [float("nan")] + [float(i % 2) for i in range(19)]
    errors = ["timeout"] + [None] * 19  # a missing score on an errored record: stored as null
    pq.write_table(pa.table({"example_id": ids, "accuracy": scores, "error": errors}), path)
    argv = ["ingest", str(path), "--suite", "s", "--model", "m@3"]
    code = f"from assay.cli import main\nassert main({argv!r}) == 0"
    watch = ("pandas", "scipy.stats", "assay.gates", "assay.reports", "assay.compare")
    assert _loaded(code, tmp_path, env, watch) == []
    # the run was really stored, its one NaN on the errored record counted as an error
    stored = [r for r in assay.open_store().runs.list() if r.model.version == "3"]
    assert [(r.n_records, r.n_examples, r.n_errors) for r in stored] == [(20, 20, 1)]


def test_a_comparison_shows_as_a_table_with_the_reports_loaded_on_first_display(
    tmp_path, monkeypatch
):
    env, first, second = _store_with_two_runs(tmp_path, monkeypatch)
    code = (
        "import sys, assay\n"
        f"c = assay.compare_runs({first!r}, {second!r})\n"
        "assert 'assay.reports' not in sys.modules\n"
        "html = c._repr_html_()\n"
        "assert html is not None and '<table' in html and 'accuracy' in html, html"
    )
    assert _loaded(code, tmp_path, env, ("assay.reports",)) == ["assay.reports"]


def test_the_head_revision_read_from_the_files_is_alembics():
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_running_a_suite_against_an_endpoint_loads_only_what_the_run_needs(tmp_path):
    # the path of benchmarks/bench_http.py: examples from Parquet, a plain prompt template, an
    # OpenAI-compatible endpoint on loopback, the response cache; no statistics, metric
    # definitions, typed run models, YAML, Jinja (the template is plain), storage or pandas
    from assay.testing import FakeOpenAI

    examples = tmp_path / "examples.parquet"
    questions = pa.array([f"what is {i}" for i in range(20)])
    pq.write_table(
        pa.table(
            {
                "example_id": [f"q{i}" for i in range(20)],
                "input": pa.StructArray.from_arrays([questions], names=["question"]),
                "reference": ["x"] * 20,
            }
        ),
        examples,
    )
    watch = (
        *HEAVY[:3],  # pandas, scipy, numpy (pyarrow loads numpy)
        "sqlalchemy",
        "yaml",
        "jinja2",
        "assay.stats",
        "assay.metrics._registry",
        "assay.core.manifest",
        "assay.core.run",
        "assay.storage",
        "assay.compare",
        "assay.gates",
        "assay.reports",
        "assay.runners.load",
        "assay.runners.judges",
        "assay.runners._early_stop",
    )
    with FakeOpenAI() as server:
        code = (
            "import pyarrow.parquet as pq\n"
            "from assay.data import make_suite\n"
            "from assay.runners import OpenAIAdapter, evaluate_suite\n"
            f"table = pq.ParquetFile({str(examples)!r}).read()\n"
            "data = make_suite('s', table, metrics=[{'name': 'm', 'scorer': 'exact_match'}])\n"
            f"adapter = OpenAIAdapter('m', base_url={server.url!r}, prompt_template='Q: {{{{ question }}}}')\n"
            f"records = evaluate_suite(data, adapter, cache_dir={str(tmp_path / 'cache')!r})\n"
            "assert records.num_rows == 20 and records.column('error').null_count == 20\n"
        )
        loaded = _loaded(code, tmp_path, watch=watch)
        assert server.requests == 20  # the run really went to the endpoint
    assert loaded == ["numpy"]
