"""How a server binds and whom it trusts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from assay.server._identity import Role

__all__ = ["AuthMode", "ServerSettings"]

AuthMode = Literal["none", "token", "header"]
"""``none``: everyone is the local admin (loopback only); ``token``: bearer tokens or a
signed-in session; ``header``: a trusted header set by an authenticating reverse proxy."""


@dataclass(frozen=True)
class ServerSettings:
    """The settings of one server process."""

    host: str = "127.0.0.1"
    """Interface to bind; anything but loopback needs ``auth`` other than ``none``."""
    port: int = 8765
    """TCP port."""
    auth: AuthMode = "none"
    """How requests are identified."""
    auth_header: str | None = None
    """With ``auth="header"``: the header holding the user name (``X-Forwarded-User``)."""
    header_roles: Mapping[str, Role] = field(default_factory=dict)
    """With ``auth="header"``: user name to role; users not listed get ``header_default_role``."""
    header_default_role: Role | None = None
    """With ``auth="header"``: the role of users not in ``header_roles`` (None: refused)."""
    max_upload_bytes: int = 2 * 1024**3
    """Largest accepted request body; larger ones get 413 naming the limit."""
    comparison_cache_size: int = 32
    """Comparisons kept in memory, keyed by the two runs' digests and the options."""
    sign_in_attempts_per_minute: int = 10
    """Failed sign-ins (wrong token) allowed per client address per minute before 429."""
    workers: int = 1
    """Worker processes (``assay serve --workers N``); each serves every request."""
