"""The monitoring example: the Adult census candidate watched over windows of its test split.

The reference is the profile of the training split (the evidence the model was shipped on):
its features and the candidate's score. The test split is cut into windows; some are drawn as
they are, others with an induced shift (older people drawn ``age_weight`` times as often:
reweighting ``age``). The story it tells: the shifted windows flag ``age`` (and what moves
with it), the unshifted windows raise nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assay.datasets import ADULT_FEATURES, load_adult
from assay.demo._adult import SEED, _models
from assay.monitor import DriftResult, DriftSpec, Profile, drift, profile

__all__ = ["MonitorExample", "run_monitor_example"]


@dataclass(frozen=True)
class MonitorExample:
    """The reference profile and each window's drift result."""

    reference: Profile
    """Profile of the training split's features and the candidate's score."""
    windows: tuple[tuple[str, bool, DriftResult], ...]
    """``(label, shifted, result)`` per window, unshifted windows first."""

    def drifted_columns(self, shifted: bool) -> set[str]:
        """Columns flagged in any window of that kind."""
        return {c for _, s, r in self.windows if s == shifted for c in r.drifted}


def _with_score(frame: pd.DataFrame, model: object) -> pd.DataFrame:
    out = frame[ADULT_FEATURES].copy()
    out["score"] = model.predict_proba(frame[ADULT_FEATURES])[:, 1]  # type: ignore[attr-defined]
    return out


def run_monitor_example(
    *,
    windows: int = 4,
    shifted_windows: int = 2,
    window_rows: int = 2000,
    age_weight: float = 4.0,
    spec: DriftSpec | None = None,
    seed: int = SEED,
) -> MonitorExample:
    """Fit the demo's candidate on the training split, profile the training split, and judge
    ``windows`` unshifted and ``shifted_windows`` shifted windows of the test split."""
    train, test = load_adult("train"), load_adult("test")
    model = _models()["candidate"]
    model.fit(train[ADULT_FEATURES], (train["income"].str.startswith(">50K")).astype(int))
    reference = profile(_with_score(train, model), name="adult train (candidate evidence)")
    scored = _with_score(test, model)
    rng = np.random.default_rng(seed)
    weights = np.where(scored["age"].to_numpy() >= 50, age_weight, 1.0)
    weights = weights / weights.sum()
    results = []
    for i in range(windows + shifted_windows):
        shifted = i >= windows
        rows = rng.choice(
            len(scored), size=window_rows, replace=False, p=weights if shifted else None
        )
        label = f"{'shifted' if shifted else 'window'} {i + 1}"
        window = scored.iloc[np.sort(rows)].reset_index(drop=True)
        results.append((label, shifted, drift(window, reference, spec=spec, name=label)))
    return MonitorExample(reference, tuple(results))
