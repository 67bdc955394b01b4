"""``/healthz`` (the process answers) and ``/readyz`` (and its store answers too).

Neither needs authentication, and neither says anything about the store beyond yes or no.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from assay.server._state import app_state

__all__ = ["router"]

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    """``{"status": "ok"}`` while the server process answers."""
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request) -> dict[str, str]:
    """``{"status": "ready"}`` when a cheap query of the store works; 503 otherwise."""
    from assay.server._errors import http_error

    store = app_state(request).store
    try:
        engine = getattr(store, "engine", None)
        if engine is not None:
            import sqlalchemy as sa

            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1 FROM alembic_version"))
        else:
            store.suites.list()
    except Exception as exc:
        raise http_error(
            503, "unavailable", f"the store does not answer ({type(exc).__name__})"
        ) from None
    return {"status": "ready"}
