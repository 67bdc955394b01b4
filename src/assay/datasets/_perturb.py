"""Robustness suites: every example of a suite beside seeded perturbations of it.

A perturbed example keeps its original's reference (for ``choice_order`` the reference is
remapped so that it names the same answer text; a reference that reads both as a choice's
text and as a letter keeps the positions either reading names), its slices and its cluster; original and
perturbed share a cluster (the original's, or else the original's id), so intervals are
clustered by original, and the new slice ``perturbation`` says which is which
(``original`` or the kind). A perturbed example's id is ``<original id>~<kind>``. A
perturbation that leaves an example unchanged (no word in the synonym list, no choices to
shuffle) adds no example; :class:`PerturbedSuite` counts them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assay._util import check_instance, check_int
from assay.data import SuiteData, make_suite
from assay.datasets._perturb_text import TEXT_PERTURBATIONS, perturb_text
from assay.errors import ConfigError, DataError, ParameterError

__all__ = ["PERTURBATION_KINDS", "PerturbedSuite", "perturb_suite"]

PERTURBATION_KINDS = (*TEXT_PERTURBATIONS, "choice_order")
"""Every perturbation kind, in the order a perturbed suite lists them."""
SLICE = "perturbation"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class PerturbedSuite:
    """A robustness suite and what went into it."""

    data: SuiteData
    """The originals and their perturbed copies, with the ``perturbation`` slice."""
    kinds: tuple[str, ...]
    """The perturbation kinds applied."""
    seed: int
    """The seed; the same seed gives the same suite."""
    added: dict[str, int]
    """Kind -> perturbed examples added."""
    unchanged: dict[str, int]
    """Kind -> originals the kind left unchanged (no example added for them)."""
    source_digest: str
    """Digest of the suite that was perturbed."""


def _rng(seed: int, example_id: str, kind: str) -> np.random.Generator:
    # one stream per (seed, example, kind): the suite is the same whatever the example order
    h = hashlib.sha256(f"{seed}\x1f{kind}\x1f{example_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(h[:16], "big"))


def _perturb_input(value: Any, kind: str, rng: np.random.Generator) -> Any:
    if isinstance(value, str):
        return perturb_text(value, kind, rng)
    if isinstance(value, dict):
        # every text field but the answer choices, in key order so the draws are fixed
        return {
            k: perturb_text(v, kind, rng) if isinstance(v, str) and k != "choices" else v
            for k, v in sorted(value.items())
        }
    return value


def _derange(n: int, rng: np.random.Generator) -> np.ndarray:
    """A seeded order of ``n`` positions that is not the identity."""
    order = rng.permutation(n)
    if (order == np.arange(n)).all():
        order = np.roll(order, 1)
    return order


def _shuffle_choices(
    value: Any, reference: Any, rng: np.random.Generator, where: str
) -> tuple[Any, Any]:
    """Choices in a new order and the reference that names the same answer."""
    choices = value.get("choices") if isinstance(value, dict) else None
    if not isinstance(choices, list) or len(choices) < 2:
        return value, reference
    letter = (
        _LETTERS.index(reference)
        if isinstance(reference, str) and reference in _LETTERS[: len(choices)]
        else None
    )
    if reference in choices and not isinstance(reference, int | bool) and letter is not None:
        # read as a text and as a letter (choices "A", "B", ... or a choice "C"): keep every
        # position either reading names, so both still name the same answer
        fixed = {letter, *(i for i, c in enumerate(choices) if c == reference)}
        free = [i for i in range(len(choices)) if i not in fixed]
        if len(free) < 2:
            return value, reference  # nothing can move: the copy is left out as unchanged
        shuffled = list(choices)
        moved = [free[int(i)] for i in _derange(len(free), rng)]
        for at, source in zip(free, moved, strict=True):
            shuffled[at] = choices[source]
        return {**value, "choices": shuffled}, reference
    order = _derange(len(choices), rng)
    shuffled = [choices[int(i)] for i in order]
    new_position = {int(old): new for new, old in enumerate(order)}
    if reference in choices and not isinstance(reference, int | bool):
        new_reference = reference  # the answer text itself: unchanged
    elif isinstance(reference, int) and not isinstance(reference, bool):
        if not 0 <= reference < len(choices):
            raise DataError(
                "a multiple-choice reference index is outside the choices",
                file=where,
                column="reference",
                expected=f"an index in [0, {len(choices)})",
                found=str(reference),
            )
        new_reference = new_position[reference]
    elif letter is not None:
        new_reference = _LETTERS[new_position[letter]]
    else:
        raise DataError(
            "a multiple-choice reference must be a choice's text, its index or its letter",
            file=where,
            column="reference",
            expected=f"one of {len(choices)} choices",
            found=json.dumps(reference)[:80],
        )
    return {**value, "choices": shuffled}, new_reference


def _check_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    if isinstance(kinds, str) or not isinstance(kinds, Sequence) or not kinds:
        raise ParameterError("kinds", "perturb_suite", "a non-empty list of kinds", kinds)
    unknown = [k for k in kinds if k not in PERTURBATION_KINDS]
    if unknown:
        raise ParameterError(
            "kinds", "perturb_suite", f"kinds among {', '.join(PERTURBATION_KINDS)}", unknown[0]
        )
    return tuple(k for k in PERTURBATION_KINDS if k in kinds)


def perturb_suite(
    suite: SuiteData, kinds: Sequence[str] = PERTURBATION_KINDS, *, seed: int = 0
) -> PerturbedSuite:
    """The robustness suite of ``suite``: each example, and its perturbation by each kind.

    Kinds (:data:`PERTURBATION_KINDS`): ``typo`` (one typo per ten words: two inner letters
    swapped or one dropped), ``casing`` (all lower, all upper or swapped case),
    ``whitespace`` (spaces doubled or turned into tabs, padding at the end),
    ``punctuation`` (marks dropped, or the end mark changed or doubled), ``synonym`` (half
    the words found in the shipped synonym list swapped), ``distractor`` (a neutral
    sentence before or after), ``choice_order`` (the ``choices`` of a mapping input
    shuffled, the reference remapped). Text kinds act on a text input, or on every text
    field of a mapping input but ``choices``. The same suite, kinds and seed give the same
    suite (and digest).
    """
    function = "perturb_suite"
    check_instance(suite, "suite", function, SuiteData, "a SuiteData")
    seed = check_int(seed, "seed", function, minimum=0)
    chosen = _check_kinds(kinds)
    s = suite.suite
    if SLICE in s.slice_names:
        raise ConfigError(
            f"Suite {s.name!r} already has a {SLICE!r} slice; perturb the original suite."
        )
    table = suite.examples.to_pylist()
    examples: list[dict[str, Any]] = []
    added = dict.fromkeys(chosen, 0)
    unchanged = dict.fromkeys(chosen, 0)
    for row in table:
        value = None if row["input"] is None else json.loads(row["input"])
        reference = None if row["reference"] is None else json.loads(row["reference"])
        ident = row["example_id"]
        cluster = row["cluster"] if row["cluster"] is not None else ident
        slices = {n: row[n] for n in s.slice_names if row[n] is not None}
        base = {"cluster": cluster, "reference": reference}
        examples.append(
            {**base, "example_id": ident, "slices": {**slices, SLICE: "original"}, "input": value}
        )
        for kind in chosen:
            rng = _rng(seed, ident, kind)
            new_reference = reference
            if kind == "choice_order":
                new_value, new_reference = _shuffle_choices(value, reference, rng, s.name)
            else:
                new_value = _perturb_input(value, kind, rng)
            if new_value == value:
                unchanged[kind] += 1
                continue
            added[kind] += 1
            examples.append(
                {
                    **base,
                    "example_id": f"{ident}~{kind}",
                    "slices": {**slices, SLICE: kind},
                    "input": new_value,
                    "reference": new_reference,
                }
            )
    catalog = s.catalog.model_copy(
        update={
            "known_limits": [
                *s.catalog.known_limits,
                f"perturbed copies ({', '.join(chosen)}, seed {seed}) of suite "
                f"{s.name} {s.digest[:12]}; a copy a kind left unchanged is not included",
            ]
        }
    )
    data = make_suite(
        f"{s.name}-perturbed",
        examples,
        metrics=s.metrics,
        slices=[
            *s.slices,
            {"name": SLICE, "description": "original, or the perturbation kind of the copy"},
        ],
        version=f"{s.version}+perturbed-{'-'.join(chosen)}-seed{seed}".lstrip("+"),
        description=f"{s.description} Robustness copy: originals beside perturbed copies.",
        catalog=catalog,
        task=s.task,
        source=f"perturb_suite({s.name})",
    )
    return PerturbedSuite(data, chosen, seed, added, unchanged, s.digest)
