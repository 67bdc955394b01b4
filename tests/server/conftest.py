"""Fixtures for the server: an embedded store and a real uvicorn server over it on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
