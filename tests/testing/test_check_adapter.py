"""The built-in adapters that need no heavy model pass the adapter conformance check."""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import assay
from assay.runners import CallableAdapter, OpenAIAdapter, SklearnAdapter, VaderAdapter
from assay.testing import QA_TEMPLATE, FakeOpenAI, check_adapter, fake_reply

EXACT = [{"name": "accuracy", "scorer": "exact_match"}]


def answer(example: dict[str, Any]) -> str:
    if example["question"].startswith("boom"):
        raise ValueError("this example cannot be answered")
    return fake_reply(f"Q: {example['question']}")


def failing(name: str, question: str) -> assay.SuiteData:
    examples = [{"example_id": "f1", "input": {"question": question}, "reference": "x"}]
    return assay.make_suite(name, examples, metrics=EXACT)


def test_callable_adapter_conforms() -> None:
    records = check_adapter(CallableAdapter(answer), failing_suite=failing("bad", "boom"))
    assert records.column("accuracy").to_pylist()[:2] == [1.0, 0.0]


def test_sklearn_adapter_conforms() -> None:
    x, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(x, y)
    rows = x.head(20).to_dict(orient="records")
    examples = [
        {"example_id": f"bc{i}", "input": row, "reference": int(y.iloc[i])}
        for i, row in enumerate(rows)
    ]
    suite = assay.make_suite("bc", examples, metrics=EXACT)
    broken = {**rows[0], "mean radius": "not a number"}
    bad = assay.make_suite(
        "bc-bad", [{"example_id": "x", "input": broken, "reference": 0}], metrics=EXACT
    )
    check_adapter(SklearnAdapter(model, columns=list(x.columns)), suite, failing_suite=bad)


def test_openai_adapter_conforms_against_the_fake_server() -> None:
    with FakeOpenAI() as server:
        adapter = OpenAIAdapter(
            "fake", base_url=server.url, prompt_template=QA_TEMPLATE, backoff_s=0.01
        )
        check_adapter(adapter, failing_suite=failing("bad", "MALFORMED"))


def test_vader_adapter_conforms() -> None:
    pytest.importorskip("vaderSentiment")
    examples = [
        {"example_id": "v1", "input": "What a wonderful day!", "reference": "positive"},
        {"example_id": "v2", "input": "This is awful and sad.", "reference": "negative"},
    ]
    check_adapter(VaderAdapter(), assay.make_suite("vader", examples, metrics=EXACT))


def test_an_adapter_that_cannot_be_pickled_fails() -> None:
    import threading

    class Locked(CallableAdapter):
        def __init__(self) -> None:
            super().__init__(answer)
            self.lock = threading.Lock()  # what Ray cannot ship to a worker

    with pytest.raises(AssertionError, match="does not survive pickling"):
        check_adapter(Locked())


def test_an_adapter_whose_description_is_not_json_fails() -> None:
    class Opaque(CallableAdapter):
        def describe(self) -> dict[str, Any]:
            return {"adapter": self.name, "callable": answer}  # a function, not JSON

    with pytest.raises(AssertionError, match="describe\\(\\) is not JSON-ready"):
        check_adapter(Opaque(answer))
