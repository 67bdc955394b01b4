"""Generated MLflow answers and evaluation tables, and generated SQL: the only outcomes are a
result or one assay error, never a traceback; SQL never writes a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assay
from assay.errors import AssayError, ConfigError, DataError
from assay.importers import HarnessImport, read_mlflow_run

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["\x00", "\x1b[31m", "\u202e", "exact/score", "outputs", "target", ""]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
column_names = st.lists(
    st.sampled_from(["inputs", "topic", "target", "outputs", "exact/score", "x/justification",
                     "latency", "token_count", "a b", "exact/score"]) | st.text(max_size=10),
    max_size=6,
)  # fmt: skip


@st.composite
def tables(draw: st.DrawFn) -> object:
    columns = draw(column_names)
    width = len(columns) if draw(st.booleans()) else draw(st.integers(0, 8))
    rows = draw(st.lists(st.lists(values, min_size=width, max_size=width), max_size=6))
    return (
        draw(st.sampled_from([{"columns": columns, "data": rows}, rows, columns]))
        if draw(st.booleans())
        else {"columns": columns, "data": rows}
    )


runs = st.one_of(
    values,
    st.fixed_dictionaries(
        {"info": st.fixed_dictionaries({"run_id": st.text(min_size=1, max_size=12)})},
        optional={"data": st.dictionaries(st.sampled_from(["params", "metrics", "tags"]), values)},
    ),
)


@FAST
@given(run=runs, table=tables())
def test_a_table_is_imported_or_refused(run: object, table: object) -> None:
    try:
        imported = read_mlflow_run(run, table, tracking_uri="http://mlflow")  # type: ignore[arg-type]
    except (ConfigError, DataError) as exc:
        assert str(exc)
        return
    assert isinstance(imported, HarnessImport)
    assert imported.records.num_rows == len(table["data"])  # type: ignore[index]


@pytest.fixture(scope="module")
def sql_store(tmp_path_factory: pytest.TempPathFactory) -> object:
    folder = tmp_path_factory.mktemp("sql")
    store = assay.open_store(f"sqlite:///{folder / 'a.db'}", artifacts=str(folder / "f"))
    yield store, folder
    store.close()


queries = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda verb, target: f"{verb} {target}",
        st.sampled_from(["SELECT * FROM", "COPY", "ATTACH", "INSTALL", "FROM", "EXPLAIN SELECT",
                         "SELECT read_text(", "SELECT * FROM read_csv(", "CALL", "EXPORT DATABASE"]),
        st.sampled_from(["runs", "records", "'/etc/passwd'", "'x.csv'", "httpfs", "metrics)",
                         "decisions; DROP VIEW runs", "'out' (FORMAT parquet)"]),
    ),
)  # fmt: skip


@FAST
@given(query=queries)
def test_sql_answers_or_refuses(sql_store: tuple[assay.Store, Path], query: str) -> None:
    store, folder = sql_store
    before = sorted(p.name for p in Path.cwd().iterdir())
    try:
        assay.sql(query, store=store, max_rows=100, timeout=5)
    except AssayError as exc:
        assert str(exc)
    assert sorted(p.name for p in Path.cwd().iterdir()) == before
    assert not any(folder.glob("*.csv")) and not any(folder.glob("out*"))
