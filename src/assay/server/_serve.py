"""Running the server: ``assay serve`` in one function.

:func:`serve` opens the store, builds the application and runs it with uvicorn until the
process gets SIGTERM or SIGINT (Ctrl+C); then it stops accepting connections, lets the
requests in flight finish (for up to :data:`GRACEFUL_SECONDS` seconds) and returns normally.
A server without authentication binds loopback only: anyone who can reach it would be an
admin.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from assay.errors import ConfigError
from assay.server._settings import ServerSettings

__all__ = ["GRACEFUL_SECONDS", "check_settings", "is_loopback", "log_access", "serve", "settle"]

GRACEFUL_SECONDS = 30
"""How long a stopping server waits for requests in flight."""
MAX_WORKERS = 64
"""The most worker processes ``assay serve --workers`` starts."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (``localhost``, ``127.x.x.x``, ``::1``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_settings(settings: ServerSettings) -> None:
    """Refuse settings that would expose the store: no authentication off loopback, a
    header mode without its header, a port out of range."""
    if settings.auth == "none" and not is_loopback(settings.host):
        raise ConfigError(
            f"Refusing to serve on {settings.host} without authentication: anyone who can "
            "reach it would be an admin. Choose --auth token (bearer tokens from `assay users "
            "add`) or --auth header (behind a signing-in proxy), or bind --host 127.0.0.1."
        )
    if settings.auth == "header" and not settings.auth_header:
        raise ConfigError(
            "--auth header needs --auth-header NAME: the header the proxy sets to the user name."
        )
    if settings.auth not in ("none", "token", "header"):
        raise ConfigError(f"--auth is none, token or header. Got {settings.auth!r}.")
    if not 0 < settings.port < 65536:
        raise ConfigError(f"--port must be 1-65535. Got {settings.port}.")
    if not 1 <= settings.workers <= MAX_WORKERS:
        raise ConfigError(f"--workers must be 1-{MAX_WORKERS}. Got {settings.workers}.")


def log_access() -> None:
    """Send the access log (one JSON line per request) to standard error."""
    from assay.server._security import ACCESS_LOGGER

    logger = logging.getLogger(ACCESS_LOGGER)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def settle() -> None:
    """Keep what a server process has built before serving (modules, the application, the
    store) out of the garbage collector's passes.

    A full pass of the cycle collector walks every object the process holds: about 190,000
    once the application is built, over 100 ms of CPU, during which the process answers
    nobody; under load those passes were the slowest requests' wait. Frozen (after one last
    collection), those objects are left out, and a full pass walks only what requests made
    since (well under a millisecond). They are still freed as usual when no longer referred
    to."""
    gc.collect()
    gc.freeze()


def _announce(settings: ServerSettings, announce: Callable[[str], None] | None) -> None:
    if announce is not None:
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        announce(f"http://{host}:{settings.port}")


def _serve_workers(
    settings: ServerSettings, store_url: str | None, announce: Callable[[str], None] | None
) -> None:
    """Run ``settings.workers`` worker processes (uvicorn's supervisor) until stopped."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from assay.server._worker import WORKER_ENV, settings_to_json
    from assay.storage import open_store

    with open_store(store_url) as store:  # refuse a store that cannot be served before forking
        from assay.server._app import create_app

        create_app(store, settings)
    config = uvicorn.Config(
        "assay.server._worker:worker_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=False,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        server_header=False,
    )
    try:
        sock = config.bind_socket()
    except SystemExit:
        raise _not_bound(settings) from None
    previous = os.environ.get(WORKER_ENV)
    os.environ[WORKER_ENV] = settings_to_json(settings, store_url)
    try:
        _announce(settings, announce)
        Multiprocess(config, sockets=[sock]).run()  # stops its workers on SIGINT or SIGTERM
    finally:
        sock.close()
        if previous is None:
            os.environ.pop(WORKER_ENV, None)
        else:
            os.environ[WORKER_ENV] = previous


def _not_bound(settings: ServerSettings) -> ConfigError:
    return ConfigError(
        f"Could not serve on {settings.host}:{settings.port} (is the port in use, "
        "or the address not this machine's?)."
    )


def _stopped(signum: int, frame: FrameType | None) -> None:
    """What a stop signal does once uvicorn has shut down gracefully: nothing more."""


def serve(
    settings: ServerSettings,
    store_url: str | None = None,
    *,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve the store at ``store_url`` (as :func:`assay.open_store` takes it) until stopped.

    ``announce`` is called with the server's URL once the settings are checked and the store
    is open, before the first connection is accepted. With ``settings.workers`` above 1,
    that many worker processes share the listening socket, each with the store opened
    itself.
    """
    import uvicorn

    from assay.server._app import create_app
    from assay.storage import open_store

    check_settings(settings)
    if settings.workers > 1:
        _serve_workers(settings, store_url, announce)
        return
    with open_store(store_url) as store:
        app = create_app(store, settings)
        log_access()
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            access_log=False,  # the application writes its own, without secrets
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=GRACEFUL_SECONDS,
            server_header=False,
        )
        server = uvicorn.Server(config)
        settle()
        _announce(settings, announce)
        previous = {}
        if threading.current_thread() is threading.main_thread():
            # uvicorn re-raises the stop signal after shutting down; with these handlers that
            # ends the process normally (exit 0) instead of by the signal
            previous = {s: signal.signal(s, _stopped) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            server.run()
        except SystemExit:  # uvicorn exits when it cannot bind: say so as an assay error
            if server.started:
                raise
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if not server.started:
            raise _not_bound(settings)
