"""The scorers and baselines on hand-made cases; every expected value is worked out by hand below."""

from __future__ import annotations

import pytest

from audit.evaluation import baselines
from audit.evaluation.data import AnnotatedSegment, GoldSpan
from audit.evaluation.metrics import (
    PredictedSpan,
    detection_prf,
    f1_score,
    false_flag_rate,
    group_stats,
    merge_spans,
    overlap,
    score,
    span_prf,
    span_prf_severity,
)


def P(start: int, end: int, severity: str = "minor", rule: str = "r") -> PredictedSpan:
    return PredictedSpan(start, end, severity, rule)


def G(start: int, end: int, severity: str = "major") -> GoldSpan:
    return GoldSpan(start, end, severity)


def seg(target: str, *spans: GoldSpan, doc: str = "d") -> AnnotatedSegment:
    return AnnotatedSegment("sys", doc, None, None, "", target, tuple(spans))


# --- span level -----------------------------------------------------------------------------


def test_full_overlap():
    prf = span_prf([([P(2, 6)], [G(2, 6)])])
    assert (prf.tp, prf.predicted, prf.gold) == (4, 4, 4)
    assert prf.precision == prf.recall == prf.f1 == 1.0


def test_partial_overlap_counts_in_proportion():
    # predicted 0..4, gold 2..8: 2 shared chars of 4 predicted and 6 gold.
    prf = span_prf([([P(0, 4)], [G(2, 8)])])
    assert prf.precision == pytest.approx(2 / 4)
    assert prf.recall == pytest.approx(2 / 6)
    # F1 = 2 * 1/2 * 1/3 / (1/2 + 1/3) = (1/3) / (5/6) = 2/5
    assert prf.f1 == pytest.approx(0.4)


def test_no_overlap():
    prf = span_prf([([P(0, 2)], [G(5, 7)])])
    assert (prf.tp, prf.predicted, prf.gold) == (0, 2, 2)
    assert prf.precision == 0.0 and prf.recall == 0.0 and prf.f1 == 0.0


def test_empty_gold_precision_zero_recall_undefined():
    prf = span_prf([([P(0, 3)], [])])
    assert prf.precision == 0.0
    assert prf.recall is None
    assert prf.f1 == 0.0


def test_empty_prediction_precision_undefined_recall_zero():
    prf = span_prf([([], [G(1, 4)])])
    assert prf.precision is None
    assert prf.recall == 0.0
    assert prf.f1 == 0.0


def test_both_empty_is_undefined():
    prf = span_prf([([], [])])
    assert prf.precision is None and prf.recall is None and prf.f1 is None


def test_several_spans_overlapping_predictions_merged_first():
    # predicted 0..5 and 3..8 merge to 0..8 (8 chars, not 10), plus 20..22: 10 chars in all.
    # gold 4..10 (6) and 21..30 (9): 15 chars. Shared: 4..8 (4) and 21..22 (1) = 5.
    prf = span_prf([([P(0, 5), P(3, 8), P(20, 22)], [G(4, 10), G(21, 30)])])
    assert (prf.tp, prf.predicted, prf.gold) == (5, 10, 15)
    assert prf.precision == pytest.approx(0.5)
    assert prf.recall == pytest.approx(1 / 3)
    assert prf.f1 == pytest.approx(0.4)


def test_overlapping_gold_spans_count_once():
    # gold 0..6 and 4..10 cover 10 characters; the prediction 0..10 covers them all.
    prf = span_prf([([P(0, 10)], [G(0, 6), G(4, 10)])])
    assert (prf.tp, prf.predicted, prf.gold) == (10, 10, 10)


def test_micro_average_sums_before_dividing():
    # segment A: 10 of 10 found; segment B: 2 predicted chars inside a 20-char gold span.
    # micro: P = 12/12, R = 12/30 = 0.4, F1 = 2*0.4/1.4 = 4/7 (macro recall would be 0.55).
    prf = span_prf([([P(0, 10)], [G(0, 10)]), ([P(0, 2)], [G(0, 20)])])
    assert prf.precision == pytest.approx(1.0)
    assert prf.recall == pytest.approx(0.4)
    assert prf.f1 == pytest.approx(4 / 7)


def test_severity_aware_half_credit_on_mismatch():
    # predicted 0..4 major; gold 0..2 major (2 x 1) and 2..4 minor (2 x 0.5): 3 credits of 4 and 4.
    prf = span_prf_severity([([P(0, 4, "major")], [G(0, 2, "major"), G(2, 4, "minor")])])
    assert prf.tp == pytest.approx(3.0)
    assert prf.precision == pytest.approx(0.75) and prf.recall == pytest.approx(0.75)


def test_severity_aware_critical_counts_as_major():
    prf = span_prf_severity([([P(0, 2, "critical")], [G(0, 2, "major")])])
    assert prf.tp == 2.0


def test_merge_and_overlap_helpers():
    assert merge_spans([(5, 7), (0, 2), (2, 4), (3, 3)]) == [(0, 4), (5, 7)]
    assert overlap([(0, 4), (6, 9)], [(3, 7)]) == 2  # 3..4 and 6..7


def test_f1_edge_values():
    assert f1_score(None, None) is None
    assert f1_score(0.5, None) == 0.0
    assert f1_score(0.0, 1.0) == 0.0
    assert f1_score(1.0, 1.0) == 1.0


# --- segment level --------------------------------------------------------------------------


def test_detection_counts():
    # flagged and erroneous: segments 0 and 4; flagged 0, 1, 4; erroneous 0, 2, 4.
    prf = detection_prf([True, True, False, False, True], [True, False, True, False, True])
    assert (prf.tp, prf.predicted, prf.gold) == (2, 3, 3)
    assert prf.precision == pytest.approx(2 / 3) and prf.recall == pytest.approx(2 / 3)


def test_detection_length_mismatch_is_an_error():
    with pytest.raises(ValueError):
        detection_prf([True], [True, False])


def test_false_flag_rate_counts_only_error_free_segments():
    # error-free: 0, 1, 3; of those only 0 is flagged.
    rate = false_flag_rate([True, False, True, False], [False, False, True, False])
    assert (rate.count, rate.total) == (1, 3)
    assert rate.value == pytest.approx(1 / 3)


def test_false_flag_rate_without_clean_segments_is_undefined():
    assert false_flag_rate([True], [True]).value is None


# --- per rule -------------------------------------------------------------------------------


def test_group_stats_where_flags_land():
    s1 = seg("x" * 20, G(0, 5, "major"))
    s2 = seg("y" * 20)  # error-free
    s3 = seg("z" * 20, G(10, 12, "minor"))
    items = [
        ([P(3, 6, rule="a")], s1),  # a: on a major gold span
        ([P(0, 1, rule="a"), P(2, 3, rule="b"), P(5, 6, rule="b")], s2),  # a: clean; b: clean twice
        ([P(0, 2, rule="a"), P(11, 20, rule="b")], s3),  # a: elsewhere; b: on a minor gold span
    ]
    stats = {s.key: s for s in group_stats(items)}
    a, b = stats["a"], stats["b"]
    assert (a.flags, a.on_gold, a.on_major, a.on_clean, a.elsewhere, a.segments) == (3, 1, 1, 1, 1, 3)
    assert a.precision == pytest.approx(1 / 3)
    assert not a.noisy  # 1 on clean is not more than 1 on gold
    assert (b.flags, b.on_gold, b.on_major, b.on_clean, b.elsewhere, b.segments) == (3, 1, 0, 2, 0, 2)
    assert b.noisy


def test_group_stats_by_category():
    s = seg("x" * 10, G(0, 3))
    items = [
        (
            [
                PredictedSpan(0, 2, "minor", "r1", "Fluency/Spelling"),
                PredictedSpan(5, 6, "minor", "r2", "Fluency/Spelling"),
            ],
            s,
        )
    ]
    (stat,) = group_stats(items, key=lambda p: p.category)
    assert (stat.key, stat.flags, stat.on_gold, stat.elsewhere) == ("Fluency/Spelling", 2, 1, 1)


# --- baselines ------------------------------------------------------------------------------

# A: 10 chars, major error 0..5; B: 10 chars, error-free; C: 20 chars, minor error 0..10.
SEGMENTS = [seg("a" * 10, G(0, 5, "major")), seg("b" * 10), seg("c" * 20, G(0, 10, "minor"))]


def test_flag_all_baseline():
    s = score(baselines.flag_all(SEGMENTS), SEGMENTS)
    # any error: A, C of 3 flagged -> P 2/3, R 1; major: only A -> P 1/3, R 1.
    assert s.segment_any.precision == pytest.approx(2 / 3) and s.segment_any.recall == 1.0
    assert s.segment_major.precision == pytest.approx(1 / 3) and s.segment_major.recall == 1.0
    # span: 40 predicted chars, 15 gold chars, all found -> P 15/40, R 1.
    assert (s.span.tp, s.span.predicted, s.span.gold) == (15, 40, 15)
    assert s.span.precision == pytest.approx(0.375)
    assert s.false_flags.value == 1.0
    # severity-aware (baseline spans are major): A 5 x 1, C 10 x 0.5 -> 10 credits of 40 and 15.
    assert s.span_severity.tp == pytest.approx(10.0)


def test_flag_none_baseline():
    s = score(baselines.flag_none(SEGMENTS), SEGMENTS)
    assert s.flagged == 0
    assert s.segment_any.precision is None and s.segment_any.recall == 0.0 and s.segment_any.f1 == 0.0
    assert s.span.precision is None and s.span.recall == 0.0
    assert s.false_flags.value == 0.0


def test_random_baseline_extremes_and_seed():
    assert baselines.flag_random(SEGMENTS, 0.0) == baselines.flag_none(SEGMENTS)
    spans = lambda preds: [[(p.start, p.end) for p in ps] for ps in preds]  # noqa: E731
    assert spans(baselines.flag_random(SEGMENTS, 1.0)) == [[(0, 10)], [(0, 10)], [(0, 20)]]
    many = [seg("t" * 5)] * 2000
    first = baselines.flag_random(many, 0.3, seed=7)
    assert first == baselines.flag_random(many, 0.3, seed=7)
    assert 0.25 < sum(map(bool, first)) / len(many) < 0.35
    with pytest.raises(ValueError):
        baselines.flag_random(SEGMENTS, 1.5)


def test_random_expected_scales_the_all_baseline():
    all_scores = score(baselines.flag_all(SEGMENTS), SEGMENTS)
    expected = baselines.random_expected(all_scores, 0.5)
    # span: 7.5 expected shared chars of 20 expected predicted chars and 15 gold chars.
    assert expected.span.precision == pytest.approx(0.375)
    assert expected.span.recall == pytest.approx(0.5)
    assert expected.segment_any.precision == pytest.approx(2 / 3)
    assert expected.segment_any.recall == pytest.approx(0.5)
    assert expected.false_flags.value == pytest.approx(0.5)
