"""Measure the flagger against human MQM error annotations, and calibrate it on them.

:mod:`.data` reads annotations (JSONL, MQM TSV), :mod:`.metrics` holds the scorers (pure
functions), :mod:`.baselines` the trivial predictors, :mod:`.runner` runs an auditor over the
segments, :mod:`.calibrate` chooses the shipped rule selection by document-level
cross-validation, :mod:`.cli` is ``mt-audit eval``.
"""
