"""The torch side of the Hugging Face adapter: loading, batched generation, choice scoring.

This module imports torch and transformers at the top, so it is imported only when a model
is loaded (:meth:`HuggingFaceAdapter.load <assay.runners.HuggingFaceAdapter.load>`); without
them that import fails and the adapter says ``pip install 'assay[hf]'``.

Requests are the JSON mappings :meth:`HuggingFaceAdapter.build_request` makes. A batch of
them becomes one left-padded ``generate`` call (``task="generate"``) or one right-padded
forward pass over every prompt + choice pair (``task="choice"``).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig
from transformers.utils import logging as hf_logging

from assay.errors import AdapterError, ConfigError, DataError
from assay.runners._responses import ModelResponse
from assay.runners._scoring import describe_error

__all__ = ["LoadedModel", "load_model", "resolve_device", "resolve_dtype"]

_GENERATION_CONFIG: Any = GenerationConfig  # untyped constructor
_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def resolve_device(device: str) -> str:
    """``"auto"`` is ``"cuda"`` when a GPU is visible, else ``"cpu"``; anything else as given."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(device).type
    except (RuntimeError, ValueError) as exc:
        raise ConfigError(
            f"The 'device' parameter of HuggingFaceAdapter must be a torch device. Got {device!r}."
        ) from exc
    if kind == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"The 'device' parameter of HuggingFaceAdapter is {device!r}, but this torch "
            "sees no CUDA device; use device='cpu' or 'auto'."
        )
    return device


def resolve_dtype(dtype: str, device: str) -> str:
    """``"auto"`` is bfloat16 on a GPU and float32 elsewhere; anything else as given."""
    if dtype == "auto":
        return "bfloat16" if torch.device(device).type == "cuda" else "float32"
    return dtype


@dataclass(frozen=True)
class _Prepared:
    index: int
    prompt: list[int]
    choices: list[list[int]] = field(default_factory=list)


@dataclass
class LoadedModel:
    """A loaded causal language model and its tokenizer, ready to answer batches."""

    model: Any
    """The ``transformers`` model, in evaluation mode, on :attr:`device`."""
    tokenizer: Any
    """Its tokenizer."""
    device: str
    """Where the model runs (``"cpu"``, ``"cuda"``, ...)."""
    dtype: str
    """Weights' dtype name (``"float32"``, ``"bfloat16"``, ...)."""
    context_length: int | None
    """Most tokens (prompt + completion) the model takes; None when it does not say."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def eos_ids(self) -> list[int]:
        """Token ids that end a completion (the generation config's and the tokenizer's)."""
        ids: list[int] = []
        for value in (self.model.generation_config.eos_token_id, self.tokenizer.eos_token_id):
            for token in value if isinstance(value, list) else [value]:
                if isinstance(token, int) and token not in ids:
                    ids.append(token)
        return ids

    @property
    def pad_id(self) -> int:
        """The id used for padding (the tokenizer's pad token, else the end of sequence)."""
        pad = self.tokenizer.pad_token_id
        return int(pad) if pad is not None else self.eos_ids[0]

    def prompt_ids(self, request: Mapping[str, Any]) -> list[int]:
        """Token ids of a request's prompt, through the chat template when ``chat`` is set."""
        prompt = request["prompt"]
        tok = self.tokenizer
        if request.get("chat"):
            messages = (
                [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
            )
            if request.get("system") is not None:
                messages.insert(0, {"role": "system", "content": request["system"]})
            if not getattr(tok, "chat_template", None):
                raise DataError("the tokenizer has no chat template; use chat=False")
            text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            ids = tok(text, add_special_tokens=False)["input_ids"]
        else:
            if not isinstance(prompt, str):
                raise DataError("a prompt without chat=True is text", found=type(prompt).__name__)
            ids = tok(prompt)["input_ids"]
        if not ids:
            raise DataError("the prompt is empty (0 tokens)")
        return [int(i) for i in ids]

    def _check_length(self, tokens: int, what: str) -> None:
        if self.context_length is not None and tokens > self.context_length:
            raise DataError(
                f"{what} needs {tokens} tokens; the model's context is {self.context_length}"
            )

    def _prepare(self, index: int, request: Mapping[str, Any]) -> _Prepared:
        prompt = self.prompt_ids(request)
        if request["task"] == "choice":
            choices = [
                [int(i) for i in self.tokenizer(c, add_special_tokens=False)["input_ids"]]
                for c in request["choices"]
            ]
            for text, ids in zip(request["choices"], choices, strict=True):
                if not ids:
                    raise DataError(f"the choice {text!r} is empty (0 tokens)")
            longest = len(prompt) + max(len(c) for c in choices)
            self._check_length(
                longest, f"the prompt ({len(prompt)} tokens) with its longest choice"
            )
            return _Prepared(index, prompt, choices)
        total = len(prompt) + int(request["max_new_tokens"])
        self._check_length(
            total,
            f"the prompt ({len(prompt)} tokens) with max_new_tokens={request['max_new_tokens']}",
        )
        return _Prepared(index, prompt)

    def run_batch(self, requests: Sequence[Mapping[str, Any]]) -> list[ModelResponse]:
        """One answer per request; requests with equal settings run as one batch.

        A request that cannot be prepared (template, length) fails alone; a batch that fails
        in the model is retried one request at a time, so only the failing ones get an error.
        Each answer's latency is the batch's wall time divided by the batch's size.
        """
        answers: list[ModelResponse | None] = [None] * len(requests)
        groups: dict[str, list[_Prepared]] = {}
        for i, request in enumerate(requests):
            try:
                prepared = self._prepare(i, request)
            except Exception as exc:
                answers[i] = ModelResponse(error=_message(exc))
                continue
            settings = {k: v for k, v in request.items() if k in _BATCH_KEYS}
            groups.setdefault(json.dumps(settings, sort_keys=True), []).append(prepared)
        with self.lock:
            for items in groups.values():
                self._run_group(requests, items, answers)
        return [a if a is not None else ModelResponse(error="no answer") for a in answers]

    def _run_group(
        self,
        requests: Sequence[Mapping[str, Any]],
        items: list[_Prepared],
        answers: list[ModelResponse | None],
    ) -> None:
        first = requests[items[0].index]
        run = self._choose if first["task"] == "choice" else self._generate
        t0 = time.perf_counter()
        try:
            outs = run([requests[p.index] for p in items], items)
        except Exception as exc:
            if len(items) == 1:
                answers[items[0].index] = ModelResponse(error=describe_error(exc))
                return
            for item in items:  # one bad request must not fail the others
                self._run_group(requests, [item], answers)
            return
        latency = (time.perf_counter() - t0) * 1000 / len(items)
        for item, (output, t_in, t_out) in zip(items, outs, strict=True):
            answers[item.index] = ModelResponse(output, t_in, t_out, latency)

    def _generate(
        self, requests: Sequence[Mapping[str, Any]], items: list[_Prepared]
    ) -> list[tuple[Any, int, int]]:
        first = requests[0]
        width = max(len(p.prompt) for p in items)
        pad = self.pad_id
        ids = [[pad] * (width - len(p.prompt)) + p.prompt for p in items]
        mask = [[0] * (width - len(p.prompt)) + [1] * len(p.prompt) for p in items]
        eos = self.eos_ids
        config = _GENERATION_CONFIG(
            max_new_tokens=int(first["max_new_tokens"]),
            do_sample=False,
            pad_token_id=pad,
            eos_token_id=eos,
        )
        processors = None
        temperature = float(first["temperature"])
        if temperature > 0:
            generators = [_generator(r, self.device) for r in requests]
            processors = [_SeededSampler(generators, temperature, float(first["top_p"]))]
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=torch.tensor(ids, device=self.device),
                attention_mask=torch.tensor(mask, device=self.device),
                generation_config=config,
                logits_processor=processors,
            )
        results = []
        for row, item in enumerate(items):
            new = out[row, width:].tolist()
            n_out = next((k + 1 for k, t in enumerate(new) if t in eos), len(new))
            text = self.tokenizer.decode(new[:n_out], skip_special_tokens=True)
            results.append((text, len(item.prompt), n_out))
        return results

    def _choose(
        self, requests: Sequence[Mapping[str, Any]], items: list[_Prepared]
    ) -> list[tuple[Any, int, int]]:
        if all(len(c) == 1 for item in items for c in item.choices):
            sums = self._next_token_logprobs(items)
        else:
            sums = self._continuation_logprobs(items)
        results = []
        at = 0
        for request, item in zip(requests, items, strict=True):
            names = list(request["choices"])
            values = sums[at : at + len(names)]
            at += len(names)
            results.append((_choice_output(names, values), len(item.prompt), 0))
        return results

    def _next_token_logprobs(self, items: list[_Prepared]) -> list[float]:
        # every choice is one token: one pass over each prompt scores all of its choices
        logits = self._logits([item.prompt for item in items])
        sums: list[float] = []
        for row, item in enumerate(items):
            scores = torch.log_softmax(logits[row, len(item.prompt) - 1].float(), dim=-1)
            sums.extend(float(scores[c[0]]) for c in item.choices)
        return sums

    def _logits(self, sequences: list[list[int]]) -> Any:
        """One forward pass over right-padded token sequences: logits of every position."""
        width = max(len(seq) for seq in sequences)
        pad = self.pad_id
        ids = [seq + [pad] * (width - len(seq)) for seq in sequences]
        mask = [[1] * len(seq) + [0] * (width - len(seq)) for seq in sequences]
        with torch.inference_mode():
            return self.model(
                input_ids=torch.tensor(ids, device=self.device),
                attention_mask=torch.tensor(mask, device=self.device),
            ).logits

    def _continuation_logprobs(self, items: list[_Prepared]) -> list[float]:
        rows = [(item, c) for item in items for c in item.choices]
        logits = self._logits([item.prompt + c for item, c in rows])
        sums: list[float] = []
        for row, (item, c) in enumerate(rows):
            start = len(item.prompt) - 1  # logits at position t predict token t + 1
            scores = torch.log_softmax(logits[row, start : start + len(c)].float(), dim=-1)
            target = torch.tensor(c, device=scores.device).unsqueeze(1)
            sums.append(float(scores.gather(1, target).sum()))
        return sums


_BATCH_KEYS = ("task", "max_new_tokens", "temperature", "top_p")


def _message(exc: Exception) -> str:
    return str(exc) if isinstance(exc, DataError) else describe_error(exc)


def _choice_output(names: list[str], logprobs: list[float]) -> dict[str, Any]:
    top = max(logprobs)
    weights = [math.exp(v - top) for v in logprobs]
    total = sum(weights)
    best = names[logprobs.index(top)]
    return {
        "choice": best,
        "logprobs": dict(zip(names, logprobs, strict=True)),
        "probs": {n: w / total for n, w in zip(names, weights, strict=True)},
    }


def row_seed(request: Mapping[str, Any]) -> int:
    """The sampling seed of one request: SHA-256 of (seed, example_id, sample_index), 63 bits."""
    key = json.dumps([request["seed"], request["example_id"], request["sample_index"]])
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") >> 1


def _generator(request: Mapping[str, Any], device: str) -> Any:
    gen = torch.Generator(device=device)
    gen.manual_seed(row_seed(request))
    return gen


class _SeededSampler:
    """Samples each row's next token with that row's own generator.

    It returns scores that are -inf everywhere but the sampled token, so greedy decoding
    picks it: a row's draws depend only on its own seed, never on what it is batched with.
    """

    def __init__(self, generators: list[Any], temperature: float, top_p: float) -> None:
        self.generators = generators
        self.temperature = temperature
        self.top_p = top_p

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        probs = torch.softmax(scores.float() / self.temperature, dim=-1)
        if self.top_p < 1.0:
            ordered, order = probs.sort(dim=-1, descending=True)
            before = ordered.cumsum(dim=-1) - ordered  # mass of the tokens ranked above
            ordered[before >= self.top_p] = 0.0
            probs = torch.zeros_like(probs).scatter(-1, order, ordered)
        picks = torch.stack(
            [torch.multinomial(probs[i], 1, generator=g) for i, g in enumerate(self.generators)]
        )
        out = torch.full_like(scores, -math.inf)
        return out.scatter(1, picks, 0.0)


def load_model(directory: Path, gguf_file: str | None, device: str, dtype: str) -> LoadedModel:
    """Load the tokenizer and model from local files only (no download), on ``device``."""
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        tok = AutoTokenizer.from_pretrained(directory, gguf_file=gguf_file, local_files_only=True)
        model: Any = AutoModelForCausalLM.from_pretrained(
            directory, gguf_file=gguf_file, local_files_only=True, dtype=_DTYPES[dtype]
        )
    except (OSError, ValueError, ImportError) as exc:
        where = directory if gguf_file is None else directory / gguf_file
        raise AdapterError(f"cannot load the model at {where}: {exc}") from exc
    finally:
        if bars:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        model.to(device)
    except (RuntimeError, AssertionError) as exc:
        raise AdapterError(f"cannot place the model on {device!r}: {exc}") from exc
    model.eval()
    limit = getattr(model.config, "max_position_embeddings", None)
    if not isinstance(limit, int):
        limit = getattr(tok, "model_max_length", None)
    context = limit if isinstance(limit, int) and 0 < limit < 10**8 else None
    return LoadedModel(model, tok, device, dtype, context)
