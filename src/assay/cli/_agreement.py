"""A trained judge's measured agreement with people, as ``assay judge show`` and ``assay
safety --judge`` print it: kappa and alpha with their intervals, the confusion matrix and the
method of every number."""

from __future__ import annotations

from typing import Any

from assay.cli._render import console, new_table, safe, wrap_plain

__all__ = ["print_agreement", "say"]


def print_agreement(v: Any) -> None:
    """The agreement table of a judge's validation ``v``, its confusion matrix and methods."""
    table = new_table(
        f"agreement with people ({v.n} pairs, {v.n_groups} distinct texts)",
        ("statistic", "value", f"{v.kappa.confidence:.0%} interval"),
        numbers=("value", f"{v.kappa.confidence:.0%} interval"),
    )
    table.add_row("Cohen's kappa", f"{v.kappa.estimate:.3f}", _interval(v.kappa))
    table.add_row("Krippendorff's alpha", f"{v.alpha.estimate:.3f}", _interval(v.alpha))
    table.add_row("accuracy", f"{v.accuracy:.3f}", "")
    table.add_row("sensitivity", f"{v.sensitivity:.3f}", "")
    table.add_row("specificity", f"{v.specificity:.3f}", "")
    table.add_row("human rate", f"{v.human_rate:.3f}", "")
    table.add_row("judge rate", f"{v.judge_rate:.3f}", "")
    console.print(table)
    (tn, fp), (fn, tp) = v.confusion
    confusion = new_table(
        "confusion (rows: people, columns: judge)",
        ("", "judge 0", "judge 1"),
        numbers=("judge 0", "judge 1"),
    )
    confusion.add_row("human 0", str(tn), str(fp))
    confusion.add_row("human 1", str(fn), str(tp))
    console.print(confusion)
    for key, method in v.methods().items():
        say(f"{key}: {method}")


def say(text: str) -> None:
    """Untrusted text, wrapped at 80 columns with the continuation indented."""
    for line in wrap_plain(text, indent="  "):
        console.print(safe(line))


def _interval(est: Any) -> str:
    return f"[{est.low:.3f}, {est.high:.3f}]"
