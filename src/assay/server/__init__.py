"""The team hub: an HTTP API and a web dashboard over one store (``assay serve``).

:func:`create_app` builds the ASGI application (FastAPI) over a :class:`~assay.storage.Store`;
:class:`ServerSettings` says how it binds and whom it trusts. Every endpoint is one call of
:mod:`assay.workflows` or of the store's repositories; this package is the only one that knows
HTTP status codes, and it maps the one exception tree of :mod:`assay.errors` to one JSON error
shape (``{"error": {"type", "message", "status"}}``).

Identities carry one of four roles, each including the ones before it: ``viewer`` (read),
``editor`` (log runs, record decisions), ``approver`` (approve; override with a reason),
``admin`` (users and tokens).
"""

from assay.server._app import create_app
from assay.server._identity import Identity, Role
from assay.server._settings import ServerSettings
from assay.server._site import SiteExport, export_site, verify_site

__all__ = [
    "Identity",
    "Role",
    "ServerSettings",
    "SiteExport",
    "create_app",
    "export_site",
    "verify_site",
]
