"""A small Inspect AI task whose logs are import fixtures for assay (mockllm/model, offline).

The mock model gives a scripted answer per question (set on the task, so token usage is
known without a tokenizer download); one sample raises in its solver so the log has an error.
"""

import re

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.model import ChatMessage, ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import (
    CORRECT,
    INCORRECT,
    NOANSWER,
    PARTIAL,
    Score,
    Target,
    includes,
    match,
    mean,
    scorer,
)
from inspect_ai.solver import Generate, Solver, TaskState, generate, solver

# (id, question, target, category, the mock model's scripted answer)
ITEMS = [
    ("s01", "What is the capital of France?", "Paris", "geography", "Paris"),
    ("s02", "What is the largest ocean?", "Pacific Ocean", "geography", "The Atlantic Ocean"),
    ("s03", "What is the capital of Japan?", "Tokyo", "geography", "Tokyo, I think"),
    ("s04", "Which river flows through Cairo?", "Nile", "geography", "Nile"),
    ("s05", "What is 6 times 7?", "42", "arithmetic", "42"),
    ("s06", "What is 10 minus 3?", "7", "arithmetic", "8"),
    ("s07", "What is 9 plus 9?", "18", "arithmetic", "The sum is 18"),
    ("s08", "What is 100 divided by 4?", "25", "arithmetic", ""),
    ("s09", "Which gas do plants take in?", "carbon dioxide", "science", "carbon dioxide"),
    ("s10", "What is frozen water called?", "ice", "science", "Ice"),
    ("s11", "Which planet is known as the red planet?", "Mars", "science", "Jupiter"),
    ("s12", "This item fails in the solver.", "anything", "science", "anything"),
]
ANSWERS = {question: answer for _, question, _, _, answer in ITEMS}


def scripted_answer(
    messages: list[ChatMessage], tools: object, tool_choice: object, config: object
) -> ModelOutput:
    """The mock model's reply: a fixed answer per question, with token usage set."""
    answer = ANSWERS[messages[-1].text]
    output = ModelOutput.from_content(model="mockllm/model", content=answer)
    output.usage = ModelUsage(
        input_tokens=len(messages[-1].text.split()),
        output_tokens=len(answer.split()),
        total_tokens=len(messages[-1].text.split()) + len(answer.split()),
    )
    return output


@solver
def fail_when_flagged() -> Solver:
    """Raise for samples flagged ``fail`` so the log holds a real errored sample."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if state.metadata.get("fail"):
            raise RuntimeError(f"solver failed on sample {state.sample_id}")
        return state

    return solve


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@scorer(metrics={"recall": [mean()], "words": [mean()]})
def overlap():
    """Dict-valued score: share of target words in the output, and output length in words."""

    async def score(state: TaskState, target: Target) -> Score:
        out = _words(state.output.completion)
        words = _words(target.text)
        recall = sum(w in out for w in words) / len(words)
        return Score(value={"recall": recall, "words": len(out)}, answer=state.output.completion)

    return score


@scorer(metrics=[mean()])
def graded():
    """C / P / I / N from word overlap: every grade Inspect's value_to_float knows."""

    async def score(state: TaskState, target: Target) -> Score:
        out = _words(state.output.completion)
        words = _words(target.text)
        hits = sum(w in out for w in words)
        if not out:
            value = NOANSWER
        elif hits == len(words):
            value = CORRECT
        elif hits:
            value = PARTIAL
        else:
            value = INCORRECT
        return Score(value=value, explanation=f"{hits} of {len(words)} target words")

    return score


@task
def assay_mock() -> Task:
    """Twelve questions, one of which errors, scored four ways."""
    dataset = [
        Sample(
            id=sid,
            input=question,
            target=target,
            metadata={"category": category, "fail": sid == "s12"},
        )
        for sid, question, target, category, _ in ITEMS
    ]
    return Task(
        dataset=dataset,
        solver=[fail_when_flagged(), generate()],
        scorer=[match(), includes(), overlap(), graded()],
        fail_on_error=False,
        model=get_model("mockllm/model", custom_outputs=scripted_answer),
        version=3,
    )
