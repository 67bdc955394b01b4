"""One JSON request to a server under test, as a client outside the process sends it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def post_json(url: str, body: dict[str, Any], user: str | None = None) -> tuple[int, Any]:
    """POST ``body`` as JSON to ``url`` (as ``user`` through the X-Forwarded-User header, when
    given); the status and the decoded answer, errors included."""
    headers = {"Content-Type": "application/json"}
    if user is not None:
        headers["X-Forwarded-User"] = user
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
