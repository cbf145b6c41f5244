"""Scorers of a span flagger against human error spans: pure functions, no I/O.

* Span level (WMT 2023 QE task 2): per segment, the predicted spans are merged (so no character
  counts twice) and so are the gold spans; precision = overlapping characters / predicted
  characters, recall = overlapping characters / gold characters, both micro-averaged (sums over
  all segments before dividing). Partial overlap counts in proportion. The severity-aware variant
  gives an overlapping character full credit when the predicted and gold severities agree
  (critical counts as major) and half credit when they differ.
* Segment level: "flagged" (at least one flag) against "has an error" / "has a major error".
* False-flag rate: the share of segments the raters marked error-free that got at least one flag.
* Per rule / per category: how many flags land on a gold span, on an error-free segment, elsewhere.

A ratio with a zero denominator is undefined and reported as ``None``; F1 is 0 when one of
precision and recall is 0 or undefined and the other is defined, ``None`` when both are undefined.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .data import MAJOR_SEVERITIES, AnnotatedSegment


class SpanLike(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


@dataclass(frozen=True, slots=True)
class PredictedSpan:
    """A flag reduced to what the scorers need; offsets are into the segment's target."""

    start: int
    end: int
    severity: str = "minor"
    rule: str = ""
    category: str = ""


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def f1_score(precision: float | None, recall: float | None) -> float | None:
    if precision is None and recall is None:
        return None
    if not precision or not recall:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True, slots=True)
class PRF:
    """Counts behind precision/recall/F1: ``tp`` matched, ``predicted`` and ``gold`` totals."""

    tp: float
    predicted: float
    gold: float

    @property
    def precision(self) -> float | None:
        return ratio(self.tp, self.predicted)

    @property
    def recall(self) -> float | None:
        return ratio(self.tp, self.gold)

    @property
    def f1(self) -> float | None:
        return f1_score(self.precision, self.recall)

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.predicted + other.predicted, self.gold + other.gold)

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": _round(self.precision),
            "recall": _round(self.recall),
            "f1": _round(self.f1),
            "tp": _round(self.tp, 2),
            "predicted": _round(self.predicted, 2),
            "gold": _round(self.gold, 2),
        }


@dataclass(frozen=True, slots=True)
class Rate:
    """``count`` of ``total`` (e.g. flagged error-free segments of all error-free segments)."""

    count: float  # a float only for an expectation (the analytic random baseline)
    total: int

    @property
    def value(self) -> float | None:
        return ratio(self.count, self.total)

    def to_dict(self) -> dict[str, Any]:
        return {"rate": _round(self.value), "count": _round(self.count, 2), "total": self.total}


# --- spans --------------------------------------------------------------------------------


def merge_spans(spans: Iterable[SpanLike | tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint intervals covering the same characters; empty spans vanish."""
    pairs = sorted(s if isinstance(s, tuple) else (s.start, s.end) for s in spans)
    merged: list[tuple[int, int]] = []
    for start, end in pairs:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def covered(spans: Sequence[tuple[int, int]]) -> int:
    """Characters covered by merged intervals."""
    return sum(end - start for start, end in spans)


def overlap(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int:
    """Characters in both of two merged interval lists."""
    total = i = j = 0
    while i < len(a) and j < len(b):
        low, high = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if high > low:
            total += high - low
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return total


def span_prf(pairs: Iterable[tuple[Sequence[SpanLike], Sequence[SpanLike]]]) -> PRF:
    """Character-overlap counts over ``(predicted spans, gold spans)`` pairs, one pair a segment."""
    tp = predicted = gold = 0
    for pred_spans, gold_spans in pairs:
        p, g = merge_spans(pred_spans), merge_spans(gold_spans)
        tp += overlap(p, g)
        predicted += covered(p)
        gold += covered(g)
    return PRF(tp, predicted, gold)


def _severity_rank(severity: str) -> int:
    return 2 if severity in MAJOR_SEVERITIES else 1


def _char_severities(spans: Sequence[Any]) -> dict[int, int]:
    """Character -> the highest severity rank of the spans covering it."""
    out: dict[int, int] = {}
    for span in spans:
        rank = _severity_rank(span.severity)
        for index in range(span.start, span.end):
            if out.get(index, 0) < rank:
                out[index] = rank
    return out


def span_prf_severity(pairs: Iterable[tuple[Sequence[Any], Sequence[Any]]]) -> PRF:
    """Like :func:`span_prf`, with half credit for an overlapping character whose severity differs."""
    tp = 0.0
    predicted = gold = 0
    for pred_spans, gold_spans in pairs:
        p, g = _char_severities(pred_spans), _char_severities(gold_spans)
        predicted += len(p)
        gold += len(g)
        for index, rank in p.items():
            other = g.get(index)
            if other is not None:
                tp += 1.0 if other == rank else 0.5
    return PRF(tp, predicted, gold)


# --- segments -----------------------------------------------------------------------------


def detection_prf(flagged: Sequence[bool], positive: Sequence[bool]) -> PRF:
    """Segment-level detection: flagged segments against segments with an error."""
    if len(flagged) != len(positive):
        raise ValueError(f"{len(flagged)} predictions but {len(positive)} gold labels")
    tp = sum(1 for f, g in zip(flagged, positive, strict=True) if f and g)
    return PRF(tp, sum(map(bool, flagged)), sum(map(bool, positive)))


def false_flag_rate(flagged: Sequence[bool], has_error: Sequence[bool]) -> Rate:
    """Share of error-free segments that got at least one flag."""
    if len(flagged) != len(has_error):
        raise ValueError(f"{len(flagged)} predictions but {len(has_error)} gold labels")
    clean = [f for f, e in zip(flagged, has_error, strict=True) if not e]
    return Rate(sum(map(bool, clean)), len(clean))


# --- per rule / category ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupStat:
    """Where the flags of one rule (or one flag category) land."""

    key: str
    flags: int  # flags raised
    on_gold: int  # flags overlapping at least one character of a gold span
    on_major: int  # ... of a major (or critical) gold span
    on_clean: int  # flags on segments the raters marked error-free
    segments: int  # distinct segments flagged

    @property
    def elsewhere(self) -> int:
        """Flags on a segment with errors, but off every gold span."""
        return self.flags - self.on_gold - self.on_clean

    @property
    def precision(self) -> float | None:
        return ratio(self.on_gold, self.flags)

    @property
    def noisy(self) -> bool:
        """Fires on error-free segments more often than it lands on a gold span."""
        return self.on_clean > self.on_gold

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "flags": self.flags,
            "on_gold": self.on_gold,
            "on_major": self.on_major,
            "on_clean": self.on_clean,
            "elsewhere": self.elsewhere,
            "segments": self.segments,
            "precision": _round(self.precision),
            "noisy": self.noisy,
        }


def _hits(span: SpanLike, gold: Sequence[SpanLike]) -> list[SpanLike]:
    return [g for g in gold if min(span.end, g.end) > max(span.start, g.start)]


def group_stats(
    items: Iterable[tuple[Sequence[PredictedSpan], AnnotatedSegment]],
    key: Callable[[PredictedSpan], str] = lambda p: p.rule,
) -> list[GroupStat]:
    """Per-group landing counts, most flags first."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for pred_spans, segment in items:
        seen: set[str] = set()
        for span in pred_spans:
            row = counts[key(span)]
            row[0] += 1
            hits = _hits(span, segment.spans)
            row[1] += bool(hits)
            row[2] += any(h.is_major for h in hits)  # type: ignore[attr-defined]
            row[3] += not segment.has_error
            seen.add(key(span))
        for name in seen:
            counts[name][4] += 1
    stats = [GroupStat(k, *v) for k, v in counts.items()]
    return sorted(stats, key=lambda s: (-s.flags, s.key))


@dataclass(frozen=True, slots=True)
class GoldCategoryStat:
    """Recall per gold MQM category: gold spans of that category touched by at least one flag."""

    category: str
    spans: int
    found: int

    @property
    def recall(self) -> float | None:
        return ratio(self.found, self.spans)

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "spans": self.spans,
            "found": self.found,
            "recall": _round(self.recall),
        }


def gold_category_stats(
    items: Iterable[tuple[Sequence[PredictedSpan], AnnotatedSegment]],
) -> list[GoldCategoryStat]:
    """Per gold category recall; empty when the annotations carry no categories."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pred_spans, segment in items:
        for gold in segment.spans:
            if gold.category is None:
                continue
            row = counts[gold.category]
            row[0] += 1
            row[1] += bool(_hits(gold, pred_spans))
    return sorted((GoldCategoryStat(k, *v) for k, v in counts.items()), key=lambda s: (-s.spans, s.category))


# --- everything at once -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scores:
    """The figures of one predictor (the flagger or a baseline) on one data set."""

    segments: int
    flagged: int
    segment_any: PRF
    segment_major: PRF
    span: PRF
    span_severity: PRF
    false_flags: Rate

    @property
    def flag_rate(self) -> float | None:
        return ratio(self.flagged, self.segments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "segments": self.segments,
            "flagged": self.flagged,
            "flag_rate": _round(self.flag_rate),
            "segment_any_error": self.segment_any.to_dict(),
            "segment_major_error": self.segment_major.to_dict(),
            "span": self.span.to_dict(),
            "span_severity": self.span_severity.to_dict(),
            "false_flag_rate": self.false_flags.to_dict(),
        }


def score(predictions: Sequence[Sequence[PredictedSpan]], segments: Sequence[AnnotatedSegment]) -> Scores:
    """Every headline figure of one predictor; ``predictions[i]`` are the spans on ``segments[i]``."""
    if len(predictions) != len(segments):
        raise ValueError(f"{len(predictions)} predictions for {len(segments)} segments")
    flagged = [bool(p) for p in predictions]
    pairs = list(zip(predictions, [s.spans for s in segments], strict=True))
    return Scores(
        segments=len(segments),
        flagged=sum(flagged),
        segment_any=detection_prf(flagged, [s.has_error for s in segments]),
        segment_major=detection_prf(flagged, [s.has_major for s in segments]),
        span=span_prf(pairs),
        span_severity=span_prf_severity(pairs),
        false_flags=false_flag_rate(flagged, [s.has_error for s in segments]),
    )
