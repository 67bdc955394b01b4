"""User-facing counts agree with their nouns: "1 rule", "2 rules", never "rule(s)"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import assay
from assay._util import plural as cli_plural
from assay.reports._format import plural

SRC = Path(assay.__file__).parent


@pytest.mark.parametrize("fn", [plural, cli_plural])
def test_plural_agrees_with_the_count(fn) -> None:  # type: ignore[no-untyped-def]
    assert fn(1, "rule") == "1 rule"
    assert fn(0, "rule") == "0 rules"
    assert fn(2_500, "blocking rule") == "2,500 blocking rules"
    assert fn(2, "field differs", "fields differ") == "2 fields differ"


@pytest.mark.parametrize("package", ["cli", "reports", "compare", "importers", "demo"])
def test_no_s_in_parentheses_in_user_facing_text(package: str) -> None:
    """No "(s)" inside a string literal of the packages that write to people."""
    pattern = re.compile(r"""["'][^"'\n]*\w\(s\)[^"'\n]*["']""")
    found = [
        f"{path.relative_to(SRC)}: {m.group(0)}"
        for path in (SRC / package).rglob("*.py")
        for m in pattern.finditer(path.read_text())
    ]
    assert found == []
