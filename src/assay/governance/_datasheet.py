"""Datasheets for suites: the questions of Gebru et al. (2021), answered where data can.

Each answer says where it came from: ``catalog`` (the suite's catalog facts, written by its
owner, and the licence its source names), ``computed`` (counted from the examples, see
:mod:`._datasheet_facts`), ``store`` (what the store holds about the suite: its versions and
the models run on it) or ``person`` (no data answers it; the datasheet leaves it marked for a
person to write).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assay._util import check_instance, plural
from assay.core import Suite
from assay.governance._datasheet_facts import DatasheetFacts

__all__ = ["Datasheet", "DatasheetAnswer", "DatasheetSection", "build_datasheet"]

_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
Source = Literal["catalog", "computed", "store", "person"]


class DatasheetAnswer(BaseModel):
    """One question of the datasheet and its answer."""

    model_config = _CONFIG

    question: str
    """The question, in the words of the datasheet."""
    answer: str | None
    """The answer, ``None`` when it is left for a person."""
    source: Source
    """``catalog``, ``computed``, ``store`` or ``person`` (unanswered)."""


class DatasheetSection(BaseModel):
    """One part of the datasheet (motivation, composition, ...)."""

    model_config = _CONFIG

    key: str
    """``motivation``, ``composition``, ``collection``, ``preprocessing``, ``uses``,
    ``distribution`` or ``maintenance``."""
    title: str
    """The part's heading."""
    answers: list[DatasheetAnswer]
    """Its questions, in order."""


class Datasheet(BaseModel):
    """A suite's datasheet: catalog facts and computed facts, with the rest left marked."""

    model_config = _CONFIG

    suite: str
    """The suite's name."""
    version: str
    """Its version label."""
    digest: str
    """Its content digest."""
    description: str
    """What it evaluates."""
    facts: DatasheetFacts
    """Everything counted from the examples."""
    sections: list[DatasheetSection] = Field(default_factory=list)
    """The questions, by part."""
    versions: list[str] = Field(default_factory=list)
    """Digests of every stored version of a suite of this name, oldest first."""
    models: list[str] = Field(default_factory=list)
    """Models with stored runs on this version."""


def _from(text: str) -> tuple[str | None, Source]:
    return (text, "catalog") if text.strip() else (None, "person")


def _pct(part: int, whole: int) -> str:
    return f"{part:,} of {whole:,} ({100 * part / whole:.1f}%)" if whole else "0 of 0"


def _composition(suite: Suite, f: DatasheetFacts) -> list[tuple[str, str | None, Source]]:
    metrics = ", ".join(f"{m.name} ({m.goal} is better)" for m in suite.metrics)
    size = f"{f.n_examples:,} examples"
    if f.n_clusters is not None:
        size += f" in {f.n_clusters:,} clusters (largest {f.largest_cluster:,} examples)"
    if f.slices:
        spread = "; ".join(
            f"{s.attribute}: " + ", ".join(f"{k} {v:,}" for k, v in s.counts.items())
            for s in f.slices
        )
    else:
        spread = "no slice attributes"
    return [
        ("What do the instances represent?", *_from(suite.description)),
        (
            "How many instances are there in total?",
            size + f"; metrics scored: {metrics}",
            "computed",
        ),
        ("Are there subpopulations (slices), and how are they distributed?", spread, "computed"),
        (
            "Is there a label or target associated with each instance?",
            f"references missing for {_pct(f.missing_references, f.n_examples)}; inputs "
            f"missing for {_pct(f.missing_inputs, f.n_examples)}",
            "computed",
        ),
        (
            "Are there any errors, sources of noise, or redundancies in the dataset?",
            f"exact duplicates: {_pct(f.exact_duplicates, f.n_examples)} repeat an earlier "
            f"input ({f.label_conflicts:,} groups of identical inputs disagree on the "
            f"reference); near duplicates: {_pct(f.near_duplicate_examples, f.n_examples)} "
            f"({f.near_duplicate_pairs:,} pairs; "
            f"{_pct(f.near_duplicate_left_out, f.n_examples)} left out: no words). "
            f"Method: {f.duplicate_method}"
            + "".join(f". Integrity check, {finding}" for finding in f.integrity),
            "computed",
        ),
        (
            "Does the dataset contain data that might be considered confidential, offensive "
            "or sensitive?",
            None,
            "person",
        ),
    ]


def build_datasheet(
    suite: Suite,
    facts: DatasheetFacts,
    *,
    versions: list[str] | None = None,
    models: list[str] | None = None,
) -> Datasheet:
    """Answer the datasheet's questions from ``suite``'s catalog and computed ``facts``."""
    check_instance(suite, "suite", "build_datasheet", Suite, "a Suite")
    check_instance(facts, "facts", "build_datasheet", DatasheetFacts, "DatasheetFacts")
    c = suite.catalog
    limits = "; ".join(c.known_limits)
    used = ", ".join(models or [])
    parts: dict[str, tuple[str, list[tuple[str, str | None, Source]]]] = {
        "motivation": (
            "Motivation",
            [
                ("For what purpose was the dataset created?", *_from(c.purpose)),
                ("Who created the dataset, and who answers questions about it?", *_from(c.owner)),
                ("Who funded the creation of the dataset?", None, "person"),
            ],
        ),
        "composition": ("Composition", _composition(suite, facts)),
        "collection": (
            "Collection process",
            [
                ("How was the data associated with each instance acquired?", *_from(c.source)),
                ("What population, languages or time range does it cover?", *_from(c.coverage)),
                ("Were any ethical review processes conducted?", None, "person"),
            ],
        ),
        "preprocessing": (
            "Preprocessing, cleaning and labelling",
            [("Was any preprocessing, cleaning or labelling of the data done?", None, "person")],
        ),
        "uses": (
            "Uses",
            [
                (
                    "What has the dataset been used for?",
                    f"runs of {used} are stored on this version" if used else None,
                    "store" if used else "person",
                ),
                (
                    "Is there anything about its composition or collection that might affect "
                    "future uses, or tasks for which it should not be used?",
                    *_from(limits),
                ),
            ],
        ),
        "distribution": (
            "Distribution",
            [
                (
                    "Under what licence is the dataset distributed?",
                    *((facts.licence, "catalog") if facts.licence else (None, "person")),
                ),
                ("Have any third parties imposed restrictions on the data?", None, "person"),
            ],
        ),
        "maintenance": (
            "Maintenance",
            [
                ("Who is maintaining the dataset?", *_from(c.owner)),
                (
                    "Will the dataset be updated, and how are versions told apart?",
                    f"{plural(len(versions or []), 'version')} of {suite.name!r} "
                    f"{'is' if len(versions or []) == 1 else 'are'} stored, each identified "
                    "by its content digest",
                    "store",
                ),
                ("How will updates be communicated to users?", None, "person"),
            ],
        ),
    }
    sections = [
        DatasheetSection(
            key=key,
            title=title,
            answers=[DatasheetAnswer(question=q, answer=a, source=s) for q, a, s in items],
        )
        for key, (title, items) in parts.items()
    ]
    return Datasheet(
        suite=suite.name,
        version=suite.version,
        digest=suite.digest,
        description=suite.description,
        facts=facts,
        sections=sections,
        versions=list(versions or []),
        models=list(models or []),
    )
