"""Model references parsed from the command line: NAME@VERSION, nothing hidden."""

from __future__ import annotations

import pytest

from assay.core import ModelRef
from assay.errors import ConfigError


@pytest.mark.parametrize(
    "text", ["m\n", "m@1\n", "m@ 1", "m@1 ", "m@", "@1", "", "m@\x1b[31m", "m\x00", "m@1\t", "a b"]
)
def test_malformed_model_references_are_refused(text):
    with pytest.raises(ConfigError, match="NAME@VERSION"):
        ModelRef.parse(text)


def test_a_long_reference_is_quoted_briefly():
    with pytest.raises(ConfigError, match=r"… \(10,000 characters\)") as err:
        ModelRef.parse("m" * 10_000)
    assert len(str(err.value)) < 300


@pytest.mark.parametrize(
    ("text", "name", "version"),
    [("m", "m", "unversioned"), ("org/m:q4@v1.2 rc", "org/m:q4", "v1.2 rc"), ("m@a@b", "m", "a@b")],
)
def test_well_formed_references_parse(text, name, version):
    ref = ModelRef.parse(text)
    assert (ref.name, ref.version) == (name, version)
