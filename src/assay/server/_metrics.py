"""``GET /metrics``: the monitors' state for a Prometheus scraper, read from the store at
each scrape (:func:`assay.workflows.render_metrics`).

Anyone who may read the store (role ``viewer``) may read it; under ``--auth token`` the
scraper sends a viewer's token as ``Authorization: Bearer <token>``. It is not part of the
JSON API, so it is left out of the OpenAPI schema like the pages.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from assay.server._auth import require
from assay.server._identity import Identity, Role
from assay.server._state import app_state

__all__ = ["router"]

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(
    request: Request, identity: Annotated[Identity, Depends(require(Role.viewer))]
) -> Response:
    """Every registered monitor's state as Prometheus text format 0.0.4."""
    from assay.workflows import METRICS_CONTENT_TYPE, render_metrics

    body = render_metrics(app_state(request).store)
    return Response(body, media_type=METRICS_CONTENT_TYPE, headers={"Cache-Control": "no-store"})
