"""A real Ray cluster on this machine: a head and worker nodes started with ``ray start``.

Every node is started in a session of its own (``start_new_session``), so every process it
runs (GCS, raylet, agents, the workers that run tasks, which make process groups of their
own) is in one session that this object knows: :meth:`LocalRayCluster.stop` ends the
processes of those sessions and nothing else. ``ray stop``
is never used, since it stops every Ray process of the user on the machine, other clusters
included. Ports are chosen free on 127.0.0.1 and the session files live in a temporary
folder of their own, so clusters started side by side do not meet.

Every server of the cluster listens on 127.0.0.1 only (:meth:`LocalRayCluster.listening`
lists them): the nodes are started as ``ray start`` with this machine's address taken to be
127.0.0.1, and while the cluster runs this process's Ray takes it so too (Ray's setting for a
single machine), so that its driver reaches the cluster on loopback.

The nodes use the token authentication mode of this process (``RAY_AUTH_MODE``: after a
local ``ray.init()`` in this process, Ray's ``token``, with the token of
``~/.ray/auth_token`` or ``RAY_AUTH_TOKEN``, which the nodes read too), so that this
process's driver and the nodes accept each other's calls; where it is not set, the nodes run
without authentication (``disabled``, whatever ``~/.ray/auth_token`` holds), as this
process's driver then does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["LocalRayCluster"]

_STOP_WAIT_S = 3.0
# Ray replaces a loopback address wherever it is given (--node-ip-address, --address) by the
# machine's outside address (ray._private.services.resolve_ip_for_localhost), and its servers
# then listen there or on every address. The nodes are started by this launcher, for which
# this machine's address is 127.0.0.1: every server of the cluster listens on loopback only.
_LAUNCHER = (
    "import sys\n"
    "from ray._private import services\n"
    "services.get_node_ip_address = lambda address=None: '127.0.0.1'\n"
    "from ray.scripts.scripts import main\n"
    "sys.argv[0] = 'ray'\n"
    "main()\n"
)
_OBJECT_STORE_BYTES = 256 * 1024 * 1024


def _free_ports(n: int) -> list[int]:
    """``n`` distinct loopback ports nobody listens on (bound together, then released)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _ray_command() -> list[str]:
    """``ray`` of this interpreter's environment, for which this machine is 127.0.0.1."""
    return [sys.executable, "-c", _LAUNCHER]


class LocalRayCluster:
    """A head node and ``workers`` worker nodes of ``cpus`` CPUs each; a context manager.

    ``address`` is the head's GCS address (``127.0.0.1:PORT``), for ``ray.init(address=...)``
    or ``evaluate_suite_ray(..., ray_address=...)``. :meth:`task_pids` finds the processes
    running a task of a given name, to kill one mid-task; :meth:`kill_worker` kills a whole
    worker node; :meth:`listening` lists the sockets the cluster listens on (all on 127.0.0.1).
    """

    def __init__(self, *, workers: int = 1, cpus: int = 1) -> None:
        self.workers = workers
        self.cpus = cpus
        self.address = ""
        self.folder: Path | None = None
        self.sessions: list[int] = []
        """Session of each node's processes: the head first, then the workers."""
        self._single_machine = False

    def _start_node(self, args: list[str], log: str) -> None:
        ports = _free_ports(6)
        names = (
            "--node-manager-port",
            "--object-manager-port",
            "--metrics-export-port",
            "--dashboard-agent-listen-port",
            "--dashboard-agent-grpc-port",
            "--runtime-env-agent-port",
        )
        port_args = [f"{name}={port}" for name, port in zip(names, ports, strict=True)]
        assert self.folder is not None
        with open(self.folder / log, "wb") as out:
            proc = subprocess.Popen(
                [
                    *_ray_command(),
                    "start",
                    *args,
                    f"--num-cpus={self.cpus}",
                    "--disable-usage-stats",
                    f"--object-store-memory={_OBJECT_STORE_BYTES}",
                    *port_args,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # every process of the node: one group, ours
                env=_node_environment(os.environ),
            )
            # the session outlives `ray start` itself: its daemons keep its id
            self.sessions.append(proc.pid)
            code = proc.wait(timeout=180)
        if code != 0:
            text = (self.folder / log).read_text(errors="replace")[-2000:]
            raise RuntimeError(f"ray start failed ({code}):\n{text}")

    def start(self) -> LocalRayCluster:
        """Start the head and the workers; stops what started if one of them fails."""
        # short: Ray's Unix socket paths live under it and must stay under 108 bytes
        self.folder = Path(tempfile.mkdtemp(prefix="ar-", dir="/tmp"))
        self._single_machine = _single_machine(True)
        try:
            gcs, dashboard = _free_ports(2)
            self._start_node(
                [
                    "--head",
                    "--node-ip-address=127.0.0.1",
                    f"--port={gcs}",
                    f"--temp-dir={self.folder}",
                    "--include-dashboard=false",
                    f"--dashboard-port={dashboard}",
                ],
                "head.log",
            )
            self.address = f"127.0.0.1:{gcs}"
            for i in range(self.workers):
                self._start_node([f"--address={self.address}"], f"worker{i}.log")
        except BaseException:
            self.stop()
            raise
        return self

    def kill_worker(self, index: int = 0) -> None:
        """Kill every process of worker node ``index`` with SIGKILL: the node dies."""
        _signal(_members([self.sessions[1 + index]]), signal.SIGKILL)

    def task_pids(self, name: str, node: int | None = None) -> list[int]:
        """Processes running a task named ``name`` (on worker node ``node``, or anywhere)."""
        sessions = self.sessions if node is None else [self.sessions[1 + node]]
        out = []
        for pid in _members(sessions):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as f:
                # Ray sets a worker's title to "ray::<task name>" while it runs the task
                if f.read().startswith(f"ray::{name}".encode()):
                    out.append(pid)
        return out

    def listening(self) -> list[tuple[int, str, int]]:
        """``(pid, address, port)`` of every TCP socket a process of the cluster listens on."""
        found = []
        for pid in _members(self.sessions):
            with contextlib.suppress(OSError):
                table = _listening_sockets(pid)
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    with contextlib.suppress(OSError):
                        link = os.readlink(f"/proc/{pid}/fd/{fd}")
                        if link.startswith("socket:[") and link[8:-1] in table:
                            found.append((pid, *table[link[8:-1]]))
        return found

    def stop(self) -> None:
        """End every process of every node (SIGTERM, then SIGKILL), and remove the folder."""
        _signal(_members(self.sessions), signal.SIGTERM)
        deadline = time.monotonic() + _STOP_WAIT_S
        while _members(self.sessions) and time.monotonic() < deadline:
            time.sleep(0.1)
        _signal(_members(self.sessions), signal.SIGKILL)
        deadline = time.monotonic() + _STOP_WAIT_S
        while _members(self.sessions) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.sessions = []
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
            _single_machine(self._single_machine)

    def __enter__(self) -> LocalRayCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _node_environment(environ: os._Environ[str]) -> dict[str, str]:
    """``environ`` (token settings included), with the folder this ``assay`` was imported from first on the
    nodes' ``PYTHONPATH``: their workers then run the same code as this process."""
    import assay

    source = str(Path(assay.__file__).resolve().parents[1])
    path = [source, *(p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p)]
    return {
        **environ,
        "PYTHONPATH": os.pathsep.join(path),
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_AUTH_MODE": environ.get("RAY_AUTH_MODE") or "disabled",
    }


def _single_machine(on: bool) -> bool:
    """Make this process's Ray take 127.0.0.1 as this machine's address (as on a laptop, where
    Ray runs on one machine), so that its driver reaches a cluster that listens on loopback
    only; the previous setting."""
    from ray._private import ray_constants

    before = not ray_constants.ENABLE_RAY_CLUSTER
    ray_constants.ENABLE_RAY_CLUSTER = not on
    return before


def _listening_sockets(pid: int) -> dict[str, tuple[str, int]]:
    """Listening TCP sockets of ``pid``'s network namespace, by inode: (address, port)."""
    out = {}
    for name in ("tcp", "tcp6"):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/net/{name}") as f:
            for line in f.read().splitlines()[1:]:
                fields = line.split()
                if fields[3] != "0A":  # LISTEN
                    continue
                host, port = fields[1].split(":")
                raw = bytes.fromhex(host)
                # the kernel writes each 32-bit word in host (little-endian) order
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                family = socket.AF_INET if len(words) == 4 else socket.AF_INET6
                out[fields[9]] = (socket.inet_ntop(family, words), int(port, 16))
    return out


def _members(sessions: list[int]) -> list[int]:
    """Live processes of the given sessions (never this process)."""
    wanted = set(sessions)
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if os.getsid(int(entry)) in wanted and not _zombie(int(entry)):
                out.append(int(entry))
    return out


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except OSError:
        return True


def _signal(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
