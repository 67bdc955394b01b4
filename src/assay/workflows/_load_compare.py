"""``assay load compare``: two deployments, one seeded workload, interleaved in time blocks.

Both arms are stored as ordinary runs of one suite ``load-compare:<name>`` whose examples are
the request slots (``p003r0012``: pair 3, request 12) clustered by block pair, so
``assay compare`` pairs them slot by slot and resamples whole pairs. The comparison
(:mod:`assay.workflows._load_paired`) is judged by an ordinary policy; with ``output`` the
ordinary reports are written with a latency–throughput section, and with ``record`` the
decision goes into the ledger as ``assay gate --record`` puts it there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from assay.core import Comparison, VerdictResult
from assay.errors import ConfigError
from assay.runners.load import (
    ARMS,
    InterleavedResult,
    Objective,
    Price,
    parse_objective,
    request_meets,
    run_interleaved,
)
from assay.storage import Store
from assay.workflows._load import _row, _url
from assay.workflows._load_comparison import as_comparison
from assay.workflows._load_paired import MIN_PAIRS, PairedMetric, paired_metrics
from assay.workflows._load_record import curve_points, record_decision, write_load_reports
from assay.workflows._store import resolve_store

if TYPE_CHECKING:
    from assay.gates import Policy
    from assay.reports import CurvePoint

__all__ = ["LoadComparison", "compare_interleaved", "load_compare"]


@dataclass(frozen=True)
class LoadComparison:
    """A load comparison: the blocks, the paired statistics, and the verdict if judged."""

    interleaved: InterleavedResult
    comparison: Comparison
    paired: tuple[PairedMetric, ...]
    curve: tuple[CurvePoint, ...]
    verdict: VerdictResult | None
    policy: Policy | None
    files: dict[str, Path]
    decision_id: str | None = None
    decision_created: bool = False


def compare_interleaved(
    result: InterleavedResult,
    *,
    slo: Sequence[str] = (),
    prices: dict[str, Price] | None = None,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
    runs: tuple[str, str] = ("", ""),
    models: tuple[str, str] = ("baseline@load", "candidate@load"),
    suite: tuple[str, str] = ("load-compare", ""),
) -> tuple[Comparison, list[PairedMetric]]:
    """The paired comparison of an interleaved result (DataError on unequal workloads).

    ``slo`` holds per-request objectives (``ttft<=500ms``) that define attainment; gate
    percentiles, attainment and cost with a policy on the comparison's metrics.
    """
    objectives = _request_objectives(slo)
    rows = paired_metrics(
        result,
        objectives=objectives,
        prices=prices,
        confidence=confidence,
        resamples=resamples,
        rng=seed,
    )
    comparison = as_comparison(
        rows, result, runs=runs, models=models, suite=suite, confidence=confidence
    )
    return comparison, rows


def _request_objectives(slo: Sequence[str]) -> list[Objective]:
    objectives = [parse_objective(s) for s in slo]
    if any(o.kind != "request" for o in objectives):
        raise ConfigError(
            "A load comparison takes per-request objectives (e.g. 'ttft<=500ms') to define "
            "attainment; judge percentiles, attainment and cost with a policy "
            "(e.g. a threshold rule on ttft_p99_ms)"
        )
    return objectives


def load_compare(
    baseline: str,
    candidate: str,
    *,
    prompts: Sequence[str] = ("Say hello.",),
    baseline_model: str = "model",
    candidate_model: str | None = None,
    rates: Sequence[float] = (10.0,),
    pairs_per_rate: int = 8,
    requests_per_block: int = 50,
    design: Literal["abba", "random"] = "abba",
    arrival: Literal["poisson", "gamma", "constant"] = "poisson",
    burstiness: float = 1.0,
    max_tokens: int = 64,
    chat: bool = True,
    stream: bool = True,
    timeout_s: float = 60.0,
    slo: Sequence[str] = (),
    baseline_price: Price | None = None,
    candidate_price: Price | None = None,
    policy: Policy | str | Path | None = None,
    output: str | Path | None = None,
    record: bool = False,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
    name: str = "default",
    store: Store | None = None,
) -> LoadComparison:
    """Replay one seeded workload against ``baseline`` and ``candidate`` (base URLs or full
    completions URLs) in interleaved blocks, store both arms as runs, compare them and, given a
    ``policy``, judge the comparison (at the policy's confidence). ``record`` writes the
    reports (to ``output`` or ``./assay-reports``) and puts the decision in the ledger."""
    from assay.workflows._gate import resolve_policy

    objectives = _request_objectives(slo)  # refused before anything is sent
    if pairs_per_rate < MIN_PAIRS:
        raise ConfigError(
            f"A load comparison needs at least {MIN_PAIRS} block pairs per rate; got "
            f"{pairs_per_rate}. Its intervals resample whole block pairs, and a bootstrap over "
            f"fewer than {MIN_PAIRS} clusters gives intervals too narrow for their stated "
            "confidence, even with its small-sample expansion (raise --pairs; lower "
            "--block-requests to keep the run short)"
        )
    if (baseline_price is None) != (candidate_price is None):
        raise ConfigError("A cost comparison needs a price for both arms (or for neither)")
    if record and policy is None:
        raise ConfigError("Recording a decision needs a policy to judge it (--policy)")
    chosen = resolve_policy(policy) if policy is not None else None
    conf = chosen.confidence if chosen is not None else confidence
    st = resolve_store(store)
    urls = {"baseline": _url(baseline, chat), "candidate": _url(candidate, chat)}
    result = asyncio.run(
        run_interleaved(
            urls,
            prompts,
            rates=rates,
            pairs_per_rate=pairs_per_rate,
            requests_per_block=requests_per_block,
            design=design,
            arrival=arrival,
            burstiness=burstiness,
            max_tokens=max_tokens,
            chat=chat,
            stream=stream,
            timeout_s=timeout_s,
            rng=seed,
            models={"baseline": baseline_model, "candidate": candidate_model or baseline_model},
        )
    )
    prices = None
    if baseline_price is not None and candidate_price is not None:
        prices = {"baseline": baseline_price, "candidate": candidate_price}
    suite, runs = _log(
        result, objectives, name, st, seed, (baseline_model, candidate_model or baseline_model)
    )
    comparison, rows = compare_interleaved(
        result,
        slo=slo,
        prices=prices,
        confidence=conf,
        resamples=resamples,
        seed=seed,
        runs=runs,
        models=(
            f"{baseline_model}@load-baseline",
            f"{candidate_model or baseline_model}@load-candidate",
        ),
        suite=suite,
    )
    verdict = None
    if chosen is not None:
        from assay.gates import evaluate_policy

        verdict = evaluate_policy(chosen, comparison)
    curve = tuple(curve_points(result, conf))
    files: dict[str, Path] = {}
    folder = output if output is not None else ("assay-reports" if record else None)
    if folder is not None:
        files = write_load_reports(comparison, verdict, chosen, curve, result, folder)
    decision_id, created = None, False
    if record:
        assert chosen is not None and verdict is not None
        decision_id, created = record_decision(comparison, verdict, chosen, files, st)
    return LoadComparison(
        result, comparison, tuple(rows), curve, verdict, chosen, files, decision_id, created
    )


def _log(
    result: InterleavedResult,
    objectives: Sequence[Any],
    name: str,
    store: Store,
    seed: int,
    models: tuple[str, str],
) -> tuple[tuple[str, str], tuple[str, str]]:
    from assay.data import make_suite
    from assay.workflows._log_run import log_run

    examples = [
        {
            "example_id": f"p{j:03d}r{i:04d}",
            "cluster": f"pair{j:03d}",
            "input": prompt,
            "slices": {"rate": f"{result.rates[j]:g}"},
        }
        for j, ps in enumerate(result.prompts)
        for i, prompt in enumerate(ps)
    ]
    columns = [
        "ttft_ms",
        "e2e_ms",
        "tpot_excl_first_ms",
        "tpot_incl_first_ms",
        "itl_mean_ms",
        "client_lag_ms",
    ]
    metrics: list[dict[str, Any]] = [
        {"name": c, "goal": "lower", "description": f"{c[:-3]} per request, in ms"} for c in columns
    ]
    metrics.append(
        {"name": "slo_met", "goal": "higher", "description": "met every per-request objective"}
    )
    suite = make_suite(f"load-compare:{name}", examples, metrics=metrics, slices=["rate"])
    runs = []
    for arm, model in zip(ARMS, models, strict=True):
        rows = []
        for block in result.arm(arm):
            for i, t in enumerate(block.timings):
                met = all(request_meets(t, o) for o in objectives)
                row = _row(i, t, "measured", met)
                row["example_id"] = f"p{block.pair:03d}r{i:04d}"
                del row["phase"]
                rows.append(row)
        params = {
            k: v for k, v in result.settings.items() if isinstance(v, str | int | float | bool)
        }
        logged = log_run(
            rows,
            suite=suite,
            model=f"{model}@load-{arm}",
            store=store,
            params={**params, "arm": arm},
            seeds={"arrivals": seed},
            source="load",
        )
        runs.append(logged.run.run_id)
    return (suite.suite.name, suite.suite.digest), (runs[0], runs[1])
