"""Totals are summable: a document's equal the sum of its segments' (and of any split of them)."""

from __future__ import annotations

from audit.records import Flag, Segment, SegmentResult, Severity, Summary, Totals, mqm_penalty, penalty_points

WEIGHTS = {"minor": 1.0, "major": 5.0, "critical": 10.0}


def result(text: str, *severities: str) -> SegmentResult:
    flags = tuple(Flag(0, 1, text[0], f"r.{s}", "Style/Awkward", Severity(s), "m") for s in severities)
    return SegmentResult(Segment(0, 0, len(text), text), flags)


def test_sum_of_parts_equals_the_whole_and_the_summary():
    results = [result("one two three", "minor", "major"), result("four five"), result("six", "critical")]
    parts = [Totals.of(r, WEIGHTS) for r in results]
    whole = parts[0] + parts[1] + parts[2]
    assert (whole.segments, whole.flagged, whole.words, whole.penalty_points) == (3, 2, 6, 16.0)
    assert whole.flags_by_severity == {"minor": 1, "major": 1, "critical": 1}
    assert (parts[0] + (parts[1] + parts[2])).to_dict() == whole.to_dict()
    assert parts[0].flags_by_rule == {"r.minor": 1, "r.major": 1}  # adding never mutates a part
    summary = Summary(weights=WEIGHTS)
    for r in results:
        summary.add(r, WEIGHTS)
    assert summary.to_dict()["mqm_penalty"] == whole.mqm_penalty == round(100 * 16 / 6, 3)


def test_one_penalty_formula():
    flags = result("a b", "major", "minor").flags
    assert penalty_points(flags, WEIGHTS) == 6.0
    assert mqm_penalty(6.0, 7) == 85.714 and mqm_penalty(3.0, 0) == 0.0
