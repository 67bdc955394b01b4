"""The package's names and its public subpackage, in a fresh interpreter, whether or not
anything imported the modules that define them first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": SRC, "PATH": ""},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_bootstrap_subpackage_is_an_attribute_of_the_package() -> None:
    done = _run(
        "import assay.stats\n"
        "boot = assay.stats.bootstrap\n"
        "import assay.stats.bootstrap as direct\n"
        "assert boot is direct\n"
        "assert boot.paired_bootstrap is assay.stats.paired_bootstrap\n"
        "assert 'bootstrap' in dir(assay.stats)\n"
    )
    assert done.returncode == 0, done.stderr


def test_every_public_name_is_the_defining_module_s() -> None:
    done = _run(
        "import importlib, assay.stats as s\n"
        "for name in s.__all__:\n"
        "    value = getattr(s, name)\n"
        "    ns = {}\n"
        "    exec(f'from assay.stats import {name}', ns)\n"
        "    assert ns[name] is value, name\n"
        "assert not hasattr(s, 'no_such_name')\n"
    )
    assert done.returncode == 0, done.stderr
