"""Every model's field descriptions and JSON schema are the same with assay's reading of the
field docstrings as with pydantic's own (each built in a fresh interpreter)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic._internal import _docs_extraction

import assay
from assay.core import _docstrings

SRC = Path(assay.__file__).resolve().parents[1]

DUMP = """
import importlib, json, sys
import pydantic
from pydantic._internal import _docs_extraction, _fields
searched = []  # classes pydantic's own stack search read
original = _docs_extraction._extract_source_from_frame
def counted(cls):
    searched.append(cls.__module__ + "." + cls.__qualname__)
    return original(cls)
_docs_extraction._extract_source_from_frame = counted
if sys.argv[1] == "pydantic":  # leave pydantic's reading in place
    _fields.extract_docstrings_from_cls.assay = True
modules = []
for name in json.loads(sys.argv[2]):
    try:
        modules.append(importlib.import_module(name))
    except ImportError:  # an optional dependency missing: the same in both interpreters
        pass
models = {}
for module in modules:
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, pydantic.BaseModel)
            and value.__module__.startswith("assay.")
        ):
            key = value.__module__ + "." + value.__qualname__
            models[key] = {
                "descriptions": {k: f.description for k, f in value.model_fields.items()},
                "schema": value.model_json_schema(),
            }
print(json.dumps({"models": models, "searched": searched}, sort_keys=True))
"""


def _modules_with_documented_fields() -> list[str]:
    names = []
    for path in sorted((SRC / "assay").rglob("*.py")):
        if "use_attribute_docstrings" in path.read_text(encoding="utf-8"):
            parts = path.relative_to(SRC).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _dump(reader: str, modules: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", DUMP, reader, json.dumps(modules)],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_field_descriptions_and_schemas_are_pydantics_own():
    modules = _modules_with_documented_fields()
    assert "assay.core.suite" in modules and "assay.core.comparison" in modules
    ours, theirs = _dump("assay", modules), _dump("pydantic", modules)
    assert ours["models"] == theirs["models"]
    assert len(ours["models"]) > 20
    if sys.version_info < (3, 13):  # from 3.13 pydantic reads the class's own lines instead
        # the models really were read both ways: pydantic searched the stack for every class
        # in its own reading, for none in ours
        assert len(theirs["searched"]) >= len(ours["models"])
        assert not [c for c in ours["searched"] if c.startswith("assay.")]
    # and the descriptions are the docstrings under the fields
    suite = ours["models"]["assay.core.suite.Suite"]["descriptions"]
    documented = [d for d in suite.values() if d]
    assert len(documented) >= 3 and all(isinstance(d, str) for d in documented)


SPACED = '''from pydantic import BaseModel, ConfigDict


class Spaced(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)
    x: int
    """First paragraph.
{spaces}
    Second paragraph."""
'''


def test_a_line_of_spaces_in_a_field_docstring_reads_as_pydantic_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pydantic empties such a line (textwrap.dedent of the class's lines): so must assay
    (tmp_path / "_spaced_fields.py").write_text(SPACED.format(spaces=" " * 8), encoding="utf-8")
    monkeypatch.setattr(assay, "__path__", [*assay.__path__, str(tmp_path)])
    try:
        spaced = importlib.import_module("assay._spaced_fields").Spaced
        theirs = _docs_extraction.extract_docstrings_from_cls(spaced, use_inspect=True)
    finally:
        sys.modules.pop("assay._spaced_fields", None)
    assert spaced.model_fields["x"].description == theirs["x"]
    assert theirs["x"] == "First paragraph.\n\nSecond paragraph."


def test_a_reader_that_fails_leaves_the_field_to_pydantics_own_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a pydantic whose internals changed must cost speed, never an import of assay
    def broken(*args: object) -> None:
        raise AttributeError("not the visitor this reader knows")

    monkeypatch.setattr(_docstrings, "_class_at", broken)
    (tmp_path / "_broken_reader.py").write_text(SPACED.format(spaces=""), encoding="utf-8")
    monkeypatch.setattr(assay, "__path__", [*assay.__path__, str(tmp_path)])
    try:
        spaced = importlib.import_module("assay._broken_reader").Spaced
    finally:
        sys.modules.pop("assay._broken_reader", None)
    assert spaced.model_fields["x"].description == "First paragraph.\n\nSecond paragraph."


NESTED = '''from pydantic import BaseModel, ConfigDict


class Outer(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)
    y: int
    """Outer field."""


class Cut(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)
    z: int
    """Starts indented,
ends in the first column."""
    w: int
    """After that line."""


def make():
    class Inner(BaseModel):
        model_config = ConfigDict(use_attribute_docstrings=True)
        x: int
        """Inner field,
        on two lines."""

    return Inner
'''


def test_models_read_from_the_whole_file_read_their_docstrings_as_pydantic_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a module-level class is read from its own lines; one nested in a function, or one whose
    # lines do not parse alone (a line in the first column inside a string), from the module's
    # whole tree: without pydantic's own search of the stack, to the same docstrings
    searched: list[str] = []
    search = _docs_extraction._extract_source_from_frame

    def counted(cls: type) -> list[str] | None:
        searched.append(cls.__qualname__)
        return search(cls)

    monkeypatch.setattr(_docs_extraction, "_extract_source_from_frame", counted)
    (tmp_path / "_nested_fields.py").write_text(NESTED, encoding="utf-8")
    monkeypatch.setattr(assay, "__path__", [*assay.__path__, str(tmp_path)])
    try:
        module = importlib.import_module("assay._nested_fields")
        inner = module.make()
        assert searched == [] or sys.version_info >= (3, 13)
        theirs = _docs_extraction.extract_docstrings_from_cls(inner, use_inspect=True)
        cut = _docs_extraction.extract_docstrings_from_cls(module.Cut, use_inspect=True)
    finally:
        sys.modules.pop("assay._nested_fields", None)
    assert module.Outer.model_fields["y"].description == "Outer field."
    assert {k: f.description for k, f in module.Cut.model_fields.items()} == cut
    assert cut == {"z": "Starts indented,\nends in the first column.", "w": "After that line."}
    assert inner.model_fields["x"].description == theirs["x"] == "Inner field,\non two lines."
