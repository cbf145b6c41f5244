"""Calibrate and measure the detector on the held-out documents of the MQM files.

Every figure here comes from documents the shipped model never saw (fold ``TEST_FOLD`` of each file,
see :mod:`audit.qe.data`). Thresholds are chosen by document-level cross-validation inside that
held-out part: its documents are dealt into ``CV_FOLDS`` groups; for each group the thresholds are
chosen on the other groups and applied to it, and the pooled predictions are scored (a file with a
single held-out document takes thresholds chosen on the other files' held-out documents). The
shipped thresholds are then chosen once on all held-out documents.

The choice: the span threshold maximising character span F1 among those whose false-flag rate (share
of error-free segments flagged) stays under the mode's cap; then the major threshold maximising the
severity-aware span F1; then the sentence threshold (the sentence-level guess on sentences with no
flagged word) maximising segment major-error F1 under the same cap, or none where no threshold beats
the words alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..checkers.qe import CATEGORY, RULE, SENTENCE_RULE
from ..config import DEFAULT_QE_LEVEL, QE_LEVEL_CAPS, QE_MODES
from ..evaluation import baselines
from ..evaluation.data import AnnotatedSegment, read_annotations
from ..evaluation.metrics import PredictedSpan, Scores, detection_prf, false_flag_rate, score
from .data import corpus_name, doc_folds, held_out
from .detector import Detector, Prediction, Thresholds, decode_spans, sentence_guess, word_spans

MODES = QE_MODES
#: False-flag-rate caps used when choosing the default operating point's thresholds, per mode.
FALSE_FLAG_CAPS = QE_LEVEL_CAPS[DEFAULT_QE_LEVEL]
SPAN_GRID = tuple(round(x, 2) for x in np.arange(0.10, 0.91, 0.05))
MAJOR_GRID = tuple(round(x, 2) for x in np.arange(0.05, 0.91, 0.05))
#: Sentence thresholds tried (estimated MQM penalty / 25: 0.04 is one point, a minor error).
SEGMENT_GRID = (0.005, *(round(x, 2) for x in np.arange(0.01, 0.41, 0.01)))
CV_FOLDS = 5
CV_SEED = 29


@dataclass(frozen=True)
class HeldOut:
    corpus: str
    src_lang: str
    tgt_lang: str
    rows: list[AnnotatedSegment]


def held_out_sets(paths: Sequence[Path | str]) -> list[HeldOut]:
    out = []
    for path in paths:
        path = Path(path)
        rows = held_out(read_annotations(path))
        src, tgt = _pair_of(path)
        out.append(HeldOut(corpus_name(path), src, tgt, rows))
    return out


def _pair_of(path: Path) -> tuple[str, str]:
    stem = corpus_name(path)
    pair = stem.rsplit("-", 1)[-1]
    return (pair[:2], pair[2:]) if len(pair) == 4 else ("", "")


def predict_rows(detector: Detector, rows: Sequence[AnnotatedSegment], mode: str) -> list[Prediction]:
    """One prediction per row (rows of one pair share it: each pair is run once)."""
    keys = list(dict.fromkeys((r.source if mode == "source" else "", r.target) for r in rows))
    preds = detector.predict([t for _, t in keys], [s or None for s, _ in keys])
    table = dict(zip(keys, preds, strict=True))
    return [table[(r.source if mode == "source" else "", r.target)] for r in rows]


def to_spans(pred: Prediction, text: str, thresholds: Thresholds) -> list[PredictedSpan]:
    return [PredictedSpan(s.start, s.end, s.severity, RULE if s.penalty is None else SENTENCE_RULE, CATEGORY)
            for s in decode_spans(pred, text, thresholds)]


def choose_thresholds(preds: Sequence[Prediction], rows: Sequence[AnnotatedSegment], cap: float) -> Thresholds:
    best: tuple[float, float] | None = None
    fallback: tuple[float, float] | None = None
    for span in SPAN_GRID:
        scores = score([to_spans(p, r.target, Thresholds(span, 1.01)) for p, r in zip(preds, rows, strict=True)],
                       rows)
        f1 = scores.span.f1 or 0.0
        rate = scores.false_flags.value or 0.0
        if rate <= cap and (best is None or f1 > best[1]):
            best = (span, f1)
        if fallback is None or rate < fallback[1]:
            fallback = (span, rate)
    span = best[0] if best is not None else (fallback[0] if fallback else 0.5)
    major_best = (0.5, -1.0)
    for major in MAJOR_GRID:
        scores = score([to_spans(p, r.target, Thresholds(span, major)) for p, r in zip(preds, rows, strict=True)],
                       rows)
        f1 = scores.span_severity.f1 or 0.0
        if f1 > major_best[1]:
            major_best = (major, f1)
    words = Thresholds(span, major_best[0])
    return Thresholds(span, major_best[0], choose_segment(preds, rows, words, cap))


def choose_segment(preds: Sequence[Prediction], rows: Sequence[AnnotatedSegment], words: Thresholds, cap: float
                   ) -> float | None:
    """The sentence threshold (:data:`SEGMENT_GRID`) with the best segment major-error F1 whose false-flag
    rate stays under ``cap``, given the word thresholds; None when none beats the words alone."""
    flagged = [bool(word_spans(p, r.target, words)) for p, r in zip(preds, rows, strict=True)]
    guessable = [sentence_guess(p, r.target, words) is not None for p, r in zip(preds, rows, strict=True)]
    major, error = [r.has_major for r in rows], [r.has_error for r in rows]
    best: tuple[float | None, float] = (None, detection_prf(flagged, major).f1 or 0.0)
    for threshold in SEGMENT_GRID:
        with_guess = [f or (g and p.penalty >= threshold)
                      for f, g, p in zip(flagged, guessable, preds, strict=True)]
        f1 = detection_prf(with_guess, major).f1 or 0.0
        if f1 > best[1] and (false_flag_rate(with_guess, error).value or 0.0) <= cap:
            best = (threshold, f1)
    return best[0]


Pooled = tuple[Sequence[Prediction], Sequence[AnnotatedSegment]]


def cross_validated(preds: Sequence[Prediction], rows: Sequence[AnnotatedSegment], cap: float,
                    others: Pooled | None = None) -> tuple[list[list[PredictedSpan]], list[Thresholds]]:
    """Held-out spans for every row, each from thresholds chosen on the other documents; a set of one
    document gets thresholds chosen on ``others`` (the other files' held-out rows), and only without
    them on itself."""
    folds = doc_folds((r.doc for r in rows), CV_SEED, CV_FOLDS)
    out: list[list[PredictedSpan]] = [[] for _ in rows]
    chosen = []
    for fold in sorted(set(folds.values())):
        train = [i for i, r in enumerate(rows) if folds[r.doc] != fold]
        test = [i for i, r in enumerate(rows) if folds[r.doc] == fold]
        if not train and others is not None:
            thresholds = choose_thresholds(others[0], others[1], cap)
        else:
            train = train or test
            thresholds = choose_thresholds([preds[i] for i in train], [rows[i] for i in train], cap)
        chosen.append(thresholds)
        for i in test:
            out[i] = to_spans(preds[i], rows[i].target, thresholds)
    return out, chosen


def combine(rule_spans: Sequence[Sequence[PredictedSpan]], qe_spans: Sequence[Sequence[PredictedSpan]]
            ) -> list[list[PredictedSpan]]:
    """Rules first; a detector span that overlaps a rule's flag is left out (the rule explains it)."""
    out = []
    for rules, spans in zip(rule_spans, qe_spans, strict=True):
        kept = [s for s in spans if all(s.end <= r.start or s.start >= r.end for r in rules)]
        out.append(sorted([*rules, *kept], key=lambda s: (s.start, s.end)))
    return out


def baseline_rows(rows: Sequence[AnnotatedSegment], rate: float) -> dict[str, Scores]:
    all_scores = score(baselines.flag_all(rows), rows)
    return {
        "flag all": all_scores,
        "random (expected)": baselines.random_expected(all_scores, rate),
        "length only": score(baselines.flag_longest(rows, rate), rows),
    }


def scores_row(corpus: str, mode: str, system: str, scores: Scores) -> dict[str, Any]:
    def pct(v: float | None) -> float | None:
        return None if v is None else round(100 * v, 1)

    return {"corpus": corpus, "mode": mode, "system": system, "segments": scores.segments,
            "flag_rate": pct(scores.flag_rate), "seg_any_f1": pct(scores.segment_any.f1),
            "seg_major_f1": pct(scores.segment_major.f1), "span_p": pct(scores.span.precision),
            "span_r": pct(scores.span.recall), "span_f1": pct(scores.span.f1),
            "false_flag_rate": pct(scores.false_flags.value)}


RuleFlagger = Callable[[HeldOut, str], list[list[PredictedSpan]]]


Predictions = dict[tuple[str, str], list[Prediction]]


def predict_sets(detector: Detector, sets: Sequence[HeldOut], modes: Sequence[str] = MODES,
                 log: Callable[[str], None] = print) -> Predictions:
    out: Predictions = {}
    for held in sets:
        for mode in modes:
            out[(held.corpus, mode)] = predict_rows(detector, held.rows, mode)
            log(f"{held.corpus} {mode}: {len(held.rows)} rows predicted")
    return out


def evaluate_sets(sets: Sequence[HeldOut], predictions: Predictions, rule_flagger: RuleFlagger | None = None,
                  modes: Sequence[str] = MODES, log: Callable[[str], None] = print,
                  also_at: Sequence[float] = ()) -> list[dict[str, Any]]:
    """The figures table: per file and mode, the detector (cross-validated thresholds), the rules, both,
    and the baselines at the combined flagger's rate. ``also_at``: other false-flag caps (operating
    points with more recall), each with the detector, both, and random at that flagger's rate. A
    language pair with several files also gets rows for all its files together (``all src-tgt``: each
    file's cross-validated flags, pooled)."""
    table: list[dict[str, Any]] = []
    pooled: dict[tuple[str, str], tuple[list[AnnotatedSegment], dict[str, list[list[PredictedSpan]]]]] = {}
    pairs = Counter((h.src_lang, h.tgt_lang) for h in sets)
    for held in sets:
        for mode in modes:
            rows = held.rows
            flagged = _flagged(sets, predictions, held, mode, rule_flagger, also_at)
            table.extend(_scored(held.corpus, mode, rows, flagged, also_at))
            log(f"{held.corpus} {mode}: scored")
            if pairs[(held.src_lang, held.tgt_lang)] > 1:
                pair_rows, pair_flagged = pooled.setdefault((f"all {held.src_lang}-{held.tgt_lang}", mode), ([], {}))
                pair_rows.extend(rows)
                for name, spans in flagged.items():
                    pair_flagged.setdefault(name, []).extend(spans)
    for (corpus, mode), (rows, flagged) in pooled.items():
        table.extend(_scored(corpus, mode, rows, flagged, also_at))
    return table


Flagged = dict[str, list[list[PredictedSpan]]]


def _flagged(sets: Sequence[HeldOut], predictions: Predictions, held: HeldOut, mode: str,
             rule_flagger: RuleFlagger | None, also_at: Sequence[float]) -> Flagged:
    """Each system's spans on one held-out set: the detector (and with the rules) at the mode's cap and
    at each ``also_at`` cap, and the rules alone."""
    rows, preds = held.rows, predictions[(held.corpus, mode)]
    rule_spans = rule_flagger(held, mode) if rule_flagger is not None else None
    others = _others(sets, predictions, held, mode) if len({r.doc for r in rows}) < 2 else None
    flagged = _systems(preds, rows, FALSE_FLAG_CAPS[mode], rule_spans, "", others)
    if rule_spans is not None:
        flagged["rules"] = [list(spans) for spans in rule_spans]
    for cap in also_at:
        flagged.update(_systems(preds, rows, cap, rule_spans, _cap_label(cap), others))
    return flagged


def _cap_label(cap: float) -> str:
    return f" (false flags <= {cap:.0%})"


def _scored(corpus: str, mode: str, rows: Sequence[AnnotatedSegment], flagged: Flagged,
            also_at: Sequence[float]) -> list[dict[str, Any]]:
    """The table rows of one set: each system scored, and the baselines at the combined flagger's rate
    (random also at each ``also_at`` point's rate)."""
    systems = {name: score(spans, rows) for name, spans in flagged.items()}
    main = systems.get("rules + detector", systems["detector"])
    systems.update(baseline_rows(rows, main.flag_rate or 0.0))
    for cap in also_at:
        label = _cap_label(cap)
        combined = systems.get(f"rules + detector{label}", systems[f"detector{label}"])
        systems[f"random (expected){label}"] = baseline_rows(rows, combined.flag_rate or 0.0)["random (expected)"]
    order = ["detector", "rules + detector", "rules", "flag all", "random (expected)", "length only",
             *(f"{name}{_cap_label(cap)}" for cap in also_at
               for name in ("detector", "rules + detector", "random (expected)"))]
    return [scores_row(corpus, mode, name, systems[name]) for name in order if name in systems]


def _others(sets: Sequence[HeldOut], predictions: Predictions, held: HeldOut, mode: str) -> Pooled:
    """The held-out rows and predictions of every set but ``held``, pooled."""
    rest = [h for h in sets if h is not held]
    return ([p for h in rest for p in predictions[(h.corpus, mode)]], [r for h in rest for r in h.rows])


def _systems(preds: Sequence[Prediction], rows: Sequence[AnnotatedSegment], cap: float,
             rule_spans: Sequence[Sequence[PredictedSpan]] | None, label: str, others: Pooled | None = None
             ) -> Flagged:
    """The detector's spans at thresholds cross-validated under ``cap``, and with the rules when given."""
    qe_spans, _ = cross_validated(preds, rows, cap, others)
    systems = {f"detector{label}": qe_spans}
    if rule_spans is not None:
        systems[f"rules + detector{label}"] = combine(rule_spans, qe_spans)
    return systems


def rule_flagger() -> RuleFlagger:
    """The shipped rules and checks without the detector, over a held-out set, as spans per row
    (none for a target language the rules do not cover: the rules are English-target rules)."""
    from ..config import SUPPORTED_TARGETS, AuditConfig
    from ..evaluation.runner import flag_segments, flags_only
    from ..pipeline import Auditor

    auditors: dict[tuple[str, str], Auditor] = {}

    def run(held: HeldOut, mode: str) -> list[list[PredictedSpan]]:
        if held.tgt_lang not in SUPPORTED_TARGETS:
            return [[] for _ in held.rows]
        key = (held.src_lang, held.tgt_lang)
        if key not in auditors:
            config = AuditConfig(src_lang=held.src_lang or None, tgt_lang=held.tgt_lang, qe=False)
            auditors[key] = flags_only(Auditor(config))
        return flag_segments(auditors[key], held.rows, with_source=mode == "source")

    return run


def detector_report(files: Sequence[Path | str], detector: Detector, rules: bool = True,
                    log: Callable[[str], None] = print, also_at: Sequence[float] = ()
                    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Thresholds]]]:
    """The held-out table of :func:`evaluate_sets` over ``files`` and the thresholds of every operating
    point chosen on all their held-out documents (what ``mt-audit qe calibrate`` and ``mt-audit eval
    --detector`` print)."""
    sets = held_out_sets(files)
    predictions = predict_sets(detector, sets, log=log)
    table = evaluate_sets(sets, predictions, rule_flagger() if rules else None, log=log, also_at=also_at)
    return table, shipped_thresholds(sets, predictions)


def shipped_thresholds(sets: Sequence[HeldOut], predictions: Predictions, modes: Sequence[str] = MODES
                       ) -> dict[str, dict[str, Thresholds]]:
    """One threshold pair per operating point (:data:`audit.config.QE_LEVEL_CAPS`) and mode, chosen on
    all held-out rows of all files."""
    out: dict[str, dict[str, Thresholds]] = {level: {} for level in QE_LEVEL_CAPS}
    for mode in modes:
        preds: list[Prediction] = []
        rows: list[AnnotatedSegment] = []
        for held in sets:
            preds.extend(predictions[(held.corpus, mode)])
            rows.extend(held.rows)
        for level, caps in QE_LEVEL_CAPS.items():
            out[level][mode] = choose_thresholds(preds, rows, caps[mode])
    return out


def markdown_table(table: Sequence[dict[str, Any]]) -> str:
    cols = ["corpus", "mode", "system", "flag_rate", "seg_any_f1", "seg_major_f1", "span_p", "span_r", "span_f1",
            "false_flag_rate"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table:
        lines.append("| " + " | ".join("" if row[c] is None else str(row[c]) for c in cols) + " |")
    return "\n".join(lines)


__all__ = ["HeldOut", "detector_report", "evaluate_sets", "held_out_sets", "predict_sets", "rule_flagger",
           "shipped_thresholds"]
