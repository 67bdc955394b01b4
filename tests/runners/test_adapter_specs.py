"""Every built-in adapter describes itself as an AdapterSpec and is rebuilt from it, or refused."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression

from assay.runners import (
    AdapterRebuildError,
    AdapterSpec,
    CallableAdapter,
    EmbeddingClassifierAdapter,
    HuggingFaceAdapter,
    OpenAIAdapter,
    SentenceEmbeddingAdapter,
    SklearnAdapter,
    VaderAdapter,
    adapter_names,
    build_adapter,
)

BUILT_IN = {
    "callable": CallableAdapter,
    "sklearn": SklearnAdapter,
    "openai": OpenAIAdapter,
    "hf": HuggingFaceAdapter,
    "vader": VaderAdapter,
    "sentence-transformers": SentenceEmbeddingAdapter,
    "embedding-classifier": EmbeddingClassifierAdapter,
}


def echo(text: str) -> str:
    return text


def _checkpoint(folder: Path, fill: bytes) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text('{"model_type": "llama"}')
    (folder / "model.safetensors").write_bytes(fill * 512)
    return folder


def _rebuildable(tmp_path: Path) -> list[object]:
    return [
        CallableAdapter(f"{__name__}:echo", batched=False),
        OpenAIAdapter(
            "served-model",
            base_url="http://127.0.0.1:9/v1",
            prompt_template="Q: {{ input }}",
            parameters={"temperature": 0.0},
            requests_per_minute=60,
        ),
        VaderAdapter(positive_threshold=0.2, negative_threshold=-0.3, neutral_label="positive"),
        SentenceEmbeddingAdapter(_checkpoint(tmp_path / "st", b"\x01"), batch_size=4),
        HuggingFaceAdapter(
            _checkpoint(tmp_path / "hf", b"\x02"), task="choice", choices=["A", "B"], seed=3
        ),
    ]


def test_every_built_in_is_registered_under_the_name_it_describes(tmp_path: Path) -> None:
    assert set(BUILT_IN) <= set(adapter_names())
    adapters = [
        *_rebuildable(tmp_path),
        SklearnAdapter(LogisticRegression()),
        EmbeddingClassifierAdapter(SentenceEmbeddingAdapter(tmp_path / "st"), LogisticRegression()),
    ]
    assert {type(a) for a in adapters} == set(BUILT_IN.values())
    for adapter in adapters:
        spec = adapter.describe()  # type: ignore[attr-defined]
        assert isinstance(spec, AdapterSpec)
        assert BUILT_IN[spec.name] is type(adapter)
        assert pickle.loads(pickle.dumps(spec)) == spec
        assert "api_key" not in spec


def test_rebuilt_adapters_describe_themselves_the_same(tmp_path: Path) -> None:
    for adapter in _rebuildable(tmp_path):
        spec = adapter.describe()  # type: ignore[attr-defined]
        rebuilt = build_adapter(dict(spec))  # as read back from a stored manifest
        assert type(rebuilt) is type(adapter)
        assert rebuilt.describe() == spec


def test_changed_weights_and_fitted_state_are_refused(tmp_path: Path) -> None:
    folder = _checkpoint(tmp_path / "st", b"\x01")
    spec = SentenceEmbeddingAdapter(folder).describe()
    (folder / "model.safetensors").write_bytes(b"\x03" * 512)
    with pytest.raises(AdapterRebuildError, match="is not the one the run used") as info:
        build_adapter(spec)
    assert info.value.what == "a SentenceEmbeddingAdapter"
    with pytest.raises(AdapterRebuildError, match="not its fitted state") as info:
        build_adapter(SklearnAdapter(LogisticRegression(C=2.0)).describe())
    assert info.value.what == "the fitted estimator"
    classifier = EmbeddingClassifierAdapter(SentenceEmbeddingAdapter(folder), LogisticRegression())
    with pytest.raises(AdapterRebuildError, match=r"LogisticRegression'.*not its fitted state"):
        build_adapter(classifier.describe())
