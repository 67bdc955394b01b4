"""Fixtures for the server: an embedded store and a real uvicorn server over it on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from red_text import Served, serve_red_labels

from assay.server import ServerSettings, create_app
from assay.storage import Store, open_store
from assay.testing import running_server


@pytest.fixture
def server_store(tmp_path: Path) -> Iterator[Store]:
    """An embedded store of its own for the server under test."""
    with open_store(f"sqlite:///{tmp_path / 'server' / 'assay.db'}") as store:
        yield store


@pytest.fixture
def live_server(server_store: Store) -> Iterator[str]:
    """The base URL of a real server without authentication (loopback) over ``server_store``."""
    with running_server(create_app(server_store, ServerSettings())) as url:
        yield url


@pytest.fixture
def served(server_store: Store) -> Iterator[Served]:
    """A red-team suite with a chrF metric, two runs, a viewer and an editor, served on
    loopback (``red_text.serve_red_labels``)."""
    with serve_red_labels(server_store) as found:
        yield found
