"""The peak resident memory of this process, in MiB.

On Linux it is ``VmHWM`` from ``/proc/self/status``: the process's own peak. ``ru_maxrss``
is not used there because across ``exec`` it can carry the parent's peak (a fresh child of a
parent holding 1.5 GB reads 1.5 GB). Elsewhere ``ru_maxrss`` (bytes on macOS, KiB otherwise).
"""

from __future__ import annotations

import resource
import sys

__all__ = ["peak_mib"]


def peak_mib() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20
