"""Model-graded judges: a judge model with a rubric (:class:`ModelGradedScorer`) and the grading
of a run's records with judges (concurrency, response cache, per-record failures)."""
