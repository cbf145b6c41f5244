"""The trivial predictors that give a flagger's figures their meaning.

* ``all``: flag every segment, the span being the whole target;
* ``none``: flag nothing;
* ``random``: flag each segment with probability ``rate`` (the flagger's own flagged-segment
  share), the span being the whole target, from a seeded generator;
* ``longest``: flag the longest targets, as many as ``rate`` of them (a length-only predictor:
  longer sentences carry more errors, so any detector must beat this to know more than length);
* ``random (expected)``: the same, in expectation, computed exactly: every count of the
  ``all`` baseline that depends on what is flagged is scaled by ``rate``, so its precisions are
  those of ``all`` and its recalls are ``rate`` times those of ``all``.

Whole-target baseline spans carry severity ``major``, the commoner gold severity in MQM data.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .data import AnnotatedSegment
from .metrics import PRF, PredictedSpan, Rate, Scores

BASELINE_SEVERITY = "major"


def whole(segment: AnnotatedSegment, rule: str) -> list[PredictedSpan]:
    if not segment.target:
        return []
    return [PredictedSpan(0, len(segment.target), BASELINE_SEVERITY, rule, "baseline")]


def flag_all(segments: Sequence[AnnotatedSegment]) -> list[list[PredictedSpan]]:
    return [whole(s, "baseline.all") for s in segments]


def flag_none(segments: Sequence[AnnotatedSegment]) -> list[list[PredictedSpan]]:
    return [[] for _ in segments]


def flag_random(segments: Sequence[AnnotatedSegment], rate: float, seed: int = 0) -> list[list[PredictedSpan]]:
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be in [0, 1], got {rate}")
    rng = random.Random(seed)
    return [whole(s, "baseline.random") if rng.random() < rate else [] for s in segments]


def flag_longest(segments: Sequence[AnnotatedSegment], rate: float) -> list[list[PredictedSpan]]:
    """The ``round(rate * n)`` longest targets flagged whole (ties broken by position)."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be in [0, 1], got {rate}")
    count = round(rate * len(segments))
    ranked = sorted(range(len(segments)), key=lambda i: (-len(segments[i].target), i))
    chosen = set(ranked[:count])
    return [whole(s, "baseline.longest") if i in chosen else [] for i, s in enumerate(segments)]


def _scaled(prf: PRF, rate: float) -> PRF:
    return PRF(prf.tp * rate, prf.predicted * rate, prf.gold)


def random_expected(all_scores: Scores, rate: float) -> Scores:
    """The expected figures of ``flag_random`` at ``rate``, from the ``flag_all`` scores.

    (Precision is the ratio of the expected counts, which is what a large sample approaches.)
    """
    return Scores(
        segments=all_scores.segments,
        flagged=round(all_scores.flagged * rate),
        segment_any=_scaled(all_scores.segment_any, rate),
        segment_major=_scaled(all_scores.segment_major, rate),
        span=_scaled(all_scores.span, rate),
        span_severity=_scaled(all_scores.span_severity, rate),
        false_flags=Rate(all_scores.false_flags.count * rate, all_scores.false_flags.total),
    )
