"""What a report compares: two runs of an offline evaluation, or the arms of an A/B experiment.

An offline comparison pairs the two runs example by example; an A/B experiment compares
independent groups of users randomised to arms, so nothing is paired and nothing flips. The
report renderers take a :class:`ReportKind` and name the units, the groups and the whole
accordingly, leaving out what has no meaning for an experiment (flips, pairing, coverage,
the runs' manifests and error counts), and count the units of each arm apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["OFFLINE", "ReportKind", "experiment_kind"]


@dataclass(frozen=True)
class ReportKind:
    """How a report names what was compared.

    ``unit`` is what one observation is ("example", "user"), ``group`` what the baseline and
    the candidate are ("run", "arm"), ``whole`` what was run ("suite", "experiment"). Paired
    comparisons report flips and coverage; unpaired ones report ``group_sizes`` instead
    (units per group, baseline first).
    """

    unit: str = "example"
    group: str = "run"
    whole: str = "suite"
    paired: bool = True
    group_sizes: tuple[tuple[str, int], ...] = field(default=())

    @property
    def everyone(self) -> str:
        """The label of the overall result: ``all examples``, ``all users``."""
        return f"all {self.unit}s"

    @property
    def basis(self) -> str:
        """How the baseline and the candidate are matched, for the Methods section."""
        if self.paired:
            return f"Comparisons are paired by {self.unit} id"
        return f"The {self.group}s are independent groups of {self.unit}s (unpaired)"

    @property
    def n_header(self) -> str:
        """The results table's count column: ``n``, or ``n (control / treatment)`` per arm."""
        if self.paired or len(self.group_sizes) != 2:
            return "n"
        return f"n ({self.group_sizes[0][0]} / {self.group_sizes[1][0]})"

    def n_cell(self, n: int) -> str:
        """A result's count: ``1,200`` paired; per group, ``1,200 / 1,250``, when unpaired.

        An unpaired result whose count is not the groups' sizes added up (a metric measured
        on some of the users only) shows its total, said to cover both groups.
        """
        if self.paired or len(self.group_sizes) != 2:
            return f"{n:,}"
        (_, a), (_, b) = self.group_sizes
        if a + b != n:
            return f"{n:,} (both {self.group}s)"
        return f"{a:,} / {b:,}"


OFFLINE = ReportKind()
"""Two runs of an offline evaluation, paired by example id."""


def experiment_kind(users_per_arm: Mapping[str, int]) -> ReportKind:
    """An A/B experiment: arms of users, independent groups; ``users_per_arm`` control first."""
    return ReportKind(
        unit="user",
        group="arm",
        whole="experiment",
        paired=False,
        group_sizes=tuple((str(arm), int(n)) for arm, n in users_per_arm.items()),
    )
