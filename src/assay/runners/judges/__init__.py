"""Judges: a judge model with a rubric (:class:`ModelGradedScorer`), trained embedding judges
(:class:`EmbeddingJudge`, fitted and cross-validated against human labels), and the grading of
a run's records with them (a judge that fails on a record leaves only its metric missing)."""
