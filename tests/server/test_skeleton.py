"""The application answers over real HTTP with its OpenAPI document and JSON errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def test_openapi_document_is_served(live_server: str) -> None:
    with urllib.request.urlopen(f"{live_server}/api/v1/openapi.json") as response:
        document = json.load(response)
    assert document["info"]["title"] == "assay"


def test_unknown_route_answers_in_the_json_error_shape(live_server: str) -> None:
    try:
        urllib.request.urlopen(f"{live_server}/api/v1/no-such-thing")
    except urllib.error.HTTPError as error:
        body = json.load(error)
        assert error.code == 404
        assert body["error"]["status"] == 404
    else:  # pragma: no cover - the route must not exist
        raise AssertionError("expected 404")
