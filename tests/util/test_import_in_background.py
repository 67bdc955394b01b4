"""A module imported in a thread is there for its first use; a failed import says nothing."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import sys, threading
from assay._util import import_in_background
assert "colorsys" not in sys.modules
import_in_background("colorsys")
import_in_background("assay_no_such_module")
for thread in threading.enumerate():
    if thread.name.startswith("import "):
        thread.join()
print("colorsys" in sys.modules, "assay_no_such_module" in sys.modules)
"""


def test_the_module_is_imported_and_a_missing_one_is_left_for_its_use() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]
    assert done.stderr == ""
