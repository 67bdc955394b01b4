"""What a trained judge sees: MiniLM embeddings of an (objective, response) pair.

The features of a pair are the response's embedding, the element-wise product of the
objective's and the response's embeddings (both unit length), and their cosine similarity,
2 × 384 + 1 numbers: the first part carries what the response says (a refusal reads like a
refusal whatever was asked), the others how it lines up with what was asked (PyRIT's people
count an off-topic answer as a refusal; the cosine is one feature on its own because an L2
penalty spread over 384 product terms would all but hide it). Texts are cut at :data:`MAX_TOKENS` word pieces
(the opening of a response decides refusals; it also halves the cost of encoding).

Encoding is the expensive part (tens of texts per second on two CPU cores), so vectors can
be kept in an on-disk cache: one ``.npy`` file per text, under a folder named for the model's
digest and the encoding settings, so a changed model never reads another model's vectors.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assay.runners.adapters._embed import SentenceEmbeddingAdapter

__all__ = ["FEATURES", "MAX_TOKENS", "N_FEATURES", "PairEmbedder", "pair_features"]

MAX_TOKENS = 128
"""Word pieces of each text the encoder reads (all-MiniLM-L6-v2 reads 256 at most)."""
FEATURES = "minilm[response] ++ minilm[objective]*minilm[response] ++ cosine"
N_FEATURES = 2 * 384 + 1
"""How :func:`pair_features` builds a pair's features, as judge artifacts record it."""

_FloatArray = npt.NDArray[np.float64]


class PairEmbedder:
    """Unit-length MiniLM embeddings of texts, with an optional on-disk cache.

    Args:
        cache_dir: a folder for cached vectors (created on first write), or None for none.
        embedder: the sentence-embedding adapter; by default the shipped all-MiniLM-L6-v2 on
            the CPU.

    The constructor only stores its arguments; the model loads on the first text not in the
    cache.
    """

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        *,
        embedder: SentenceEmbeddingAdapter | None = None,
    ) -> None:
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self.embedder = embedder or SentenceEmbeddingAdapter(batch_size=32)
        self._ready = False

    @property
    def model_digest(self) -> str:
        """sha256 of the model's files."""
        return self.embedder.model_digest()

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One unit-length vector per text, shape ``(len(texts), 384)``; repeats encoded once."""
        keys = [hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() for t in texts]
        unique = dict(zip(keys, texts, strict=True))
        found = {k: v for k in unique if (v := self._cached(k)) is not None}
        todo = [k for k in unique if k not in found]
        if todo:
            vectors = self._encode([unique[k] for k in todo])
            for key, vector in zip(todo, vectors, strict=True):
                found[key] = vector
                self._store(key, vector)
        if not keys:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def _encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if not self._ready:
            model = self.embedder._load()
            model.max_seq_length = MAX_TOKENS
            self._ready = True
        return self.embedder.embed(texts)

    def _folder(self) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{self.model_digest[:16]}-t{MAX_TOKENS}-unit"

    def _cached(self, key: str) -> npt.NDArray[np.float32] | None:
        folder = self._folder()
        if folder is None:
            return None
        path = folder / key[:2] / f"{key}.npy"
        try:
            vector = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None  # absent or unreadable: encode it again
        if vector.shape != (384,) or vector.dtype != np.float32 or not np.isfinite(vector).all():
            return None
        return np.asarray(vector, dtype=np.float32)

    def _store(self, key: str, vector: npt.NDArray[np.float32]) -> None:
        folder = self._folder()
        if folder is None:
            return
        path = folder / key[:2] / f"{key}.npy"
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{key}.{uuid.uuid4().hex[:8]}.partial")
        try:
            with open(temporary, "wb") as handle:
                np.save(handle, vector, allow_pickle=False)
            os.replace(temporary, path)  # a reader sees a whole vector or none
        finally:
            temporary.unlink(missing_ok=True)


def pair_features(
    embedder: PairEmbedder, objectives: Sequence[str], responses: Sequence[str]
) -> _FloatArray:
    """The features of each (objective, response) pair: see the module's description."""
    if len(objectives) != len(responses):
        raise ValueError("pair_features needs one objective per response")
    vectors = embedder.embed([*objectives, *responses]).astype(np.float64)
    obj, resp = vectors[: len(objectives)], vectors[len(objectives) :]
    product = obj * resp
    return np.hstack([resp, product, product.sum(axis=1, keepdims=True)])
