"""Held-out document-level figures: choices made on the other folds only, baselines at the same rate."""

import math

from audit.evaluation.data import AnnotatedSegment, GoldSpan
from audit.evaluation.heldout import Candidates, held_out, table
from audit.evaluation.metrics import PredictedSpan


def _segments(docs=6, per_doc=10):
    out = []
    for d in range(docs):
        for i in range(per_doc):
            erroneous = i % 2 == 0
            target = f"Sentence number {i} of document {d} with a few words."
            out.append(AnnotatedSegment("sys", f"doc{d}", i, "r", "源文", target,
                                        (GoldSpan(0, 8, "major"),) if erroneous else ()))
    return out


def _candidates(segments):
    mono, source, lengths = [], [], []
    for seg in segments:
        erroneous = seg.has_error
        # a good rule on erroneous segments; a noisy rule on every clean segment
        mono.append([PredictedSpan(0, 8, "major", "good", "x")] if erroneous
                    else [PredictedSpan(0, 4, "minor", "noisy", "x")])
        source.append([])
        # a long deviation (0.9) on erroneous segments, a small one (0.35) on clean ones
        deviation = 0.9 if erroneous else 0.35
        lengths.append([(PredictedSpan(0, len(seg.target), "major", "source.length-long", "y"), deviation)])
    return Candidates(mono, source, lengths)


def test_noisy_rule_dropped_on_training_folds_and_threshold_separates():
    segments = _segments()
    result = held_out(_candidates(segments), segments, with_source=True, k=3, max_false_flag=0.1)
    assert all(f["dropped"] == ["noisy"] for f in result.per_fold)
    assert all(0.35 <= f["addition_log_ratio"] < 0.9 for f in result.per_fold)
    flagger = result.scores["flagger (held out)"]
    assert flagger.false_flags.value == 0 and flagger.segment_any.precision == 1.0
    assert result.scores["random (expected)"].flag_rate == flagger.flag_rate
    assert "| with source |" in table(result)


def test_false_flag_cap_switches_the_length_check_off_when_nothing_meets_it():
    segments = _segments()
    cand = _candidates(segments)
    cand.lengths = [[(s, 0.9)] for s, _ in (x[0] for x in cand.lengths)]  # every segment equally long
    result = held_out(cand, segments, with_source=True, k=3, max_false_flag=0.1)
    assert all(f["addition_log_ratio"] == math.inf or f["addition_log_ratio"] >= 0.9 for f in result.per_fold)


def test_target_only_ignores_source_flags():
    segments = _segments()
    result = held_out(_candidates(segments), segments, with_source=False, k=3)
    assert result.mode == "target only"
    assert result.scores["flagger (held out)"].false_flags.value == 0
