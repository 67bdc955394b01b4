"""Every load metric against its definition on constructed requests."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assay.errors import ConfigError
from assay.runners.load import (
    Price,
    RequestTiming,
    judge_objectives,
    parse_objective,
    summarise_load,
)


def _request(sent: float, first: float, tokens: int, last: float, **kw: object) -> RequestTiming:
    times = tuple(np.linspace(first, last, tokens)) if tokens > 1 else (first,)
    return RequestTiming(sent, sent, chunk_times_s=times, output_tokens=tokens, end_s=last, **kw)  # type: ignore[arg-type]


def test_the_issue_example() -> None:
    t = _request(0.0, 0.5, 11, 1.5)
    assert t.ttft_s == 0.5 and t.e2e_s == 1.5
    assert t.tpot_excl_first_s == pytest.approx(0.100)
    assert t.tpot_incl_first_s == pytest.approx(0.13636, abs=1e-5)
    assert t.itl_mean_s == pytest.approx(0.1) and len(t.itl_gaps_s) == 10


def test_client_lag_and_times_from_the_scheduled_send() -> None:
    t = RequestTiming(1.0, 1.25, chunk_times_s=(1.5, 2.0), output_tokens=2)
    assert t.client_lag_s == 0.25 and t.ttft_s == 0.25 and t.ttft_from_scheduled_s == 0.5
    assert t.e2e_from_scheduled_s == 1.0


def test_errors_and_one_token_answers_leave_undefined_metrics_undefined() -> None:
    failed = RequestTiming(0.0, 0.0, error="timeout", end_s=3.0)
    assert failed.ttft_s is None and failed.e2e_s is None and failed.itl_gaps_s == ()
    one = _request(0.0, 0.2, 1, 0.2)
    assert one.tpot_excl_first_s is None and one.tpot_incl_first_s == pytest.approx(0.2)


def test_itl_pooled_weighs_long_answers_and_per_request_does_not() -> None:
    long = _request(0.0, 0.1, 101, 10.1)  # gaps of 100 ms
    short = _request(0.0, 0.1, 3, 0.1 + 2 * 0.01)  # gaps of 10 ms
    s = summarise_load([long, short])
    assert s.metrics["itl_pooled_p50_ms"].estimate == pytest.approx(100.0)
    assert s.metrics["itl_mean_ms"].estimate == pytest.approx(55.0)


def test_rates_attainment_goodput_and_errors() -> None:
    ok = [_request(i * 0.1, i * 0.1 + 0.05, 5, i * 0.1 + 0.09) for i in range(20)]
    slow = [_request(2.0 + i * 0.1, 2.0 + i * 0.1 + 0.5, 5, 2.0 + i * 0.1 + 0.6) for i in range(5)]
    bad = [RequestTiming(3.0, 3.0, error="http_503", end_s=3.01)]
    cancelled = [RequestTiming(3.1, 3.1, cancelled=True)]
    objectives = [parse_objective("ttft<=100ms"), parse_objective("attainment>=0.5")]
    s = summarise_load(ok + slow + bad + cancelled, objectives=objectives)
    assert s.n_requests == 26 and s.n_ok == 25 and s.n_cancelled == 1
    assert s.errors_by_kind == {"http_503": 1}
    assert s.metrics["attainment"].estimate == pytest.approx(20 / 26)
    assert s.metrics["error_rate"].estimate == pytest.approx(1 / 26)
    span = 3.01 - 0.0
    assert s.duration_s == pytest.approx(span)
    assert s.metrics["requests_per_s"].estimate == pytest.approx(25 / span)
    assert s.metrics["output_tokens_per_s"].estimate == pytest.approx(125 / span)
    assert s.metrics["goodput"].estimate == pytest.approx(20 / span)
    m = s.metrics["attainment"]
    assert m.method.startswith("wilson") or "wilson" in m.method.lower()


def test_cost_from_a_price_per_token_and_per_gpu_hour() -> None:
    reqs = [_request(i, i + 0.1, 10, i + 0.5, input_tokens=20) for i in range(10)]
    s = summarise_load(reqs, price=Price(per_million_input=1.0, per_million_output=3.0))
    assert s.metrics["cost_per_1k_tokens"].estimate == pytest.approx(
        (200 * 1 + 100 * 3) / 1e6 / 100 * 1e3
    )
    g = summarise_load(reqs, price=Price(per_gpu_hour=3.6))
    tps = g.metrics["output_tokens_per_s"]
    assert g.metrics["cost_per_1k_tokens"].estimate == pytest.approx(0.001 / tps.estimate * 1e3)


@pytest.mark.parametrize("price", [Price(per_gpu_hour=0.0), Price(per_million_output=0.0)])
def test_a_price_of_zero_is_refused(price: Price) -> None:
    with pytest.raises(ConfigError, match="must be > 0"):
        summarise_load([_request(0, 0.1, 3, 0.2)], price=price)


def test_a_p99_objective_on_too_few_requests_is_inconclusive() -> None:
    reqs = [_request(i * 0.01, i * 0.01 + 0.05, 3, i * 0.01 + 0.07) for i in range(100)]
    s = summarise_load(reqs)
    verdict, results = judge_objectives(s, reqs, [parse_objective("ttft_p99<=500ms")])
    assert (
        verdict == "INCONCLUSIVE"
        and "too few requests for a p99 objective: 100 < 368" in results[0].reason
    )


def test_verdicts_on_enough_requests() -> None:
    reqs = [_request(i * 0.01, i * 0.01 + 0.05, 3, i * 0.01 + 0.07) for i in range(400)]
    s = summarise_load(reqs)
    assert judge_objectives(s, reqs, [parse_objective("ttft_p99<=500ms")])[0] == "SHIP"
    assert judge_objectives(s, reqs, [parse_objective("ttft_p99<=10ms")])[0] == "BLOCK"


def test_errors_count_as_misses_in_a_percentile_objective() -> None:
    reqs = [_request(i * 0.01, i * 0.01 + 0.05, 3, i * 0.01 + 0.07) for i in range(380)]
    reqs += [RequestTiming(4.0, 4.0, error="timeout", end_s=5.0)] * 20
    s = summarise_load(reqs)
    verdict, results = judge_objectives(s, reqs, [parse_objective("ttft_p99<=500ms")])
    assert verdict == "BLOCK" and math.isinf(results[0].estimate.low)


def test_an_objective_on_an_unmeasured_metric_is_refused() -> None:
    reqs = [RequestTiming(0.0, 0.0, chunk_times_s=(0.2,), output_tokens=3, streamed=False)]
    s = summarise_load(reqs)
    with pytest.raises(ConfigError, match="did not measure"):
        judge_objectives(s, reqs, [parse_objective("ttft_p99<=500ms")])


@pytest.mark.parametrize(
    "text", ["ttft<500ms", "speed<=3", "attainment>=0.9ms", "ttft>=1s", "ttft_p120<=1s"]
)
def test_unreadable_objectives_say_why(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_objective(text)


def test_ttft_percentile_interval_covers_the_true_value_over_seeded_runs() -> None:
    true_p90 = 0.02 + 0.01 * math.log(10)
    hits, trials = 0, 300
    for seed in range(trials):
        rng = np.random.default_rng(seed)
        ttft = 0.02 + rng.exponential(0.01, 200)
        reqs = [
            RequestTiming(i * 0.01, i * 0.01, chunk_times_s=(i * 0.01 + x,), output_tokens=1)
            for i, x in enumerate(ttft)
        ]
        e = summarise_load(reqs).metrics["ttft_p90_ms"]
        hits += e.low <= true_p90 * 1e3 <= e.high
    assert hits / trials >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / trials)
