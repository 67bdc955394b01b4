"""The store of an assay server, opened from an ``http(s)://`` URL."""

from __future__ import annotations

from assay.storage._remote import (
    RemoteArtifactRepository,
    RemoteDecisionRepository,
    RemoteSuiteRepository,
    remote_token,
)
from assay.storage._remote_client import RemoteClient
from assay.storage._remote_runs import RemoteRunRepository
from assay.storage._store import Store

__all__ = ["RemoteStore"]


class RemoteStore(Store):
    """A :class:`Store` whose repositories call an assay server's API (``assay serve``).

    ``token`` (default: ``ASSAY_TOKEN``) is sent as ``Authorization: Bearer``. Each thread
    keeps one connection open to the server; :meth:`close` closes them.
    """

    def __init__(self, url: str, *, token: str | None = None) -> None:
        client = RemoteClient(url, token if token is not None else remote_token())
        super().__init__(
            url=client.url,
            engine=None,
            suites=RemoteSuiteRepository(client),
            runs=RemoteRunRepository(client),
            artifacts=RemoteArtifactRepository(client),
            decisions=RemoteDecisionRepository(client),
            database_file=None,
        )
        self.client = client
        """The HTTP client the repositories share."""

    def close(self) -> None:
        """Close the connections to the server."""
        self.client.close()
