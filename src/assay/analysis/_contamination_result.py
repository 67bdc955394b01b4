"""What a contamination search found: per example, its parameters, the corpus it searched."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assay.stats import Estimate

__all__ = [
    "ContaminationEffect",
    "ContaminationParameters",
    "ContaminationResult",
    "ExampleContamination",
    "Status",
]

Status = Literal["contaminated", "clean", "undetectable"]


@dataclass(frozen=True)
class ContaminationParameters:
    """How the search was made (all of it goes into the manifest)."""

    n: int
    """Words per n-gram of the exact search (13, as lm-evaluation-harness's janitor)."""
    near_threshold: float | None
    """Jaccard similarity of word-shingle sets at or above which a corpus document is a near
    duplicate of an example; ``None`` when near duplicates were not searched."""
    shingle: int
    """Words per shingle of the near-duplicate search."""
    num_perm: int
    """MinHash permutations (``bands × rows``)."""
    bands: int
    """LSH bands."""
    rows: int
    """Rows (permutations) per band."""
    seed: int
    """Seed of the MinHash permutations."""
    text_field: str
    """The JSONL field or Parquet column holding a corpus document's text."""
    max_line_bytes: int
    """Longest corpus line read; longer ones are counted and skipped."""
    normalisation: str = "NFKC, case folding, every Unicode punctuation character removed"
    """What both sides went through before comparison."""


@dataclass(frozen=True)
class ExampleContamination:
    """One example's finding."""

    example_id: str
    """The example."""
    status: Status
    """``contaminated`` (an n-gram or a near duplicate found), ``clean`` (searched, nothing
    found) or ``undetectable`` (fewer words than ``n`` and no near duplicate, or no text: an
    absence of evidence that is not evidence of absence)."""
    words: int
    """Words of the example after normalisation."""
    ngram_hits: int
    """Corpus n-gram occurrences equal to one of the example's n-grams."""
    best_jaccard: float | None
    """Highest verified Jaccard similarity to a retrieved corpus document, ``None`` if none."""


@dataclass(frozen=True)
class ContaminationEffect:
    """A run's metric on contaminated against clean examples."""

    metric: str
    """The metric compared."""
    contaminated: Estimate
    """Its mean on contaminated examples."""
    clean: Estimate
    """Its mean on clean examples."""
    difference: Estimate
    """Contaminated minus clean (Welch's interval for a difference of independent means)."""
    undetectable: int
    """Examples in neither group."""


@dataclass(frozen=True)
class ContaminationResult:
    """Every example's status, with the search's parameters and the corpus read."""

    suite: str
    """The suite's name."""
    suite_digest: str
    """Its content digest."""
    examples: tuple[ExampleContamination, ...]
    """One finding per example, in suite order."""
    parameters: ContaminationParameters
    """How the search was made."""
    corpus_files: tuple[str, ...]
    """The corpus files, in the order read."""
    corpus_digest: str
    """SHA-256 over the files' stored bytes."""
    corpus_documents: int
    """Documents searched."""
    corpus_bytes: int
    """Bytes read (as stored)."""
    read_problems: dict[str, int]
    """Lines or rows that were too long, badly encoded, not JSON or without text."""
    first_problems: dict[str, str]
    """Where each kind of problem first happened."""
    retrieval_probability: float | None
    """The chance that a document at exactly the near threshold is retrieved by the bands
    (``1 − (1 − t^rows)^bands``); above it more, below it less."""
    method: str
    """The method in words."""
    effect: ContaminationEffect | None = None
    """The run's metric on contaminated against clean examples, when a run was given."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Caveats worth showing next to the numbers."""
    marked_suite: str | None = None
    """Digest of the suite version registered with a ``contamination`` slice, if one was."""

    def count(self, status: Status) -> int:
        """Examples with that status."""
        return sum(e.status == status for e in self.examples)

    def ids(self, status: Status) -> list[str]:
        """Ids of the examples with that status."""
        return [e.example_id for e in self.examples if e.status == status]

    def manifest(self) -> dict[str, Any]:
        """The parameters and the corpus, as stored beside a result."""
        from dataclasses import asdict

        return {
            "detector": asdict(self.parameters),
            "corpus": {
                "files": list(self.corpus_files),
                "digest": self.corpus_digest,
                "documents": self.corpus_documents,
                "bytes": self.corpus_bytes,
                "problems": dict(self.read_problems),
            },
            "suite": {"name": self.suite, "digest": self.suite_digest},
        }
