"""Real Adult runs, small enough for tests: the first rows of the census test split as a suite,
a logistic regression trained on the first training rows, and seeded variants of it.

The variants are the baseline's own predictions with a seeded share flipped: flipping a share
of a classifier's answers makes it clearly no better (a known, controlled loss), which is what
a futility test needs; the baseline itself is a real model's predictions on real people.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa

import assay
from assay.data import SuiteData, make_suite
from assay.datasets import ADULT_FEATURES, load_adult

TEST_ROWS = 1200
TRAIN_ROWS = 3000
CATEGORICAL = [
    "workclass",
    "education",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "native_country",
]


@cache
def adult_subset(
    rows: int = TEST_ROWS, version: str = "uci-test-head", cluster_size: int = 0
) -> SuiteData:
    """The first ``rows`` people of the Adult test split as a suite (slice: sex); with
    ``cluster_size``, consecutive people in clusters of that many."""
    test = load_adult("test").head(rows)
    columns = {
        "example_id": [f"adult-test-{r}" for r in test["row"]],
        "sex": test["sex"].tolist(),
        "reference": test["income"].tolist(),
    }
    if cluster_size:
        columns["cluster"] = [f"block-{i // cluster_size}" for i in range(rows)]
        version = f"{version}-clusters-{cluster_size}"
    table = pa.table(columns)
    return make_suite(
        "adult-income",
        table,
        version=f"{version}-{rows}",
        metrics=[{"name": "accuracy", "goal": "higher", "scorer": "exact_match"}],
        slices=["sex"],
    )


@cache
def _baseline_predictions(rows: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in ADULT_FEATURES if c not in CATEGORICAL]
    model = Pipeline(
        [
            (
                "features",
                ColumnTransformer(
                    [
                        ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
                        ("numeric", StandardScaler(), numeric),
                    ]
                ),
            ),
            ("model", LogisticRegression(max_iter=2000, random_state=0)),
        ]
    )
    train = load_adult("train").head(TRAIN_ROWS)
    model.fit(train[ADULT_FEATURES], train["income"])
    test = load_adult("test").head(rows)
    return np.asarray(model.predict(test[ADULT_FEATURES])), np.asarray(test["income"])


def log_adult_run(
    store: assay.Store,
    model: str,
    *,
    flip: float = 0.0,
    seed: int = 0,
    suite: SuiteData | None = None,
) -> str:
    """Store the logistic regression's run on the subset, with a seeded share ``flip`` of its
    answers flipped; returns the run id."""
    data = suite or adult_subset()
    rows = data.suite.n_examples
    predicted, truth = _baseline_predictions(rows)
    labels = np.unique(truth)
    rng = np.random.default_rng(seed)
    flipped = rng.random(rows) < flip
    other = np.where(predicted == labels[0], labels[1], labels[0])
    output = np.where(flipped, other, predicted)
    records = pa.table(
        {
            "example_id": data.examples.column("example_id").to_pylist(),
            "output": output.tolist(),
            "accuracy": (output == truth).astype(np.float64),
        }
    )
    return assay.log_run(records, suite=data, model=model, store=store).run.run_id


STUDY = """\
name: {name}
hypothesis: The retrained income classifier is at least 1 point more accurate overall.
owner: Ana Lima
deadline: "{deadline}"
suites: [adult-income]
primary_metric: accuracy
minimum_effect: 0.01
decision_rule: {policy}
sample_size:
  method: mcnemar
  discordance: 0.08
  alpha: 0.05
  power: 0.8
{stated}stopping_rule:
  kind: {stopping}
{looks}kill_criteria:
  - the confidence sequence's upper bound falls below the effect that matters
  - no decision by the deadline
"""


def write_study(
    folder: Path,
    name: str = "adult-retrain",
    *,
    deadline: str = "2099-01-31",
    policy: str = "default",
    stated: int | None = None,
    stopping: str = "sequential",
    max_looks: int = 3,
) -> Path:
    """A study file on the Adult subset; returns its path."""
    text = STUDY.format(
        name=name,
        deadline=deadline,
        policy=policy,
        stated="" if stated is None else f"  n: {stated}\n",
        stopping=stopping,
        looks="" if stopping == "fixed" else f"  max_looks: {max_looks}\n",
    )
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path
