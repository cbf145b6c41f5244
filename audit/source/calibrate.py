"""Calibrate the source-aware checks on human MQM annotations that carry sources, by
document-level cross-validation, and measure what they add over the monolingual flags.

    python -m audit.source.calibrate /work/shared/benchmarks/mqm-newstest2021-zhen.jsonl

Embeddings are computed in batches up front (the per-pair ``audit_pair`` path embeds one
pair at a time); each check's flags are computed once, then thresholds and check selection
are fitted on the training folds with the evaluation package's objective and scored on the
held-out fold. Prints JSON: monolingual figures, monolingual + source figures (held-out), the
thresholds chosen on every document, and per-check landing counts.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..config import AuditConfig
from ..evaluation.calibrate import OBJECTIVES, doc_folds
from ..evaluation.data import AnnotatedSegment, read_annotations
from ..evaluation.metrics import PredictedSpan, group_stats, score
from ..evaluation.runner import flag_segments, flags_only
from ..pipeline import Auditor
from ..records import Flag
from .align import group_texts
from .checks import EXPECTED_CHAR_RATIO, SourceChecker, Thresholds, split_sentences
from .embed import EmbeddingCache

OMISSION_GRID = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, math.inf)
ADDITION_GRID = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, math.inf)
SIMILARITY_GRID = (None, 0.70, 0.72, 0.74, 0.76, 0.78, 0.80, 0.82)
#: A check with fewer flags than this on the training documents is kept (too little evidence to drop it).
MIN_SUPPORT = 5
STATIC_RULES = ("source.number", "source.entity", "source.name", "source.untranslated", "source.term",
                "source.term-consistency", "source.omission", "source.addition")


@dataclass
class PairFeature:
    start: int
    end: int
    deviation: float | None
    similarity: float | None


def _span(flag: Flag) -> PredictedSpan:
    return PredictedSpan(flag.start, flag.end, flag.severity.value, flag.rule, flag.category)


def features(segments: Sequence[AnnotatedSegment], checker: SourceChecker, batch: int = 64
             ) -> tuple[list[list[PredictedSpan]], list[list[PairFeature]]]:
    # Every sentence and adjacent pair the aligner will embed, in batches, into one cache.
    cache = EmbeddingCache(batch)
    texts: list[str] = []
    for seg in segments:
        texts.extend(group_texts(split_sentences(seg.source, checker.src_lang)))
        texts.extend(group_texts(split_sentences(seg.target, checker.tgt_lang)))
    cache.prefetch(checker.sentence_embedder(), texts)
    ratio = EXPECTED_CHAR_RATIO.get(checker.src_lang or "", 1.0)
    static: list[list[PredictedSpan]] = []
    pairs: list[list[PairFeature]] = []
    for seg in segments:
        result = checker.run(seg.source, seg.target, embeddings=cache)
        static.append([_span(f) for f in result.flags])
        feats = []
        for p in result.pairs:
            if not p.source_ids or not p.target_ids:
                continue
            ls = p.source_end - p.source_start
            lt = p.target_end - p.target_start
            dev = math.log((lt + 1) / (ratio * (ls + 1))) if ls >= checker.thresholds.min_chars else None
            feats.append(PairFeature(p.target_start, p.target_end, dev, p.similarity))
        pairs.append(feats)
    return static, pairs


def predict(static: list[PredictedSpan], pairs: list[PairFeature], rules: frozenset[str],
            omission: float, addition: float, similarity: float | None) -> list[PredictedSpan]:
    out = [s for s in static if s.rule in rules]
    for p in pairs:
        if p.deviation is not None and p.deviation < -omission:
            out.append(PredictedSpan(p.start, p.end, "major", "source.length-short", "Accuracy/Omission"))
        elif p.deviation is not None and p.deviation > addition:
            out.append(PredictedSpan(p.start, p.end, "major", "source.length-long", "Accuracy/Addition"))
        if similarity is not None and p.similarity is not None and p.similarity < similarity:
            out.append(PredictedSpan(p.start, p.end, "major", "source.similarity", "Accuracy/Mistranslation"))
    return out


#: The precision a check's flags must reach (share of its flags on segments with an error, or in
#: the threshold search: on gold spans against on error-free segments) to be shipped on.
MIN_PRECISION = 0.75


def _precise_utility(predictions: Sequence[Sequence[PredictedSpan]], segments: Sequence[AnnotatedSegment]) -> float:
    """Flags on gold spans minus 3 x flags on error-free segments: a flag pays only when at least
    75% of such flags land on errors (the plain utility rewards flagging every sentence of data
    where most segments have an error)."""
    penalty = MIN_PRECISION / (1 - MIN_PRECISION)
    return float(sum(s.on_gold - penalty * s.on_clean for s in group_stats(zip(predictions, segments, strict=True))))


def _segment_precision(rule: str, idx: Sequence[int], segments: Sequence[AnnotatedSegment],
                       static: Sequence[list[PredictedSpan]]) -> float:
    flagged = [segments[i].has_error for i in idx for s in static[i] if s.rule == rule]
    if len(flagged) < MIN_SUPPORT:
        return 1.0  # too little evidence to drop it
    return sum(flagged) / len(flagged)


def fit(idx: Sequence[int], segments: Sequence[AnnotatedSegment], mono: Sequence[list[PredictedSpan]],
        static: Sequence[list[PredictedSpan]], pairs: Sequence[list[PairFeature]], objective: str) -> dict[str, Any]:
    objective_fn = OBJECTIVES.get(objective, _precise_utility)
    segs = [segments[i] for i in idx]
    # Static checks: kept when at least MIN_PRECISION of their flags fall on segments the raters
    # found an error in (segment level: a flag on the source side has no target characters).
    rules = frozenset(r for r in STATIC_RULES if _segment_precision(r, idx, segments, static) >= MIN_PRECISION)

    def value(om: float, ad: float, sim: float | None) -> float:
        preds = [mono[i] + predict(static[i], pairs[i], rules, om, ad, sim) for i in idx]
        return objective_fn(preds, segs)

    best_om = max(OMISSION_GRID, key=lambda t: value(t, math.inf, None))
    best_ad = max(ADDITION_GRID, key=lambda t: value(best_om, t, None))
    best_sim = max(SIMILARITY_GRID, key=lambda t: value(best_om, best_ad, t))
    return {"rules": sorted(rules), "omission_log_ratio": best_om, "addition_log_ratio": best_ad,
            "min_similarity": best_sim}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--objective", default="precise", choices=sorted([*OBJECTIVES, "precise"]))
    parser.add_argument("--src-lang", default="zh")
    args = parser.parse_args(argv)
    started = time.time()
    segments = read_annotations(args.data)
    segments = [s for s in segments if s.source]
    if args.limit:
        segments = segments[:args.limit]
    auditor = flags_only(Auditor(AuditConfig(src_lang=args.src_lang)))
    mono = flag_segments(auditor, segments)
    checker = auditor.source_checker(args.src_lang)
    # Every static check is measured, those the shipped calibration switches off included.
    checker.checks = (checker.checks | set(checker.thresholds.disabled_checks)) - {"length", "similarity"}
    checker.thresholds = Thresholds(min_similarity=None)
    static, pairs = features(segments, checker)
    held_out: list[list[PredictedSpan]] = [[] for _ in segments]
    chosen = []
    for fold in doc_folds(segments, args.folds):
        fold_set = set(fold)
        train = [i for i in range(len(segments)) if i not in fold_set]
        params = fit(train, segments, mono, static, pairs, args.objective)
        chosen.append(params)
        for i in fold:
            held_out[i] = mono[i] + predict(static[i], pairs[i], frozenset(params["rules"]),
                                            params["omission_log_ratio"], params["addition_log_ratio"],
                                            params["min_similarity"])
    final = fit(range(len(segments)), segments, mono, static, pairs, args.objective)
    all_on = [mono[i] + predict(static[i], pairs[i], frozenset(STATIC_RULES), math.inf, math.inf, None)
              for i in range(len(segments))]
    per_rule = {s.key: {"flags": s.flags, "on_gold": s.on_gold, "on_clean": s.on_clean}
                for s in group_stats(zip([static[i] for i in range(len(segments))], segments, strict=True))}
    report = {
        "data": args.data,
        "segments": len(segments),
        "documents": len({s.doc for s in segments}),
        "objective": args.objective,
        "monolingual": score(mono, segments).to_dict(),
        "with_source_all_static_checks": score(all_on, segments).to_dict(),
        "with_source_calibrated_held_out": score(held_out, segments).to_dict(),
        "per_fold": chosen,
        "final": final,
        "static_checks_on_all_documents": per_rule,
        "seconds": round(time.time() - started, 1),
    }
    json.dump(report, sys.stdout, indent=2, default=lambda v: None if v == math.inf else v)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
