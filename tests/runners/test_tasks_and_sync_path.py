"""Prompt templates, rate-limit buckets, and the synchronous path next to the asynchronous one."""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

import assay
from assay.errors import ConfigError, DataError
from assay.runners import (
    CallableAdapter,
    PromptTemplate,
    TokenBucket,
    evaluate_suite,
    example_fields,
)
from assay.runners.adapters._http import retry_after_seconds


@pytest.fixture
def sliced() -> assay.SuiteData:
    return assay.make_suite(
        "s",
        [
            {
                "example_id": "a",
                "cluster": "c1",
                "input": {"question": "why", "lang": "shadowed"},
                "reference": "because",
                "slices": {"lang": "en"},
            },
            {"example_id": "b", "input": "plain text", "slices": {"lang": "de"}},
        ],
        metrics=["accuracy"],
        slices=["lang"],
    )


def test_example_fields_expose_input_keys_slices_and_fixed_names(sliced):
    a, b = example_fields(sliced.examples, ["lang"])
    assert a["question"] == "why"
    assert a["lang"] == "en"  # the slice wins over an input key of the same name
    assert a["slices"] == {"lang": "en"}
    assert a["input"] == {"question": "why", "lang": "shadowed"}
    assert (a["reference"], a["cluster"], a["example_id"]) == ("because", "c1", "a")
    assert b["input"] == "plain text" and b["reference"] is None


def test_template_renders_fields_and_reports_missing_ones(sliced):
    a, b = example_fields(sliced.examples, ["lang"])
    template = PromptTemplate("[{{ slices.lang }}] {{ question }} -> {{ reference }}\n")
    assert template.render(a) == "[en] why -> because\n"
    with pytest.raises(DataError, match=r"^template: 'question' is undefined$"):
        template.render(b)
    assert template.digest == hashlib.sha256(template.text.encode()).hexdigest()
    assert template.describe() == {"text": template.text, "digest": template.digest}


def test_template_syntax_error_is_a_config_error():
    with pytest.raises(ConfigError, match="not valid Jinja"):
        PromptTemplate("{{ oops ").render({})


def test_template_is_sandboxed():
    with pytest.raises(DataError, match="template: "):
        PromptTemplate("{{ x.__class__.__mro__[1].__subclasses__() }}").render({"x": 1})


def test_token_bucket_waits_for_refill():
    async def take() -> float:
        bucket = TokenBucket(per_minute=600, burst=5)  # 10 per second
        t0 = time.monotonic()
        await bucket.acquire(5)
        await bucket.acquire(5)
        return time.monotonic() - t0

    assert asyncio.run(take()) >= 0.45


def test_retry_after_forms():
    assert retry_after_seconds({"Retry-After": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    now = datetime(2030, 1, 1, tzinfo=UTC)
    date = format_datetime(now + timedelta(seconds=20), usegmt=True)
    assert retry_after_seconds({"Retry-After": date}, now=now.timestamp()) == pytest.approx(20)
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_sync_adapters_repeat_samples_and_score(sliced):
    calls: list[object] = []

    def model(x: object) -> str:
        calls.append(x)
        if x == "plain text":
            raise RuntimeError("cannot")
        return "because"

    records = evaluate_suite(
        sliced, CallableAdapter(model), samples=2, scorers={"accuracy": assay_exact}
    ).to_pylist()
    assert [(r["example_id"], r["sample_index"]) for r in records] == [
        ("a", 0),
        ("a", 1),
        ("b", 0),
        ("b", 1),
    ]
    assert [r["accuracy"] for r in records[:2]] == [1.0, 1.0]
    assert all(r["error"].startswith("RuntimeError: cannot") for r in records[2:])
    assert all(math.isnan(r["accuracy"]) for r in records[2:])


def assay_exact(output: object, reference: object) -> float:
    return float(output == reference)


def test_cache_dir_needs_an_asynchronous_adapter(sliced, tmp_path):
    with pytest.raises(ConfigError, match="The 'cache_dir' parameter of evaluate_suite"):
        evaluate_suite(sliced, CallableAdapter(str), cache_dir=tmp_path)
    with pytest.raises(ConfigError, match="The 'samples' parameter of evaluate_suite"):
        evaluate_suite(sliced, CallableAdapter(str), samples=0)
