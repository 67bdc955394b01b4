"""The registry's entry-point lookup: installed packages read through importlib.metadata, which
is skipped only when no installed package's ``entry_points.txt`` names the group."""

from __future__ import annotations

import importlib.metadata
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

import assay._util._registry as registry_module
from assay._util import Registry

PLUGIN = """
def shout(text):
    return text.upper()

def whisper(text):
    return text.lower()
"""


def _site(tmp_path: Path, module: str, entry_points: str) -> Path:
    """A folder with one installed distribution (``plugin``) and its module."""
    site = tmp_path / "site"
    info = site / "voice_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: voice-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    (site / f"{module}.py").write_text(textwrap.dedent(PLUGIN))
    (site / f"{module}_quiet.py").write_text(
        f"import {module} as plugin\n\nplugin.REGISTRY.add('murmur', plugin.whisper)\n"
    )
    return site


def test_an_installed_plug_in_is_found_and_a_name_registered_in_code_still_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = f"voice_plugin_{tmp_path.name.replace('-', '_')}"
    site = _site(
        tmp_path,
        module,
        f"""
        [console_scripts]
        voice = {module}:shout

        [assay.voices_{tmp_path.name.replace("-", "_")}]
        shout = {module}:shout
        whisper = {module}:whisper
        quiet = {module}_quiet
        """,
    )
    group = f"assay.voices_{tmp_path.name.replace('-', '_')}"
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    assert registry_module._maybe_declared(group)
    assert [ep.name for ep in registry_module.entry_points(group=group)] == [
        "shout",
        "whisper",
        "quiet",
    ]
    reg: Registry[object] = Registry("voice", group=group)
    built_in = object()
    reg.add("shout", built_in)  # registered in code, as a built-in is
    plugin = importlib.import_module(module)
    plugin.REGISTRY = reg  # where the module entry point registers
    assert reg.get("shout") is built_in
    assert reg.get("whisper") is plugin.whisper
    assert reg.names() == ["murmur", "shout", "whisper"]
    for name in (module, f"{module}_quiet"):
        sys.modules.pop(name, None)


def test_a_group_no_installed_package_names_is_not_read_through_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = f"voice_plugin_b_{tmp_path.name.replace('-', '_')}"
    # the group's name appears only inside another group's entry: still read, to be sure
    site = _site(tmp_path, module, f"[console_scripts]\nassay.silence = {module}:shout\n")
    monkeypatch.setattr(sys, "path", [str(site), str(tmp_path / "absent")])
    importlib.invalidate_caches()
    assert not registry_module._maybe_declared("assay.voices")
    assert list(registry_module.entry_points(group="assay.voices")) == []
    assert registry_module._maybe_declared("assay.silence")
    assert list(registry_module.entry_points(group="assay.silence")) == []
    assert [ep.name for ep in registry_module.entry_points(group="console_scripts")] == [
        "assay.silence"
    ]


def test_every_group_installed_here_is_read_and_unknown_ones_are_empty() -> None:
    # the check may only say "none" where importlib.metadata itself finds none
    groups = {ep.group for dist in importlib.metadata.distributions() for ep in dist.entry_points}
    for group in sorted(groups | {"assay.metrics", "assay.scorers", "assay.adapters", "x"}):
        expected = list(importlib.metadata.entry_points(group=group))
        assert list(registry_module.entry_points(group=group)) == expected, group
        if expected:
            assert registry_module._maybe_declared(group), group


def test_a_zip_file_on_the_path_or_another_finder_is_left_to_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("z_plugin-1.0.dist-info/entry_points.txt", "[assay.zipped]\nz = os:getcwd\n")
        zf.writestr("z_plugin-1.0.dist-info/METADATA", "Name: z-plugin\nVersion: 1.0\n")
    monkeypatch.setattr(sys, "path", [str(archive)])
    importlib.invalidate_caches()
    assert registry_module._maybe_declared("assay.zipped")
    assert [ep.value for ep in registry_module.entry_points(group="assay.zipped")] == ["os:getcwd"]

    class Finder:
        @staticmethod
        def find_distributions(context: object = None) -> list[object]:
            return []

    monkeypatch.setattr(sys, "path", [])
    assert not registry_module._maybe_declared("assay.zipped")
    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    assert registry_module._maybe_declared("assay.zipped")
