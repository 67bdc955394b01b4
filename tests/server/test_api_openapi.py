"""The OpenAPI document the server serves is the one checked in at docs/api/openapi.json.

Refresh it after changing the API: ``ASSAY_UPDATE_GOLDEN=1 pytest tests/server/test_api_openapi.py``.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def _text(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_served_openapi_document_is_the_checked_in_one(live_server: str) -> None:
    with urllib.request.urlopen(f"{live_server}/api/v1/openapi.json", timeout=30) as response:
        served = json.loads(response.read())
    # the version changes with every release; the API does not
    served["info"]["version"] = "VERSION"
    assert served["info"]["title"] == "assay"
    assert "/api/v1/runs" in served["paths"]
    if os.environ.get("ASSAY_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(_text(served))
    assert GOLDEN.exists(), "run with ASSAY_UPDATE_GOLDEN=1 to write docs/api/openapi.json"
    assert _text(served) == GOLDEN.read_text(), (
        "the API changed: check the change, then refresh docs/api/openapi.json with "
        "ASSAY_UPDATE_GOLDEN=1"
    )
