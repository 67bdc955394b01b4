"""The layout is the architecture: every package is in the layer contract, and packages meet
only through each other's public faces."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import assay

SRC = Path(assay.__file__).parent
PYPROJECT = SRC.parent.parent / "pyproject.toml"


def _packages() -> set[str]:
    return {f"assay.{p.name}" for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def _layers() -> set[str]:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    layered = next(c for c in config if c["type"] == "layers")
    names: set[str] = set()
    for layer in layered["layers"]:
        names.update(part.strip() for part in layer.replace(":", "|").split("|"))
    return names


def test_every_package_is_in_the_layer_contract():
    assert _packages() - _layers() == set()
    assert _layers() - _packages() - {"assay.errors"} == set()


def test_nothing_loose_in_the_package_root_but_the_facade():
    loose = {p.name for p in SRC.glob("*.py")}
    assert loose == {"__init__.py", "__main__.py", "errors.py"}


def _package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _private_imports() -> list[str]:
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        here = ".".join(rel.parts)
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
                continue
            if not node.module.startswith("assay."):
                continue
            target = node.module
            if _package_of(target) == _package_of(here):
                continue
            parts = target.split(".")[1:]
            if parts[0] == "_util":  # the shared toolbox is private to assay, public inside it
                parts = parts[1:]
            private_module = any(part.startswith("_") for part in parts)
            private_names = [a.name for a in node.names if a.name.startswith("_")]
            if private_module or private_names:
                found.append(f"{here}:{node.lineno} imports {target} {private_names or ''}")
    return sorted(found)


def test_packages_meet_only_through_public_faces():
    assert _private_imports() == []
