"""Local Hugging Face ``transformers`` models: batched generation and choice scoring.

:class:`HuggingFaceAdapter` is an :class:`~assay.runners.AsyncModelAdapter`, so the runner's
response cache, resume, repeated samples, templates and per-example errors apply to it. Its
client batches concurrent requests (:mod:`assay.runners.adapters._hf_batching`) and runs each batch
in a worker thread (:mod:`assay.runners.adapters._hf_model`). Models load from local files only
(a folder, a GGUF file, or the local Hugging Face cache); nothing is downloaded.
:func:`shipped_model` finds the models that registry packages ship.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from assay._util import require
from assay.errors import (
    AdapterError,
    ConfigError,
    DataError,
    MissingDependencyError,
    ParameterError,
)
from assay.runners._responses import ModelResponse
from assay.runners._sync import run_coroutine
from assay.runners._tasks import PromptTemplate
from assay.runners.adapters._base import register_adapter
from assay.runners.adapters._hf_batching import MicroBatcher
from assay.runners.adapters._hf_files import model_digest, resolve_source, shipped_model
from assay.runners.adapters._spec import AdapterRebuildError, AdapterSpec

__all__ = ["HuggingFaceAdapter", "shipped_model"]

Task = Literal["generate", "choice"]
_BATCH_WAIT_S = 0.005  # how long a batch waits for more requests before it runs part-full
_DTYPES = ("auto", "float32", "float16", "bfloat16")
_IDENTITY = ("gguf_file", "device", "dtype")  # with the model: what makes the weights
# describe() keys that are constructor arguments of the same name
_REBUILT_FROM = (
    *("gguf_file", "task", "prompt_template", "chat", "system", "choices", "max_new_tokens"),
    *("temperature", "top_p", "seed", "batch_size", "device", "dtype"),
)


def _runtime() -> ModuleType:
    # the model module imports both at its top: name the one that is missing
    for module in ("torch", "transformers"):
        require(module, "hf", feature="the Hugging Face adapter")
    try:
        from assay.runners.adapters import _hf_model
    except ImportError as exc:  # another of the extra's packages (accelerate, gguf)
        raise MissingDependencyError(
            exc.name or "transformers", "hf", feature="the Hugging Face adapter"
        ) from exc
    return _hf_model


class _ModelSlot:
    """Holds one loaded model; adapters made by ``with_options`` share it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: Any = None


def _fields(value: Any, index: int) -> dict[str, Any]:
    # the fields example_fields gives, for an input outside a suite
    own = dict(value) if isinstance(value, dict) else {}
    own.update(example_id=str(index), cluster=None, input=value, reference=None, slices={})
    return own


def _is_int(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


@register_adapter("hf")
class HuggingFaceAdapter:
    """A causal language model run locally with ``transformers`` (``pip install 'assay[hf]'``).

    Each example's prompt is ``prompt_template`` rendered over its fields (default: the ``input``
    text), put through the tokenizer's chat template when ``chat`` (after ``system``).

    * ``task="generate"``: the output is the completion text. Greedy when ``temperature`` is
      0, else sampled (``temperature``, ``top_p``) with a seed derived from ``(seed,
      example_id, sample_index)``, so every sample is reproducible whatever it is batched
      with. Stops at the end-of-sequence token or after ``max_new_tokens``. ``tokens_in`` is
      the prompt's token count, ``tokens_out`` the completion's (the end token included).
    * ``task="choice"``: each of ``choices`` is scored by the sum of the log-probabilities of
      its tokens (tokenised on its own, appended to the prompt's tokens); the output is
      ``{"choice": best, "logprobs": {...}, "probs": {...}}`` with ``probs`` the softmax of
      the log-probabilities over the choices (a judge answering ``["Yes", "No"]``).

    Concurrent requests are batched, up to ``batch_size`` per model call (left padding for
    generation, right padding for scoring); ``concurrency`` (default ``2 * batch_size``)
    keeps batches full. A record's latency is its batch's wall time divided by the batch's
    size. ``device="auto"`` is CUDA when available, else CPU; ``dtype="auto"`` is bfloat16 on
    CUDA and float32 elsewhere. The model loads on first use (:meth:`load`), once.
    A prompt longer than the model's context fails its example alone.
    """

    name = "hf"

    def __init__(
        self,
        model: str | Path,
        *,
        gguf_file: str | None = None,
        task: Task = "generate",
        prompt_template: PromptTemplate | str | None = None,
        chat: bool = True,
        system: str | None = None,
        choices: Sequence[str] | None = None,
        max_new_tokens: int = 64,
        temperature: float = 0.0,
        top_p: float = 1.0,
        seed: int = 0,
        batch_size: int = 8,
        device: str = "auto",
        dtype: str = "auto",
        concurrency: int | None = None,
    ) -> None:
        where = "HuggingFaceAdapter"
        if not isinstance(model, str | Path) or not str(model):
            raise ParameterError("model", where, "a model folder, GGUF file or hub id", model)
        if task not in ("generate", "choice"):
            raise ParameterError("task", where, "'generate' or 'choice'", task)
        if task == "choice" and (
            choices is None
            or isinstance(choices, str)
            or len(choices) < 2
            or not all(isinstance(c, str) and c for c in choices)
            or len(set(choices)) != len(choices)
        ):
            raise ParameterError(
                "choices", where, "at least two distinct non-empty strings", choices
            )
        if not _is_int(max_new_tokens, 1):
            raise ParameterError("max_new_tokens", where, "an integer >= 1", max_new_tokens)
        if not (isinstance(temperature, int | float) and math.isfinite(temperature)) or (
            temperature < 0
        ):
            raise ParameterError("temperature", where, "a finite number >= 0", temperature)
        if not (isinstance(top_p, int | float) and 0 < top_p <= 1):
            raise ParameterError("top_p", where, "a number in (0, 1]", top_p)
        if not _is_int(seed, 0):
            raise ParameterError("seed", where, "an integer >= 0", seed)
        if not _is_int(batch_size, 1):
            raise ParameterError("batch_size", where, "an integer >= 1", batch_size)
        if concurrency is not None and not _is_int(concurrency, 1):
            raise ParameterError("concurrency", where, "an integer >= 1 or None", concurrency)
        if not isinstance(device, str) or not device:
            raise ParameterError("device", where, "'auto' or a torch device", device)
        if dtype not in _DTYPES:
            raise ParameterError("dtype", where, f"one of {list(_DTYPES)}", dtype)
        self.model = model
        self.gguf_file = gguf_file
        self.task = task
        self.prompt_template = (
            PromptTemplate(prompt_template) if isinstance(prompt_template, str) else prompt_template
        )
        self.chat = chat
        self.system = system
        self.choices = None if choices is None else list(choices)
        self.max_new_tokens = max_new_tokens
        self.temperature = float(temperature)
        self.top_p = float(top_p)
        self.seed = seed
        self.batch_size = batch_size
        self.device = device
        self.dtype = dtype
        self.concurrency = concurrency if concurrency is not None else 2 * batch_size
        self._concurrency = concurrency
        self._slot = _ModelSlot()
        self._digest: str | None = None
        self._placement: tuple[str, str] | None = None

    def __getstate__(self) -> dict[str, Any]:
        # the loaded model and its lock stay in this process; a copy (a Ray worker) loads its own
        return {**self.__dict__, "_slot": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._slot = _ModelSlot()

    def with_options(self, **changes: Any) -> HuggingFaceAdapter:
        """A copy with some constructor arguments changed (``task="choice"``, ``seed=1``, ...).

        When the model, GGUF file, device and dtype stay the same, the copy shares this
        adapter's loaded model (loaded once, by whichever adapter needs it first), so a
        generator and a judge, or several decoding settings, cost one load.
        """
        args: dict[str, Any] = {
            "model": self.model,
            "gguf_file": self.gguf_file,
            "task": self.task,
            "prompt_template": self.prompt_template,
            "chat": self.chat,
            "system": self.system,
            "choices": self.choices,
            "max_new_tokens": self.max_new_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "seed": self.seed,
            "batch_size": self.batch_size,
            "device": self.device,
            "dtype": self.dtype,
            "concurrency": self._concurrency,
        }
        unknown = sorted(set(changes) - set(args))
        if unknown:
            raise ConfigError(
                f"HuggingFaceAdapter.with_options got unknown arguments {unknown}; "
                f"known: {sorted(args)}."
            )
        args.update(changes)
        model = args.pop("model")
        copy = HuggingFaceAdapter(model, **args)
        if all(args[k] == getattr(self, k) for k in _IDENTITY) and str(model) == str(self.model):
            copy._slot = self._slot
            copy._digest = self._digest
            copy._placement = self._placement
        return copy

    # -- where the model is and what it is -------------------------------------------------

    def _source(self) -> tuple[Path, str | None]:
        return resolve_source(self.model, self.gguf_file)

    @property
    def model_digest(self) -> str:
        """SHA-256 of the GGUF file, or of ``config.json`` plus the weight files' names and sizes."""
        if self._digest is None:
            self._digest = model_digest(*self._source())
        return self._digest

    def _resolved(self) -> tuple[str, str]:
        if self._placement is None:
            runtime = _runtime()
            device = runtime.resolve_device(self.device)
            self._placement = (device, runtime.resolve_dtype(self.dtype, device))
        return self._placement

    def describe(self) -> AdapterSpec:
        """Model (path, GGUF file, digest), task, template (text, digest), decoding, placement."""
        try:
            device, dtype = self._resolved()
        except (AdapterError, MissingDependencyError):  # torch is missing: record the request
            device, dtype = self.device, self.dtype
        template = self.prompt_template
        return AdapterSpec(
            self.name,
            {
                "model": str(self.model),
                "gguf_file": self.gguf_file,
                "model_digest": self.model_digest,
                "model_digest_method": "sha256 of the GGUF file"
                if self._source()[1] is not None
                else "sha256 of config.json and of each weights file",
                "task": self.task,
                "prompt_template": None if template is None else template.text,
                "prompt_template_digest": None if template is None else template.digest,
                "chat": self.chat,
                "system": self.system,
                "choices": self.choices,
                "decoding": "choice log-likelihood"
                if self.task == "choice"
                else ("greedy" if self.temperature == 0 else "sampling"),
                "max_new_tokens": self.max_new_tokens,
                "temperature": self.temperature,
                "top_p": self.top_p,
                "seed": self.seed,
                "batch_size": self.batch_size,
                "concurrency": self.concurrency,
                "device": device,
                "dtype": dtype,
            },
        )

    @classmethod
    def from_spec(cls, spec: AdapterSpec) -> HuggingFaceAdapter:
        """The adapter from its recorded path, settings and template; refused when the
        weights' digest no longer matches the recorded one."""
        if "model" not in spec or "model_digest" not in spec:
            raise AdapterRebuildError(
                "a HuggingFaceAdapter", "its manifest does not record the model"
            )
        kwargs = {k: spec[k] for k in _REBUILT_FROM if spec.get(k) is not None}
        adapter = cls(spec["model"], **kwargs)
        if adapter.model_digest != spec["model_digest"]:
            raise AdapterRebuildError(
                "a HuggingFaceAdapter",
                f"the weights at {spec['model']!r} are not the ones the run used (digest "
                f"{adapter.model_digest[:12]} now, {str(spec['model_digest'])[:12]} then)",
            )
        return adapter

    # -- requests ------------------------------------------------------------------------------

    def build_request(self, example: Mapping[str, Any], sample_index: int) -> dict[str, Any]:
        """The request for one example: model digest, placement, prompt and decoding settings.

        Greedy requests are the same for every sample of an example; sampled ones carry the
        example id and sample index their seed is derived from.
        """
        prompt = (
            self.prompt_template.render(example)
            if self.prompt_template is not None
            else example.get("input")
        )
        is_messages = isinstance(prompt, list) and all(isinstance(m, dict) for m in prompt)
        if not isinstance(prompt, str) and not (self.chat and is_messages):
            raise DataError(
                "a prompt is text" + (" or a list of chat messages" if self.chat else ""),
                column="input",
                found=type(prompt).__name__,
            )
        device, dtype = self._resolved()
        request: dict[str, Any] = {
            "task": self.task,
            "model_digest": self.model_digest,
            "device": device,
            "dtype": dtype,
            "prompt": prompt,
            "chat": self.chat,
            "system": self.system,
        }
        if self.task == "choice":
            request["choices"] = self.choices
            return request
        request.update(
            max_new_tokens=self.max_new_tokens, temperature=self.temperature, top_p=self.top_p
        )
        if self.temperature > 0:
            request.update(
                seed=self.seed, example_id=str(example.get("example_id")), sample_index=sample_index
            )
        return request

    def cost(self, tokens_in: int | None, tokens_out: int | None) -> float | None:
        """None: a local model has no price per token."""
        return None

    # -- running -------------------------------------------------------------------------------

    @property
    def is_loaded(self) -> bool:
        """Whether the model is in memory (it loads on the first run that needs an answer)."""
        return self._slot.loaded is not None

    def load(self) -> Any:
        """The loaded model and tokenizer (loaded on first call, then kept).

        Returns a ``LoadedModel`` with ``model``, ``tokenizer``, ``device``, ``dtype`` and
        ``context_length``. Raises :class:`~assay.errors.MissingDependencyError` when torch or
        transformers is missing (``pip install 'assay[hf]'``) or the files cannot be loaded.
        """
        slot = self._slot
        with slot.lock:
            if slot.loaded is None:
                device, dtype = self._resolved()
                folder, gguf = self._source()
                slot.loaded = _runtime().load_model(folder, gguf, device, dtype)
            return slot.loaded

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[MicroBatcher]:
        """Load the model (once) off the event loop, then batch requests for one run."""
        loaded = await asyncio.to_thread(self.load)
        batcher = MicroBatcher(loaded.run_batch, batch_size=self.batch_size, wait_s=_BATCH_WAIT_S)
        async with batcher:
            yield batcher

    def predict(self, inputs: Sequence[Any]) -> Sequence[Any]:
        """Outputs for ``inputs`` from synchronous code; the first failure raises AdapterError.

        Runners use the asynchronous path (:func:`~assay.runners.evaluate_suite_async`);
        this makes the adapter a plain :class:`~assay.runners.ModelAdapter` too.
        """

        async def run() -> list[ModelResponse]:
            bodies = [self.build_request(_fields(x, i), 0) for i, x in enumerate(inputs)]
            async with self.connect() as client:
                return list(await asyncio.gather(*(client.send(b) for b in bodies)))

        answers = run_coroutine(run())
        for answer in answers:
            if answer.error is not None:
                raise AdapterError(f"{self.model!s}: {answer.error}")
        return [a.output for a in answers]

    def __repr__(self) -> str:
        gguf = "" if self.gguf_file is None else f", gguf_file={self.gguf_file!r}"
        return f"HuggingFaceAdapter({str(self.model)!r}{gguf}, task={self.task!r})"
