"""A small client of an MLflow tracking server's REST API (standard library only).

Only the endpoints assay needs: experiments (get-by-name, create), runs (create, get,
log-batch, update, delete) and the artifact proxy (``/api/2.0/mlflow-artifacts/artifacts``,
served by ``mlflow server`` unless ``--no-serve-artifacts``). Every failure names the resource:
an unreachable server or an HTTP error is a :class:`~assay.errors.StorageError`, an unknown
run a :class:`~assay.errors.NotFoundError`, and an answer that is not what the API documents a
:class:`~assay.errors.DataError`.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from assay._util import load_json
from assay.errors import DataError, NotFoundError, StorageError

__all__ = ["MAX_ARTIFACT_BYTES", "MlflowClient"]

MAX_ARTIFACT_BYTES = 64 * 1024 * 1024
"""The largest artifact read from a tracking server (an evaluation table)."""
_MAX_ANSWER = 16 * 1024 * 1024  # a JSON answer of the tracking API
_API = "/api/2.0/mlflow/"
_ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


def _brief(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class MlflowClient:
    """The REST API of the tracking server at ``tracking_uri`` (``http(s)://host:port``)."""

    def __init__(self, tracking_uri: str, *, timeout: float = 30.0) -> None:
        self.tracking_uri = tracking_uri.rstrip("/")
        self.timeout = timeout

    def _request(
        self, method: str, path: str, data: bytes | None, content_type: str, limit: int
    ) -> bytes:
        url = self.tracking_uri + path
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                body: bytes = answer.read(limit + 1)
        except urllib.error.HTTPError as exc:
            raise self._http_error(method, url, exc) from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StorageError(
                f"The MLflow tracking server at {self.tracking_uri} cannot be reached "
                f"({method} {path}): {reason}"
            ) from exc
        if len(body) > limit:
            raise DataError(
                f"the answer is larger than {limit:,} bytes", file=url, expected="a smaller answer"
            )
        return body

    def _http_error(self, method: str, url: str, exc: urllib.error.HTTPError) -> StorageError:
        text = exc.read(4096).decode("utf-8", "replace")
        try:
            detail = load_json(text, source=url, max_bytes=1 << 16)
        except DataError:
            detail = {}
        code = detail.get("error_code") if isinstance(detail, dict) else None
        message = detail.get("message") if isinstance(detail, dict) else None
        said = f"{code}: {message}" if code else _brief(text) or exc.reason
        if code == "RESOURCE_DOES_NOT_EXIST" or exc.code == 404:
            return NotFoundError(f"MLflow at {self.tracking_uri}: {said} ({method} {url})")
        return StorageError(
            f"The MLflow tracking server refused {method} {url} (HTTP {exc.code}): {said}"
        )

    def call(
        self, method: str, endpoint: str, body: dict[str, Any] | None = None, **query: str
    ) -> dict[str, Any]:
        """``method`` on ``/api/2.0/mlflow/<endpoint>``; the answer's JSON object."""
        path = _API + endpoint
        if query:
            path += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        raw = self._request(method, path, data, "application/json", _MAX_ANSWER)
        answer = load_json(raw or b"{}", source=self.tracking_uri + path, max_bytes=_MAX_ANSWER)
        if not isinstance(answer, dict):
            raise DataError(
                "unexpected answer",
                file=self.tracking_uri + path,
                expected="a JSON object",
                found=type(answer).__name__,
            )
        return answer

    def put_artifact(self, artifact_uri: str, name: str, data: bytes, media_type: str) -> None:
        """Upload ``data`` as ``name`` under a run's ``mlflow-artifacts:`` root."""
        self._request("PUT", self._artifact_path(artifact_uri, name), data, media_type, 1 << 16)

    def list_artifacts(self, artifact_uri: str, folder: str = "") -> list[dict[str, Any]]:
        """The files and folders directly in ``folder`` of a run's artifacts."""
        root = self._artifact_path(artifact_uri, folder)[len(_ARTIFACTS) + 1 :]
        raw = self._request(
            "GET", _ARTIFACTS + "?" + urllib.parse.urlencode({"path": root}), None, "", _MAX_ANSWER
        )
        listing = load_json(raw or b"{}", source=f"{artifact_uri}/{folder}", max_bytes=_MAX_ANSWER)
        if not isinstance(listing, dict):
            raise DataError("unexpected artifact listing", file=artifact_uri, expected="an object")
        files = listing.get("files", [])
        if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
            raise DataError("unexpected artifact listing", file=artifact_uri, expected="files")
        return files

    def get_artifact(self, artifact_uri: str, name: str) -> bytes:
        """The bytes of artifact ``name`` of a run (at most :data:`MAX_ARTIFACT_BYTES`)."""
        path = self._artifact_path(artifact_uri, name)
        return self._request("GET", path, None, "", MAX_ARTIFACT_BYTES)

    def _artifact_path(self, artifact_uri: str, name: str) -> str:
        prefix = "mlflow-artifacts:"
        if not artifact_uri.startswith(prefix):
            raise StorageError(
                f"The MLflow run's artifacts are at {artifact_uri!r}, which this server does not "
                "proxy: start `mlflow server` with artifact serving (the default, with "
                "--artifacts-destination) so that assay can reach them over HTTP."
            )
        rest = artifact_uri[len(prefix) :]
        if rest.startswith("//"):  # mlflow-artifacts://host:port/path
            rest = rest[2:].partition("/")[2]
        root = rest.lstrip("/")
        parts = [p for p in f"{root}/{name}".split("/") if p]
        if any(p in (".", "..") for p in parts):
            raise DataError("artifact path leaves the run", file=artifact_uri, found=name)
        return _ARTIFACTS + "/" + "/".join(urllib.parse.quote(p) for p in parts)
