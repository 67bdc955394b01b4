"""OpenAI-compatible HTTP endpoints: chat completions, completions and embeddings.

Works with any server that speaks the OpenAI REST dialect (OpenAI, vLLM, llama.cpp's server,
Ollama, LiteLLM, TGI's Messages API). One request per example and sample; see
:mod:`assay.runners.adapters._http` for the retry policy and the rate limits.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal

from assay._util import check_choice, check_int, check_number
from assay.errors import AdapterError, DataError, ParameterError
from assay.runners._responses import ModelResponse, answered
from assay.runners._sync import run_coroutine
from assay.runners._tasks import PromptTemplate
from assay.runners.adapters._base import register_adapter
from assay.runners.adapters._buckets import RateLimiter, SharedLimits, TokenBucket
from assay.runners.adapters._http import JsonPoster, RetryPolicy, import_aiohttp
from assay.runners.adapters._openai_parse import Shape, count_tokens, parse_output
from assay.runners.adapters._spec import AdapterRebuildError, AdapterSpec

__all__ = ["OpenAIAdapter"]

Endpoint = Literal["chat", "completions", "embeddings"]
_PATHS: dict[str, str] = {
    "chat": "/chat/completions",
    "completions": "/completions",
    "embeddings": "/embeddings",
}
_CHARS_PER_TOKEN = 4  # rough guess for the token rate limit; corrected by the reported usage


def _fields(value: Any, index: int) -> dict[str, Any]:
    # the fields example_fields gives, for an input outside a suite
    own = dict(value) if isinstance(value, dict) else {}
    own.update(example_id=str(index), cluster=None, input=value, reference=None, slices={})
    return own


# describe() keys that are constructor arguments of the same name
_REBUILT_FROM = (
    "base_url",
    "endpoint",
    "system_prompt",
    "parameters",
    "concurrency",
    "timeout_s",
    "max_retries",
    "requests_per_minute",
    "tokens_per_minute",
    "price_per_1k_input",
    "price_per_1k_output",
)


@register_adapter("openai")
class OpenAIAdapter:
    """A model behind an OpenAI-compatible HTTP API.

    Each example becomes one request: the ``prompt_template`` rendered over the example's
    fields (:class:`~assay.runners.PromptTemplate`), or the example's ``input`` as it is.
    For ``"chat"`` a text prompt is sent as one user message (after ``system_prompt``, if
    given) and a list input is taken as the messages; ``"completions"`` sends the text as
    ``prompt``; ``"embeddings"`` sends it as ``input`` and the output is the vector.
    ``parameters`` (temperature, max_tokens, ...) go into every request body unchanged.

    The token counts are the endpoint's ``usage.prompt_tokens`` and
    ``usage.completion_tokens``; the cost is ``tokens_in / 1000 * price_per_1k_input +
    tokens_out / 1000 * price_per_1k_output`` with the prices given (None without prices).
    Rate limits are client-side token buckets refilled continuously, holding one second's
    worth: ``requests_per_minute`` is charged per attempt, ``tokens_per_minute`` per request
    with a guess (prompt characters / 4 plus ``max_tokens``) corrected by the reported usage.

    The API key is ``api_key``, or the environment variable named by ``api_key_env`` when the
    run starts; it is never part of :meth:`describe`.

    ``shared_limits`` (None unless set) holds buckets shared with other clients, used in
    place of this adapter's own: the Ray backend sets it on every shard, so the limits hold
    across the cluster.
    """

    name = "openai"
    shared_limits: SharedLimits | None = None

    def __init__(
        self,
        model: str,
        *,
        base_url: str = "https://api.openai.com/v1",
        endpoint: Endpoint = "chat",
        prompt_template: str | PromptTemplate | None = None,
        system_prompt: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        api_key: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        concurrency: int = 16,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        price_per_1k_input: float | None = None,
        price_per_1k_output: float | None = None,
    ) -> None:
        where = "OpenAIAdapter"
        if not isinstance(model, str) or not model:
            raise ParameterError("model", where, "a non-empty string", model)
        check_choice(endpoint, "endpoint", where, tuple(sorted(_PATHS)))
        check_int(concurrency, "concurrency", where)
        # None means no limit and no price
        for label, value in (
            ("requests_per_minute", requests_per_minute),
            ("tokens_per_minute", tokens_per_minute),
        ):
            if value is not None:
                check_number(value, label, where, low=0, low_open=True)
        for label, value in (
            ("price_per_1k_input", price_per_1k_input),
            ("price_per_1k_output", price_per_1k_output),
        ):
            if value is not None:
                check_number(value, label, where, low=0)
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.endpoint = endpoint
        self.prompt_template = (
            PromptTemplate(prompt_template) if isinstance(prompt_template, str) else prompt_template
        )
        self.system_prompt = system_prompt
        self.parameters = dict(parameters or {})
        self.api_key = api_key
        self.api_key_env = api_key_env
        self.concurrency = concurrency
        self.retry = RetryPolicy(
            max_retries=max_retries,
            backoff_s=backoff_s,
            max_backoff_s=max_backoff_s,
            timeout_s=timeout_s,
        )
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.price_per_1k_input = price_per_1k_input
        self.price_per_1k_output = price_per_1k_output

    @property
    def url(self) -> str:
        """The endpoint's full address."""
        return self.base_url + _PATHS[self.endpoint]

    @property
    def cache_scope(self) -> str:
        """Where answers come from, part of every cache key: the endpoint kind and base URL."""
        return f"{self.endpoint} {self.base_url}"

    def describe(self) -> AdapterSpec:
        """Model, endpoint, decoding settings, prompt template (text and digest), limits, prices."""
        template = self.prompt_template
        return AdapterSpec(
            self.name,
            {
                "model": self.model,
                "endpoint": self.endpoint,
                "base_url": self.base_url,
                "parameters": dict(self.parameters),
                "prompt_template": None if template is None else template.text,
                "prompt_template_digest": None if template is None else template.digest,
                "system_prompt": self.system_prompt,
                "concurrency": self.concurrency,
                "timeout_s": self.retry.timeout_s,
                "max_retries": self.retry.max_retries,
                "requests_per_minute": self.requests_per_minute,
                "tokens_per_minute": self.tokens_per_minute,
                "price_per_1k_input": self.price_per_1k_input,
                "price_per_1k_output": self.price_per_1k_output,
            },
        )

    @classmethod
    def from_spec(cls, spec: AdapterSpec) -> OpenAIAdapter:
        """The adapter from its recorded address, model, decoding settings and template; the
        API key comes from the environment. Refused when the template does not match its
        recorded digest."""
        absent = [k for k in ("model", "endpoint", "base_url", "parameters") if k not in spec]
        if absent:
            raise AdapterRebuildError(
                "an OpenAIAdapter", f"its manifest does not record {', '.join(absent)}"
            )
        template = spec.get("prompt_template")
        if template is not None:
            rebuilt = PromptTemplate(template)
            if spec.get("prompt_template_digest") not in (None, rebuilt.digest):
                raise AdapterRebuildError(
                    "an OpenAIAdapter", "the recorded prompt template does not match its digest"
                )
        kwargs = {k: spec[k] for k in _REBUILT_FROM if spec.get(k) is not None}
        return cls(spec["model"], prompt_template=template, **kwargs)

    def _prompt(self, example: Mapping[str, Any]) -> Any:
        if self.prompt_template is not None:
            return self.prompt_template.render(example)
        return example.get("input")

    def build_request(self, example: Mapping[str, Any], sample_index: int) -> dict[str, Any]:
        """The request body for one example (the same for every sample of it)."""
        prompt = self._prompt(example)
        if self.endpoint == "chat":
            if isinstance(prompt, str):
                messages: list[Any] = [{"role": "user", "content": prompt}]
            elif isinstance(prompt, list) and all(isinstance(m, dict) for m in prompt):
                messages = list(prompt)
            else:
                raise DataError(
                    "a chat prompt is text or a list of messages",
                    column="input",
                    found=type(prompt).__name__,
                )
            if self.system_prompt is not None:
                messages.insert(0, {"role": "system", "content": self.system_prompt})
            return {"model": self.model, "messages": messages, **self.parameters}
        if self.endpoint == "completions":
            if not isinstance(prompt, str):
                raise DataError(
                    "a completion prompt is text", column="input", found=type(prompt).__name__
                )
            return {"model": self.model, "prompt": prompt, **self.parameters}
        if not (
            isinstance(prompt, str)
            or (isinstance(prompt, list) and all(isinstance(p, str) for p in prompt))
        ):
            raise DataError(
                "an embedding input is text or a list of texts",
                column="input",
                found=type(prompt).__name__,
            )
        return {"model": self.model, "input": prompt, **self.parameters}

    def cost(self, tokens_in: int | None, tokens_out: int | None) -> float | None:
        """Cost from the per-1,000-token prices; None without prices or token counts."""
        if self.price_per_1k_input is None and self.price_per_1k_output is None:
            return None
        if tokens_in is None and tokens_out is None:
            return None
        return (tokens_in or 0) / 1000.0 * (self.price_per_1k_input or 0.0) + (
            tokens_out or 0
        ) / 1000.0 * (self.price_per_1k_output or 0.0)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[_OpenAIClient]:
        """One aiohttp session with ``concurrency`` connections, and fresh rate limits."""
        aiohttp = import_aiohttp()
        key = self.api_key if self.api_key is not None else os.environ.get(self.api_key_env)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        # every request is a JSON body: the session's header, not merged into each request's
        headers["Content-Type"] = "application/json"
        connector = aiohttp.TCPConnector(limit=self.concurrency)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
            yield _OpenAIClient(self, session)

    def predict(self, inputs: Sequence[Any]) -> Sequence[Any]:
        """Outputs for ``inputs`` from synchronous code; the first failure raises AdapterError.

        Runners use the asynchronous path (:func:`~assay.runners.evaluate_suite_async`);
        this makes the adapter a plain :class:`~assay.runners.ModelAdapter` too.
        """

        async def run() -> list[ModelResponse]:
            async with self.connect() as client:
                bodies = [self.build_request(_fields(x, i), 0) for i, x in enumerate(inputs)]
                return await client.send_many(bodies)

        answers = run_coroutine(run())
        for answer in answers:
            if answer.error is not None:
                raise AdapterError(f"{self.model}: {answer.error}")
        return [a.output for a in answers]

    def __repr__(self) -> str:
        return f"OpenAIAdapter(model={self.model!r}, endpoint={self.endpoint!r}, url={self.url!r})"


def _chat_content(body: Any) -> str | None:
    """A chat answer's text when the body has the usual shape; None leaves it to the checks
    of :func:`parse_output`, which say what is wrong."""
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return None
    return content if isinstance(content, str) else None


class _OpenAIClient:
    """One run's connection: session, rate limits, and the parsing of answers."""

    def __init__(self, adapter: OpenAIAdapter, session: Any) -> None:
        self.adapter = adapter
        self.url = adapter.url
        rpm, tpm = adapter.requests_per_minute, adapter.tokens_per_minute
        shared = adapter.shared_limits or SharedLimits()
        requests: RateLimiter | None = shared.requests
        if requests is None and rpm is not None:
            requests = TokenBucket(rpm)
        self.tokens: RateLimiter | None = shared.tokens
        if self.tokens is None and tpm is not None:
            self.tokens = TokenBucket(tpm)
        self.poster = JsonPoster(
            session,
            policy=adapter.retry,
            rng=random.Random(),  # backoff jitter only; it never changes a result
            before_attempt=None if requests is None else requests.acquire,
        )

    def _guess_tokens(self, body: Mapping[str, Any]) -> int:
        prompt = body.get("messages", body.get("prompt", body.get("input", "")))
        text = prompt if isinstance(prompt, str) else json.dumps(prompt, ensure_ascii=False)
        limit = body.get("max_tokens", body.get("max_completion_tokens", 0))
        return len(text) // _CHARS_PER_TOKEN + 1 + (limit if isinstance(limit, int) else 0)

    async def send(self, request: Any) -> ModelResponse:
        """One request with retries; failures come back as a response with ``error``."""
        guess = 0
        if self.tokens is not None:
            guess = self._guess_tokens(request)
            await self.tokens.acquire(guess)
        outcome = await self.poster.post(self.url, request)
        if outcome.error is not None:
            return ModelResponse(
                latency_ms=outcome.latency_ms,
                error=outcome.error,
                endpoint_error=outcome.endpoint_error,
            )
        body = outcome.body
        try:
            output = _chat_content(body) if self.adapter.endpoint == "chat" else None
            if output is None:
                output = parse_output(self.adapter.endpoint, body)
        except Shape as shape:
            return ModelResponse(
                latency_ms=outcome.latency_ms,
                error=(
                    f"unexpected response shape: no {shape.where} (found {shape.found}) "
                    f"in {outcome.snippet}"
                ),
            )
        usage = body.get("usage") if isinstance(body, dict) else None
        usage = usage if isinstance(usage, dict) else {}
        tokens_in = count_tokens(usage.get("prompt_tokens"))
        tokens_out = count_tokens(usage.get("completion_tokens"))
        if tokens_out is None and tokens_in is not None and self.adapter.endpoint == "embeddings":
            tokens_out = 0
        if self.tokens is not None and tokens_in is not None:
            self.tokens.adjust(tokens_in + (tokens_out or 0) - guess)
        return answered(output, tokens_in, tokens_out, outcome.latency_ms)

    async def send_many(self, requests: Sequence[Any]) -> list[ModelResponse]:
        """Answers to ``requests`` in order, ``concurrency`` at a time."""
        gate = asyncio.Semaphore(self.adapter.concurrency)

        async def one(request: Any) -> ModelResponse:
            async with gate:
                return await self.send(request)

        return list(await asyncio.gather(*(one(r) for r in requests)))
