"""The HTTP client of a remote store: one persistent connection per thread, the standard
library only, and the server's JSON errors raised again as assay's own exceptions."""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from assay import errors
from assay.errors import AccessDeniedError, AssayError, StorageError
from assay.storage.wire import DIGEST_HEADER

__all__ = ["RemoteClient", "rebuild_error"]

Query = Mapping[str, str | int | float | bool | Sequence[str] | None]

_TIMEOUT = 300.0


def rebuild_error(kind: str, message: str, detail: Mapping[str, Any] | None = None) -> Exception:
    """The assay exception a server's JSON error of type ``kind`` stands for (a
    :class:`~assay.errors.StorageError` for a type assay does not define)."""
    cls = getattr(errors, kind, None)
    if not (isinstance(cls, type) and issubclass(cls, AssayError)):
        return StorageError(message)
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    if isinstance(exc, errors.DataError):
        for name in ("file", "row", "line", "column", "expected", "found"):
            setattr(exc, name, None)
        exc.reason = message
    if isinstance(exc, errors.AmbiguousReferenceError):
        found = (detail or {}).get("candidates")
        exc.candidates = [str(c) for c in found] if isinstance(found, list) else []
    return exc


class RemoteClient:
    """Requests to one assay server (``http://host:port`` or ``https://...``)."""

    def __init__(self, url: str, token: str | None = None) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise StorageError(f"A remote store URL is http(s)://HOST[:PORT]; got {url!r}.")
        self.url = f"{parsed.scheme}://{parsed.netloc}{parsed.path.rstrip('/')}"
        self._scheme = parsed.scheme
        self._netloc = parsed.netloc
        self._prefix = parsed.path.rstrip("/")
        self._token = token
        self._local = threading.local()
        self._connections: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            factory = (
                http.client.HTTPSConnection
                if self._scheme == "https"
                else http.client.HTTPConnection
            )
            conn = factory(self._netloc, timeout=_TIMEOUT)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this client opened."""
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        body: bytes | None = None,
        json_body: object = None,
        media_type: str | None = None,
        digest: bool = False,
    ) -> tuple[int, str, bytes]:
        """Send one request; returns the status, the media type and the body of a success,
        and raises the assay exception of an error answer."""
        target = self._prefix + path
        if query:
            pairs = [
                (k, str(v).lower() if isinstance(v, bool) else str(v))
                for k, value in query.items()
                if value is not None
                for v in (value if isinstance(value, (list, tuple)) else [value])
            ]
            if pairs:
                target += "?" + urllib.parse.urlencode(pairs)
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            media_type = "application/json"
        if body is not None:
            headers["Content-Type"] = media_type or "application/octet-stream"
            if digest:
                headers[DIGEST_HEADER] = hashlib.sha256(body).hexdigest()
        status, kind, data = self._send(method, target, body, headers)
        if status >= 400:
            raise _error(status, data, f"{method} {self.url}{target}")
        return status, kind, data

    def _send(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, str, bytes]:
        for attempt in (1, 2):
            conn = self._connection()
            try:
                try:
                    conn.request(method, target, body=body, headers=headers)
                except (BrokenPipeError, ConnectionResetError):
                    # a server refusing a body (too large) answers before reading it all
                    if body is None:
                        raise
                response = conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                return response.status, response.getheader("Content-Type", ""), data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                # a kept-alive connection the server closed while idle: one fresh try
                conn.close()
                if attempt == 2:
                    raise StorageError(f"The assay server at {self.url} failed: {exc}") from exc
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                raise StorageError(
                    f"The assay server at {self.url} cannot be reached: {exc}"
                ) from exc
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, **options: Any) -> Any:
        """The JSON body of a request's answer."""
        _, _, data = self.request(method, path, **options)
        return json.loads(data)


def _error(status: int, data: bytes, what: str) -> Exception:
    try:
        found = json.loads(data)["error"]
        kind, message = str(found["type"]), str(found["message"])
    except (ValueError, KeyError, TypeError):
        text = data[:200].decode("utf-8", "replace")
        return StorageError(f"{what} answered {status}: {text}")
    if status == 401:
        return AccessDeniedError(
            f"The assay server refused {what}: {message} (set ASSAY_TOKEN to a valid token)"
        )
    if status == 403:  # the token is good; its user's role is too low
        return AccessDeniedError(f"The assay server refused {what}: {message}")
    if status == 413:
        return StorageError(message)
    return rebuild_error(kind, message, found)
