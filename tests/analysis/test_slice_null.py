"""Slice discovery under the null (errors independent of every attribute) and with a planted
slice: the share of seeds with any discovery (FWER), the mean false-discovery proportion (FDR),
and power. The default run uses 40 seeds with a binomial allowance; the slow run uses 1,000
seeds and holds the levels themselves."""

from __future__ import annotations

import numpy as np
import pytest
from slice_simulation import PLANTED, false_discoveries, run

ALPHA = 0.05


def _null_share(control: str, seeds: int) -> float:
    return float(np.mean([run(s, control, planted=False)[0].found for s in range(seeds)]))


def _planted(control: str, seeds: int) -> tuple[float, float]:
    power, fdp = [], []
    for s in range(seeds):
        found, p, table = run(s, control, planted=True)
        power.append(any(d.description == PLANTED for d in found.slices))
        fdp.append(false_discoveries(found, p, table) / len(found.slices) if found.slices else 0.0)
    return float(np.mean(power)), float(np.mean(fdp))


@pytest.mark.parametrize("control", ["holm", "bh", "split"])
def test_null_few_seeds_within_a_binomial_allowance(control):
    # 40 seeds at a true rate of 5%: more than 7 seeds with a discovery has probability < 0.001
    assert _null_share(control, 40) <= 7 / 40


@pytest.mark.parametrize("control", ["holm", "bh"])
def test_planted_slice_found_few_seeds(control):
    power, fdp = _planted(control, 20)
    assert power >= 0.8
    assert fdp <= 0.25


@pytest.mark.slow
@pytest.mark.parametrize("control", ["holm", "bh", "split"])
def test_null_1000_seeds(control):
    # holm and split control the family-wise error rate; under the complete null BH's mean
    # false-discovery proportion is the same share (any discovery is all false)
    assert _null_share(control, 1000) <= ALPHA


@pytest.mark.slow
@pytest.mark.parametrize("control", ["holm", "bh"])
def test_planted_1000_seeds_power_and_fdr(control):
    power, fdp = _planted(control, 1000)
    assert power >= 0.8
    assert fdp <= ALPHA
