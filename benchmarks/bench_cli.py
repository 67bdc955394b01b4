"""Whole-process timings of the installed ``assay`` command, the way a user feels them.

Workload: the Adult demo's store (``assay demo`` in a temporary folder: two runs of 15,060
examples with latency timing groups), then, each as a fresh process, median of ``--repeat``:

* ``assay --help``, ``assay runs list``, ``assay runs show CANDIDATE`` and ``assay runs diff
  BASELINE CANDIDATE`` (start-up: what the command imports and opens; the runs commands read
  an embedded store with sqlite3); ``assay decisions list`` and ``assay ledger verify`` (the
  same for commands that open the store whole, with its typed models);
* ``assay compare BASELINE CANDIDATE`` (every metric × slice, paired, 2,000 resamples), with
  the process's peak resident memory;
* ``assay gate BASELINE CANDIDATE`` (the same comparison at the default policy's confidence,
  judged by it) and ``assay report BASELINE CANDIDATE -o DIR`` (that, and the HTML and
  Markdown reports and the memo written).

References measured in the same run: a bare interpreter start (``python -c pass``, the floor of
any Python command) and, for ``compare``, a process that reads both runs' record files with
pyarrow and exits (the cost of reading the data once).

Every command runs once untimed first, with bytecode caching on (``PYTHONDONTWRITEBYTECODE``
removed from the environment), so the timed processes start the way an installed package does:
from compiled modules, with the operating system's file cache warm. The command is a script
written as pip writes a virtual environment's ``bin/assay`` (the ``assay.cli:script`` entry
point; a tree from before that entry point runs ``assay.cli:main``, as its own installation
did), run by the running interpreter, not a version manager's shim, whose own start-up would
be timed too. Beside the wall time, the processes' CPU seconds (user + system), which a busy
machine disturbs less.

Every ``assay`` command runs with this checkout's ``src`` first on ``PYTHONPATH``, so the
package timed is the one beside this script. With ``--against SRC`` (the ``src`` folder of
another checkout, e.g. an earlier commit's ``git archive HEAD~1 src | tar -x -C /tmp/before``),
every ``assay`` command is also timed with that package first on ``PYTHONPATH``, one process
of each in turn, so a before/after pair shares the machine's load.

    python benchmarks/bench_cli.py              # median of 5
    python benchmarks/bench_cli.py --repeat 3
    python benchmarks/bench_cli.py --against /tmp/before/src
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

THIS = str(Path(__file__).resolve().parents[1] / "src")
"""This checkout's package, first on ``PYTHONPATH`` for every ``assay`` command timed (the
command alone would import whichever assay the interpreter finds from the temporary folder)."""

READ_BOTH = """
import sys, pyarrow.parquet as pq
for path in sys.argv[1:]:
    pq.ParquetFile(path).read()
"""
"""The reference read: ``ParquetFile.read`` (``pq.read_table`` would also import pandas, through
pyarrow's dataset layer, and make the reference ~0.5 s slower than the read itself)."""


LAUNCHER = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
try:
    from assay.cli import script as entry
except ImportError:  # a tree from before the script entry point
    from assay.cli import main as entry
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(entry())
"""
"""The ``assay`` command as pip installs it, for the tree first on ``PYTHONPATH``."""


def _env(src: str | None = THIS) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    return env


def timed(
    argv: list[str], cwd: Path, repeat: int, sources: list[str | None]
) -> list[tuple[float, float, int]]:
    """Per source: median wall and CPU seconds over ``repeat`` fresh processes (the sources
    taking turns), and the largest peak RSS (KB)."""
    times: list[list[float]] = [[] for _ in sources]
    cpu: list[list[float]] = [[] for _ in sources]
    peak = [0 for _ in sources]
    for attempt in range(repeat + 1):
        for i, src in enumerate(sources):
            start = time.perf_counter()
            done = subprocess.run(
                ["/usr/bin/time", "-f", "%M %U %S", *argv],
                cwd=cwd,
                capture_output=True,
                text=True,
                env=_env(src),
            )
            if done.returncode not in (0, 1, 2):
                raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
            kb, user, system = done.stderr.strip().splitlines()[-1].split()
            peak[i] = max(peak[i], int(kb))
            if attempt > 0:  # the first run compiles and caches; it is not timed
                times[i].append(time.perf_counter() - start)
                cpu[i].append(float(user) + float(system))
    return [
        (statistics.median(t), statistics.median(c), p)
        for t, c, p in zip(times, cpu, peak, strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="processes per command (median)")
    parser.add_argument("--against", help="another checkout's src folder, timed in turn")
    args = parser.parse_args()
    if not Path("/usr/bin/time").exists():
        raise SystemExit("needs /usr/bin/time")
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        cwd = Path(folder)
        launcher = cwd / "bin" / "assay"
        launcher.parent.mkdir()
        launcher.write_text(LAUNCHER.format(python=sys.executable))
        launcher.chmod(0o755)
        assay = str(launcher)
        demo = subprocess.run(
            [assay, "demo", "--json"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
            env=_env(),
        )
        result = json.loads(demo.stdout)
        baseline = result["baseline"]["run"]["run_id"]
        candidate = result["candidate"]["run"]["run_id"]
        records = sorted(str(p) for p in (cwd / ".assay").rglob("*.parquet"))
        py = sys.executable
        rows = [
            ("python -c pass (interpreter floor)", [py, "-c", "pass"]),
            ("assay --help", [assay, "--help"]),
            ("assay runs list", [assay, "runs", "list"]),
            ("assay runs show CAND", [assay, "runs", "show", candidate]),
            ("assay runs diff BASE CAND", [assay, "runs", "diff", baseline, candidate]),
            ("assay decisions list", [assay, "decisions", "list"]),
            ("assay ledger verify", [assay, "ledger", "verify"]),
            ("read both record files (pyarrow)", [py, "-c", READ_BOTH, *records]),
            ("assay compare BASE CAND", [assay, "compare", baseline, candidate]),
            ("assay gate BASE CAND", [assay, "gate", baseline, candidate]),
            ("assay report BASE CAND", [assay, "report", baseline, candidate, "-o", "out"]),
        ]
        measured: dict[str, tuple[float, float, int]] = {}
        for label, argv in rows:
            if argv[0] != assay or args.against is None:
                source = THIS if argv[0] == assay else None
                measured[label] = timed(argv, cwd, args.repeat, [source])[0]
                continue
            this, other = timed(argv, cwd, args.repeat, [THIS, args.against])
            measured[label], measured[f"{label} (--against)"] = this, other
    floor = measured["python -c pass (interpreter floor)"][0]
    read = measured["read both record files (pyarrow)"][0]
    print(f"median of {args.repeat} fresh processes, {os.cpu_count()} CPUs")
    print(f"{'command':40} {'seconds':>8} {'CPU s':>6} {'peak MB':>8}  ratio")
    for label, (seconds, cpu, peak_kb) in measured.items():
        ratio = ""
        if label.startswith(("assay --help", "assay runs", "assay decisions", "assay ledger")):
            ratio = f"{seconds / floor:.1f}x the interpreter start"
        elif label.startswith(("assay compare", "assay gate", "assay report")):
            ratio = f"{seconds / read:.1f}x reading the records"
        print(f"{label:40} {seconds:8.3f} {cpu:6.2f} {peak_kb / 1024:8.0f}  {ratio}")


if __name__ == "__main__":
    main()
