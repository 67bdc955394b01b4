"""``assay judge``: fit a trained judge on PyRIT's human labels, show one, reproduce its
cross-validation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from assay.cli._agreement import print_agreement, say
from assay.cli._options import JsonOption
from assay.cli._render import console, emit_json, error_console, safe

judge_app = typer.Typer(
    help="Trained judges (logistic regression on MiniLM embeddings) and their measured "
    "agreement with people.",
    no_args_is_help=True,
)

CacheOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir", help="Keep text embeddings in this folder, so a second fit encodes nothing."
    ),
]


@judge_app.command("fit")
def judge_fit(
    kind: Annotated[
        str,
        typer.Argument(help="What the judge labels: refusal, objective (attack success), harm."),
    ],
    out: Annotated[Path, typer.Option("--out", help="The judge file to write (JSON).")],
    name: Annotated[str | None, typer.Option(help="The judge's name (default pyrit-KIND).")] = None,
    version: Annotated[str, typer.Option(help="The judge's version.")] = "1",
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the fold assignment.")] = 0,
    cache_dir: CacheOption = None,
    json: JsonOption = False,
) -> None:
    """Fit a judge on PyRIT's human labels, cross-validated (stratified, grouped by text),
    and write it with its agreement with people."""
    from assay.workflows import fit_judge

    judge = fit_judge(
        kind, out=out, name=name, version=version, folds=folds, seed=seed, cache_dir=cache_dir
    )
    if json:
        emit_json({"path": str(out), **_payload(judge)})
        return
    console.print(f"wrote {safe(out)}", soft_wrap=True)
    _render(judge)


@judge_app.command("show")
def judge_show(
    path: Annotated[Path, typer.Argument(help="A judge file.")],
    json: JsonOption = False,
) -> None:
    """Show a judge: identity, digest, training and cross-validated agreement with people."""
    from assay.workflows import load_judge

    judge = load_judge(path)
    if json:
        emit_json(_payload(judge))
        return
    _render(judge)


@judge_app.command("validate")
def judge_validate(
    path: Annotated[Path, typer.Argument(help="A judge file fitted on PyRIT's labels.")],
    cache_dir: CacheOption = None,
    json: JsonOption = False,
) -> int:
    """Run a judge's cross-validation again from the shipped labels; exit 3 when the numbers
    differ from those the file records."""
    from assay.workflows import reproduce_judge

    result = reproduce_judge(path, cache_dir=cache_dir)
    if json:
        emit_json(
            {
                "reproduced": result.reproduced,
                "recorded": result.recorded.to_dict(),
                "again": result.again.to_dict(),
            }
        )
    else:
        _render(result.judge)
        again = result.again
        word = "reproduced" if result.reproduced else "NOT reproduced"
        console.print(
            f"cross-validation run again: kappa {again.kappa.estimate:.4f}, confusion "
            f"{[list(r) for r in again.confusion]}: {word}"
        )
    return 0 if result.reproduced else 3


def _payload(judge: Any) -> dict[str, Any]:
    validation = None if judge.validation is None else judge.validation.to_dict()
    return {
        "name": judge.name,
        "version": judge.version,
        "kind": judge.kind,
        "digest": judge.digest,
        "model_digest": judge.model_digest,
        "threshold": judge.threshold,
        "training": judge.training,
        "validated": judge.validated,
        "validation": validation,
    }


def _render(judge: Any) -> None:
    console.print(
        f"judge {safe(judge.name)} {safe(judge.version)} ({safe(judge.kind)}), digest "
        f"{judge.digest[:12]}"
    )
    training = judge.training
    console.print(
        f"trained on {training.get('n')} labelled pairs ({training.get('n_positive')} labelled 1)"
    )
    say(f"labels: {training.get('source')}")
    say(f"model: {training.get('model')}; chosen C={training.get('c')}")
    v = judge.validation
    if v is None:
        error_console().print(f"warning: {safe(judge.unvalidated_message())}", soft_wrap=True)
        return
    print_agreement(v)
