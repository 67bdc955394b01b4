"""Fixtures shared by every test: an isolated embedded store, the PostgreSQL server, seed sweeps,
model code on one thread; and the order of a run (modules holding slow tests first) and
httpx's patience with loopback servers (60 s).

PostgreSQL is ``ASSAY_TEST_PG`` or ``postgresql://postgres@127.0.0.1:5432/test``. When it cannot
be reached its tests are skipped, except under ``CI=true``, where they fail.

``@pytest.mark.seeds(100)`` on a test that takes a ``seed`` argument runs it for the first
few seeds of ``range(100)``; ``--seed-sweep``, or selecting slow tests with ``-m slow``, runs
every seed (the seeds past the first few are marked slow).
"""

from __future__ import annotations

import _thread
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa

import assay
from assay.storage import upgrade_database
from assay.testing import seed_sweep

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
FAST_SEEDS = 3

# A server on loopback shares the machine with the other test workers, and on a loaded CI
# machine its answer can take longer than httpx's default 5 s: tests wait up to 60 s. A test
# that means to time out passes its own ``timeout``.
PATIENT = httpx.Timeout(60.0)
for _call in (
    httpx.request,
    httpx.get,
    httpx.post,
    httpx.put,
    httpx.patch,
    httpx.delete,
    httpx.head,
    httpx.options,
    httpx.Client.__init__,
    httpx.AsyncClient.__init__,
):
    assert _call.__kwdefaults__ is not None and "timeout" in _call.__kwdefaults__, _call
    _call.__kwdefaults__["timeout"] = PATIENT


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--seed-sweep",
        action="store_true",
        help="run @pytest.mark.seeds tests for every seed, not only the first few",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "seeds(n): run the test once per seed of range(n) (a few unless --seed-sweep or -m slow)",
    )


def _full_sweep(config: pytest.Config) -> bool:
    markexpr = str(config.getoption("markexpr") or "")
    selects_slow = "slow" in markexpr and "not slow" not in markexpr
    return bool(config.getoption("seed_sweep")) or selects_slow


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Test modules that hold a slow test run first, the others after them, each module's
    tests together and in their own order: with several workers the longest tests start early
    instead of keeping one worker busy alone at the end of the run."""
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("seeds")
    if marker is None or "seed" not in metafunc.fixturenames:
        return
    arg = marker.args[0] if marker.args else 100
    full = len(arg) if isinstance(arg, range) else int(arg)
    seeds = seed_sweep(full, fast=FAST_SEEDS, sweep=_full_sweep(metafunc.config))
    params = [
        pytest.param(s, id=f"seed{s}", marks=() if s < FAST_SEEDS else pytest.mark.slow)
        for s in seeds
    ]
    metafunc.parametrize("seed", params)


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh ASSAY_HOME for a store a module's tests share, with ASSAY_DB and
    ASSAY_ARTIFACTS unset (so its embedded store is the one every call opens)."""
    home = tmp_path_factory.mktemp("home") / ".assay"
    patch = pytest.MonkeyPatch()
    patch.setenv("ASSAY_HOME", str(home))
    patch.delenv("ASSAY_DB", raising=False)
    patch.delenv("ASSAY_ARTIFACTS", raising=False)
    yield home
    patch.undo()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ASSAY_HOME, with ASSAY_DB unset and the working directory inside it."""
    monkeypatch.delenv("ASSAY_DB", raising=False)
    monkeypatch.delenv("ASSAY_ARTIFACTS", raising=False)
    monkeypatch.setenv("ASSAY_HOME", str(tmp_path / ".assay"))
    # no signing key from the machine's own configuration folder
    monkeypatch.delenv("ASSAY_SIGNING_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / ".assay"


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """torch on one thread for the test. Tests run two to a machine of two cores (two xdist
    workers), and others may share it: there, a model's OpenMP threads spin waiting for each
    other, and MiniLM embeds three times slower on two threads than on one. Without torch
    installed, nothing to do."""
    if find_spec("torch") is None:
        yield
        return
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture
def one_thread() -> Iterator[None]:
    """OpenMP and BLAS (scikit-learn's, numpy's, scipy's) on one thread for the test, for the
    reason of :func:`one_torch_thread`."""
    import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime: the limit reaches it)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture
def store(home: Path) -> Iterator[assay.Store]:
    """The embedded store of :func:`home`."""
    st = assay.open_store()
    yield st
    st.close()


class CtrlC:
    """Ctrl-C at a chosen point: a real interrupt of the main thread (``_thread.interrupt_main``,
    as Python's SIGINT handler raises it), delivered while a wrapped function runs."""

    def after(self, function: Callable[..., Any], armed: threading.Event | None = None) -> Any:
        """``function``, which interrupts the main thread the first time it returns once
        ``armed`` is set (if given), keeping its caller busy for a moment before and after:
        the main thread goes on meanwhile, e.g. to wait for the thread that calls it."""
        called = []

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            result = function(*args, **kwargs)
            if not called and (armed is None or armed.is_set()):
                called.append(True)
                time.sleep(0.3)
                _thread.interrupt_main()
                time.sleep(0.2)
            return result

        return wrapped

    @staticmethod
    def records_staging(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
        """An event set when a store starts to write a record file (``FileRoot.stage`` or
        ``FileRoot.stage_written`` under ``records``), to arm :meth:`after` for a step that only
        then matters."""
        from assay.storage._files import FileRoot

        staging = threading.Event()
        stage, stage_written = FileRoot.stage, FileRoot.stage_written

        def staged(self: FileRoot, relative: str, data: bytes | memoryview) -> str:
            if self.url.endswith("records"):
                staging.set()
            return stage(self, relative, data)

        def staged_written(self: FileRoot, relative: str, write: Any) -> Any:
            if self.url.endswith("records"):
                staging.set()
            return stage_written(self, relative, write)

        monkeypatch.setattr(FileRoot, "stage", staged)
        monkeypatch.setattr(FileRoot, "stage_written", staged_written)
        return staging

    @staticmethod
    def settled() -> None:
        """Wait for the threads that encode staged records to end."""
        for thread in threading.enumerate():
            if thread.name.startswith("assay-records"):
                thread.join()


@pytest.fixture
def ctrl_c() -> Iterator[CtrlC]:
    """See :class:`CtrlC`. SIGINT raises KeyboardInterrupt meanwhile, as in a terminal: a suite
    started as a background job of a shell inherits SIGINT ignored, and ``interrupt_main``
    then does nothing."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield CtrlC()
    finally:
        signal.signal(signal.SIGINT, previous)


def pg_engine(url: str) -> sa.Engine:
    """An engine on ``url`` through psycopg, giving up on an unreachable server after 5 s."""
    parsed = sa.make_url(url).set(drivername="postgresql+psycopg")
    return sa.create_engine(parsed, connect_args={"connect_timeout": 5})


def schema_url(server: str, schema: str) -> str:
    """``server`` with connections that see only ``schema``."""
    separator = "&" if "?" in server else "?"
    return f"{server}{separator}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL URL, after checking that the server answers."""
    url = os.environ.get("ASSAY_TEST_PG", DEFAULT_PG)
    engine = pg_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        reason = f"PostgreSQL at {url} is unreachable ({type(exc).__name__}: {exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI=true requires it")
        pytest.skip(reason + "; set ASSAY_TEST_PG to run these tests")
    finally:
        engine.dispose()
    return url


@dataclass
class _MigratedSchema:
    """The session's migrated schema, and what a clean copy of it looks like."""

    server: str
    admin: sa.Engine
    schema: str = ""
    version: str = ""
    tables: frozenset[str] = frozenset()
    children_first: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return schema_url(self.server, self.schema)

    def create(self) -> None:
        """A new schema, migrated to the head revision (the slow part: seconds)."""
        self.schema = f"assay_session_{uuid.uuid4().hex[:12]}"
        with self.admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
        upgrade_database(self.url)
        self.version, self.tables = self._state()
        metadata = sa.MetaData()
        with self.admin.connect() as conn:
            metadata.reflect(conn, schema=self.schema)
        ordered = [t.name for t in reversed(metadata.sorted_tables)]
        self.children_first = tuple(t for t in ordered if t != "alembic_version")

    def drop(self) -> None:
        with self.admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))

    def _state(self) -> tuple[str, frozenset[str]]:
        with self.admin.connect() as conn:
            tables = conn.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s"),
                {"s": self.schema},
            ).scalars()
            names = frozenset(tables)
            version = ""
            if "alembic_version" in names:
                found = conn.execute(
                    sa.text(f'SELECT version_num FROM "{self.schema}".alembic_version')
                ).scalars()
                version = ",".join(sorted(found))
        return version, names

    def clean(self) -> None:
        """Empty every table; a test that changed the schema itself gets a new one."""
        if self._state() != (self.version, self.tables):
            self.drop()
            self.create()
            return
        # DELETE, not TRUNCATE: on these few small tables it takes 10 ms, TRUNCATE 300 ms
        # (the schema has no sequences to restart)
        with self.admin.begin() as conn:
            # a connection a test leaked would block the deletes for ever: fail fast instead
            conn.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
            for table in self.children_first:
                conn.execute(sa.text(f'DELETE FROM "{self.schema}"."{table}"'))


@pytest.fixture(scope="session")
def pg_migrated(pg_server: str) -> Iterator[_MigratedSchema]:
    """One schema per test session (per xdist worker), migrated once."""
    migrated = _MigratedSchema(pg_server, pg_engine(pg_server))
    migrated.create()
    yield migrated
    migrated.drop()
    migrated.admin.dispose()


@pytest.fixture
def pg_migrated_url(pg_migrated: _MigratedSchema) -> str:
    """A URL whose connections see the session's migrated schema, emptied for this test."""
    pg_migrated.clean()
    return pg_migrated.url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema (dropped afterwards)."""
    schema = f"assay_test_{uuid.uuid4().hex[:12]}"
    admin = pg_engine(pg_server)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield schema_url(pg_server, schema)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
