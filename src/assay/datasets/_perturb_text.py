"""Seeded perturbations of one text: typos, casing, whitespace, punctuation, synonyms, distractors.

Each function takes the text and a NumPy generator and returns the perturbed text, which
may equal the input when the text offers nothing to perturb (no word long enough for a
typo, no word in the synonym list). The synonym pairs and distractor sentences are the
shipped files ``data/synonyms.tsv`` and ``data/distractors.txt`` (curated for assay, CC0;
their headers say how).
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import numpy as np

__all__ = [
    "TEXT_PERTURBATIONS",
    "distractors",
    "perturb_text",
    "synonyms",
]

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_PUNCT = re.compile(r"[.,;:!?]")
_END = (".", "!", "?")


def _data_lines(name: str) -> list[str]:
    raw = resources.files("assay.datasets").joinpath("data", name).read_text("utf-8")
    return [line for line in raw.splitlines() if line.strip() and not line.startswith("#")]


@functools.cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Lower-case word -> its synonyms, from the shipped pairs (each pair used both ways)."""
    found: dict[str, list[str]] = {}
    for line in _data_lines("synonyms.tsv"):
        a, b = line.split("\t")
        found.setdefault(a, []).append(b)
        found.setdefault(b, []).append(a)
    return {word: tuple(sorted(set(alts))) for word, alts in found.items()}


@functools.cache
def distractors() -> tuple[str, ...]:
    """The shipped neutral distractor sentences."""
    return tuple(_data_lines("distractors.txt"))


def _typo(text: str, rng: np.random.Generator) -> str:
    # one typo per ten words or part of ten, in words of four letters or more: two inner
    # letters swapped, or one inner letter dropped
    words = [m for m in _WORD.finditer(text) if len(m.group()) >= 4]
    if not words:
        return text
    count = max(1, len(_WORD.findall(text)) // 10)
    chosen = sorted(rng.choice(len(words), size=min(count, len(words)), replace=False))
    out, last = [], 0
    for index in chosen:
        m = words[int(index)]
        w = m.group()
        i = int(rng.integers(1, len(w) - 2)) if len(w) > 3 else 1
        if rng.random() < 0.5 and w[i] != w[i + 1]:
            new = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        else:
            new = w[:i] + w[i + 1 :]
        out.append(text[last : m.start()] + new)
        last = m.end()
    return "".join(out) + text[last:]


def _casing(text: str, rng: np.random.Generator) -> str:
    options = [t for t in (text.lower(), text.upper(), text.swapcase()) if t != text]
    return options[int(rng.integers(0, len(options)))] if options else text


def _whitespace(text: str, rng: np.random.Generator) -> str:
    # a space doubled or turned into a tab at about one gap in five, and a padded end
    parts = text.split(" ")
    gaps = [" " if rng.random() >= 0.2 else ("  " if rng.random() < 0.5 else "\t") for _ in parts]
    joined = "".join(p + g for p, g in zip(parts, gaps[:-1], strict=False)) + parts[-1]
    return joined + " " * int(rng.integers(1, 3))


def _punctuation(text: str, rng: np.random.Generator) -> str:
    marks = list(_PUNCT.finditer(text))
    if marks and rng.random() < 0.5:
        keep = rng.random(len(marks)) >= 0.5
        if keep.all():
            keep[int(rng.integers(0, len(marks)))] = False
        out, last = [], 0
        for m, kept in zip(marks, keep, strict=True):
            out.append(text[last : m.start()] + (m.group() if kept else ""))
            last = m.end()
        return "".join(out) + text[last:]
    stripped = text.rstrip()
    end = _END[int(rng.integers(0, len(_END)))]
    if stripped.endswith(_END):
        return stripped[:-1] + end * 2
    return stripped + end


def _synonym(text: str, rng: np.random.Generator) -> str:
    table = synonyms()
    found = [m for m in _WORD.finditer(text) if m.group().lower() in table]
    if not found:
        return text
    count = max(1, len(found) // 2)
    chosen = sorted(rng.choice(len(found), size=count, replace=False))
    out, last = [], 0
    for index in chosen:
        m = found[int(index)]
        w = m.group()
        alts = table[w.lower()]
        new = alts[int(rng.integers(0, len(alts)))]
        if w.isupper() and len(w) > 1:
            new = new.upper()
        elif w[0].isupper():
            new = new[0].upper() + new[1:]
        out.append(text[last : m.start()] + new)
        last = m.end()
    return "".join(out) + text[last:]


def _distractor(text: str, rng: np.random.Generator) -> str:
    pool = distractors()
    sentence = pool[int(rng.integers(0, len(pool)))]
    return f"{text.rstrip()} {sentence}" if rng.random() < 0.5 else f"{sentence} {text.lstrip()}"


TEXT_PERTURBATIONS = {
    "typo": _typo,
    "casing": _casing,
    "whitespace": _whitespace,
    "punctuation": _punctuation,
    "synonym": _synonym,
    "distractor": _distractor,
}
"""Kind -> function of (text, generator); ``choice_order`` acts on choices, not on text."""


def perturb_text(text: str, kind: str, rng: np.random.Generator) -> str:
    """``text`` perturbed by ``kind`` (one of :data:`TEXT_PERTURBATIONS`)."""
    return TEXT_PERTURBATIONS[kind](text, rng)
