"""The server signs nothing: every request runs inside :func:`assay.workflows.unsigned`.

A signature proves who made an entry, and only that person's client holds their key; the key
file of whoever started the server (``ASSAY_SIGNING_KEY`` or the default place) is not its
signed-in users'. What a client signed before sending is checked, not re-signed.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["UnsignedMiddleware"]


class UnsignedMiddleware:
    """ASGI middleware: the whole request (its handlers and the threads they run in) is
    served with signing off."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with signing off."""
        from assay.workflows import unsigned

        with unsigned():
            await self.app(scope, receive, send)
