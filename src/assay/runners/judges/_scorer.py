"""Model-graded scores: a judge model grades each record's output against a rubric.

A :class:`ModelGradedScorer` is a rubric (a Jinja :class:`~assay.runners.PromptTemplate`
over the example's fields plus ``output``), a judge (any :class:`AsyncModelAdapter`) and a
mapping from the judge's answer to a score. :func:`grade_records` runs the judges over the
records of a run through the asynchronous runner (concurrency, response cache, per-record
failures) and fills one score column per judged metric.

The judge receives the rendered rubric as its example's ``input``; give the judge adapter no
prompt template of its own (or one that uses ``{{ input }}``). Its answer is either a mapping
with ``"choice"`` (and ``"probs"``, the probability of each choice), as a Hugging Face choice
adapter gives, or text, in which the first choice word found (case-insensitive, whole word)
is the answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Literal

from assay._util import check_choice, check_instance
from assay.errors import ConfigError, DataError, ParameterError
from assay.runners._async_runner import AsyncModelAdapter
from assay.runners._cache import request_key
from assay.runners._scoring import MODEL_GRADED
from assay.runners._tasks import PromptTemplate

__all__ = ["ModelGradedScorer", "ScoreMode"]

ScoreMode = Literal["label", "probability"]
_DEFAULT_CHOICES: Mapping[str, float] = {"Yes": 1.0, "No": 0.0}
_SHOWN_CHARS = 80  # of a judge's unparseable answer, in the record's error


class ModelGradedScorer:
    """A judge model that grades an output by a rubric, and how its answer becomes a score.

    Args:
        rubric: Jinja text or a :class:`PromptTemplate`, rendered over the example's fields
            (:func:`~assay.runners.example_fields`: ``input``, ``reference``, slice values,
            the input's own keys) plus ``output``, the record's output text.
        judge: the judge, any :class:`AsyncModelAdapter` (a Hugging Face adapter with
            ``task="choice"``, an :class:`~assay.runners.OpenAIAdapter`, ...).
        choices: the judge's possible answers and the score of each; ``{"Yes": 1.0,
            "No": 0.0}`` by default.
        score: ``"label"``: the score of the answer the judge gave. ``"probability"``: the
            expected score under the judge's probabilities of the choices, renormalised over
            the choices (for the default choices, the probability of "Yes"); it needs a judge
            that reports ``"probs"``.

    The constructor only stores and checks its arguments.
    """

    def __init__(
        self,
        rubric: str | PromptTemplate,
        judge: AsyncModelAdapter,
        *,
        choices: Mapping[str, float] | None = None,
        score: ScoreMode = "label",
    ) -> None:
        if isinstance(rubric, str):
            rubric = PromptTemplate(rubric)
        where = "ModelGradedScorer"
        check_instance(rubric, "rubric", where, PromptTemplate, "Jinja text or a PromptTemplate")
        check_instance(judge, "judge", where, AsyncModelAdapter, "an AsyncModelAdapter")
        table = dict(_DEFAULT_CHOICES if choices is None else choices)
        if (
            len(table) < 2
            or not all(isinstance(k, str) and k.strip() for k in table)
            or len({k.strip().casefold() for k in table}) != len(table)
            or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                for v in table.values()
            )
        ):
            raise ParameterError(
                "choices",
                where,
                "a map of 2 or more distinct answers (case-insensitive) to finite scores",
                choices,
            )
        check_choice(score, "score", where, ("label", "probability"))
        self.rubric = rubric
        self.judge = judge
        self.choices = {k: float(v) for k, v in table.items()}
        self.score = score
        self._pattern: re.Pattern[str] | None = None

    def describe(self) -> dict[str, Any]:
        """The rubric (text and digest), choices, score mode and the judge's own description."""
        return {
            "scorer": MODEL_GRADED,
            "rubric": self.rubric.text,
            "rubric_digest": self.rubric.digest,
            "choices": dict(self.choices),
            "score": self.score,
            "judge": self.judge.describe(),
        }

    def check_judge(self, metric: str) -> None:
        """Refuse a judge that declares answers other than :attr:`choices`."""
        declared = getattr(self.judge, "choices", None)
        if isinstance(declared, list | tuple) and set(declared) != set(self.choices):
            raise ConfigError(
                f"The judge of metric {metric!r} answers {list(declared)}, but its scorer maps "
                f"{list(self.choices)}; give ModelGradedScorer choices for the judge's answers."
            )

    def prompt(self, fields: Mapping[str, Any], output: Any) -> str:
        """The rubric rendered for one record (raises DataError ``template: ...``)."""
        return self.rubric.render({**fields, "output": output})

    def request(self, fields: Mapping[str, Any], output: Any) -> tuple[Any, str]:
        """The judge's request for one record, and its response-cache key.

        The key digests the judge kind, the rubric's digest and the full request (which holds
        the rendered prompt and the judge's model and settings).
        """
        judge_example: dict[str, Any] = {
            "example_id": fields.get("example_id"),
            "cluster": fields.get("cluster"),
            "input": self.prompt(fields, output),
            "reference": None,
            "slices": {},
        }
        body = self.judge.build_request(judge_example, 0)
        scope = getattr(self.judge, "cache_scope", None)
        key = request_key(
            self.judge.name, {"rubric": self.rubric.digest, "request": body}, 0, scope
        )
        return body, key

    def score_answer(self, answer: Any) -> float:
        """The score of one judge answer; DataError when it cannot be read."""
        if self.score == "probability":
            return self._expected_score(answer)
        return self.choices[self._label(answer)]

    def _label(self, answer: Any) -> str:
        if isinstance(answer, Mapping):
            choice = answer.get("choice")
            if choice in self.choices:
                return str(choice)
            raise DataError(
                "the judge's choice is not one of the scorer's choices",
                expected=str(list(self.choices)),
                found=repr(choice)[:_SHOWN_CHARS],
            )
        if isinstance(answer, str):
            match = self._choice_pattern().search(answer)
            if match is not None:
                said = match.group(0).casefold()
                return next(k for k in self.choices if k.strip().casefold() == said)
            raise DataError(
                "the judge's answer names none of the choices",
                expected=str(list(self.choices)),
                found=repr(answer[:_SHOWN_CHARS]),
            )
        raise DataError(
            "the judge's answer is neither text nor a choice mapping",
            expected="text or {'choice': ...}",
            found=type(answer).__name__,
        )

    def _choice_pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            # longest first, so "Yes, partly" wins over "Yes" at the same position
            words = sorted((k.strip() for k in self.choices), key=len, reverse=True)
            alternatives = "|".join(re.escape(w) for w in words)
            self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return self._pattern

    def _expected_score(self, answer: Any) -> float:
        probs = answer.get("probs") if isinstance(answer, Mapping) else None
        if not isinstance(probs, Mapping):
            raise DataError(
                "score='probability' needs a judge that reports choice probabilities",
                expected="an answer with 'probs' (a Hugging Face adapter with task='choice')",
                found=type(answer).__name__,
            )
        missing = [c for c in self.choices if c not in probs]
        if missing:
            raise DataError(
                "the judge reported no probability for a choice",
                expected=str(list(self.choices)),
                found=f"no probability for {missing[0]!r}",
            )
        p = {c: float(probs[c]) for c in self.choices}
        total = sum(p.values())
        if not (math.isfinite(total) and total > 0.0) or any(v < 0.0 for v in p.values()):
            raise DataError(
                "the judge's choice probabilities are not usable",
                expected="non-negative probabilities with a positive sum",
                found=str(p),
            )
        return sum(p[c] * self.choices[c] for c in self.choices) / total

    def __repr__(self) -> str:
        return (
            f"ModelGradedScorer(rubric={self.rubric.digest[:12]!r}, "
            f"judge={self.judge.name!r}, score={self.score!r})"
        )
