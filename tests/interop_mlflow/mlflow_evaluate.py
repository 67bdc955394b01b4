"""Run by the MLflow virtual environment's Python: log an evaluation with ``mlflow.evaluate``.

Usage: ``python mlflow_evaluate.py TRACKING_URI MODEL SEED``; prints the MLflow run id. The data
are 60 questions on three topics with a known answer each; the "model" answers correctly with a
probability set by SEED, so two seeds give two runs on the same data (they pair in assay).
"""

import random
import sys

import mlflow
import pandas as pd
from mlflow.metrics import MetricValue, make_metric


def _exact(predictions, targets, metrics):
    scores = [float(p == t) for p, t in zip(predictions, targets, strict=True)]
    return MetricValue(scores=scores, aggregate_results={"mean": sum(scores) / len(scores)})


def main() -> None:
    uri, model, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(seed)
    topics = ["math", "history", "science"]
    rows = []
    for i in range(60):
        answer = f"answer {i}"
        correct = rng.random() < (0.6 + 0.1 * seed)
        rows.append(
            {
                "inputs": f"question {i}?",
                "topic": topics[i % 3],
                "target": answer,
                "outputs": answer if correct else f"wrong {i}",
            }
        )
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("evals")
    with mlflow.start_run(run_name=f"{model}-eval") as run:
        mlflow.log_params({"model": model, "model_version": f"v{seed}", "temperature": "0.2"})
        mlflow.models.evaluate(
            data=pd.DataFrame(rows),
            predictions="outputs",
            targets="target",
            extra_metrics=[make_metric(eval_fn=_exact, greater_is_better=True, name="exact")],
        )
        print(run.info.run_id)


if __name__ == "__main__":
    main()
