"""Who is asking, and what their role lets them do."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Identity", "Role"]


class Role(enum.IntEnum):
    """Access roles, each including every role before it."""

    viewer = 1
    """Reads everything."""
    editor = 2
    """Also logs runs, uploads suites and records decisions."""
    approver = 3
    """Also approves decisions and overrides an INCONCLUSIVE or non-blocking failure with a
    written reason."""
    admin = 4
    """Also manages users and tokens."""

    @classmethod
    def parse(cls, text: str) -> Role:
        """The role named ``text`` (case-insensitive)."""
        try:
            return cls[text.strip().lower()]
        except KeyError:
            from assay.errors import ConfigError

            names = ", ".join(r.name for r in cls)
            raise ConfigError(f"unknown role {text!r}: expected one of {names}") from None


@dataclass(frozen=True)
class Identity:
    """An authenticated user (or the local user of a server without authentication)."""

    name: str
    role: Role
    via: str = "none"
    """How it was established: ``none``, ``token``, ``session`` or ``header``."""

    def can(self, role: Role) -> bool:
        """Whether this identity holds ``role`` or a higher one."""
        return self.role >= role
