"""Run the flagger over annotated segments and score it beside the baselines."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..config import AuditConfig
from ..pipeline import Auditor
from ..records import Document, Flag, Paragraph, Segment
from . import baselines
from .data import AnnotatedSegment
from .metrics import (
    GoldCategoryStat,
    GroupStat,
    PredictedSpan,
    Scores,
    gold_category_stats,
    group_stats,
    score,
)

#: Row order of the figures tables.
SYSTEM_ORDER = ("flagger", "random", "random_expected", "all", "none")
SYSTEM_LABELS = {
    "flagger": "flagger",
    "random": "random (seeded)",
    "random_expected": "random (expected)",
    "all": "flag all",
    "none": "flag none",
}


class _NoProposals:
    """Stands in for the proposer: evaluation measures flags, not corrections."""

    def propose(self, segment: Segment, flags: Sequence[Flag]) -> None:
        return None


def to_predicted(flag: Flag, offset: int = 0) -> PredictedSpan:
    return PredictedSpan(flag.start - offset, flag.end - offset, flag.severity.value, flag.rule, flag.category)


def flags_only(auditor: Auditor) -> Auditor:
    """Switch off proposals on an auditor built for evaluation (they cost time and are not scored)."""
    auditor.__dict__["proposer"] = _NoProposals()
    return auditor


def flag_segments(
    auditor: Auditor,
    segments: Sequence[AnnotatedSegment],
    *,
    with_source: bool = False,
    progress: Callable[[int], None] | None = None,
    batch: int = 64,
) -> list[list[PredictedSpan]]:
    """The flags of every target, as spans into that target.

    With ``with_source``, each pair is one :class:`audit.records.Document` (the target with its
    source) through :meth:`Auditor.run`: the flags of ``audit_pair``, with every sentence (and
    adjacent pair) the aligner embeds embedded first, in batches of ``batch`` texts
    (:func:`audit.source.prefetch.prefetch`; per pair, embedding costs 0.3-0.8 s, in batches
    the 9,614 zh-en pairs take minutes).
    Otherwise each target is one paragraph of a batched run, so Harper lints many targets per
    call, as ``mt-audit check`` does on a file with one target a line; offsets are per target.
    """
    if with_source:
        from ..source.prefetch import plan_pairs, prefetch

        embeddings = prefetch(plan_pairs(auditor, [(s.source, s.target) for s in segments]), batch)
        documents = (Document(s.target, s.source or None) for s in segments)
        out = []
        for index, audited in enumerate(auditor.run(documents, embeddings)):
            out.append([to_predicted(f) for r in audited.segments for f in r.flags])
            if progress is not None:
                progress(index + 1)
        return out
    predictions: list[list[PredictedSpan]] = [[] for _ in segments]
    paragraphs = (Paragraph(index, 0, s.target) for index, s in enumerate(segments))
    summary = auditor.new_summary()
    done = -1
    for result in auditor.audit_paragraphs(paragraphs, summary):
        index = result.segment.paragraph
        predictions[index].extend(to_predicted(f) for f in result.flags)
        if progress is not None and index != done:
            done = index
            progress(index + 1)
    return predictions


def _anchored(flag: Flag, targets: Sequence[Segment]) -> Flag:
    """A flag with no target words moved to the start of the sentence holding it (as audit_pair)."""
    if flag.start != flag.end:
        return flag
    holder = next((t for t in targets if t.start <= flag.start < t.end), None)
    if holder is None:
        holder = min(targets, key=lambda t: min(abs(t.start - flag.start), abs(t.end - flag.start)))
    if flag.start == holder.start:
        return flag
    return replace(flag, start=holder.start, end=holder.start, text="")


@dataclass
class EvalReport:
    """Everything ``mt-audit eval`` prints: figures beside baselines, per-rule findings."""

    data: str
    input_format: str
    segments: int
    documents: int
    with_source: bool
    source_aware: bool
    scores: dict[str, Scores]
    per_rule: list[GroupStat]
    per_category: list[GroupStat]
    per_gold_category: list[GoldCategoryStat]
    config: dict[str, Any]
    seed: int
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def flagger(self) -> Scores:
        return self.scores["flagger"]

    def noisy_rules(self) -> list[GroupStat]:
        """Rules that fire on error-free segments more often than they land on a gold span."""
        return [r for r in self.per_rule if r.noisy]

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": self.data,
            "input_format": self.input_format,
            "segments": self.segments,
            "documents": self.documents,
            "with_source": self.with_source,
            "source_aware_checks": self.source_aware,
            "config": self.config,
            "seed": self.seed,
            "seconds": round(self.seconds, 2),
            "flagger": self.scores["flagger"].to_dict(),
            "baselines": {name: s.to_dict() for name, s in self.scores.items() if name != "flagger"},
            "per_rule": [r.to_dict() for r in self.per_rule],
            "per_category": [c.to_dict() for c in self.per_category],
            "per_gold_category": [c.to_dict() for c in self.per_gold_category],
            "notes": self.notes,
        }


def evaluate(
    segments: Sequence[AnnotatedSegment],
    config: AuditConfig | None = None,
    *,
    auditor: Auditor | None = None,
    with_source: bool = False,
    seed: int = 0,
    data: str = "<data>",
    input_format: str = "jsonl",
    progress: Callable[[int], None] | None = None,
) -> EvalReport:
    """Flag every target, score the flags and the baselines, collect the per-rule findings."""
    if auditor is None:
        auditor = flags_only(Auditor(config or AuditConfig()))
    started = time.perf_counter()
    predictions = flag_segments(auditor, segments, with_source=with_source, progress=progress)
    seconds = time.perf_counter() - started
    return build_report(
        segments,
        predictions,
        auditor=auditor,
        with_source=with_source,
        seed=seed,
        data=data,
        input_format=input_format,
        seconds=seconds,
    )


def build_report(
    segments: Sequence[AnnotatedSegment],
    predictions: Sequence[Sequence[PredictedSpan]],
    *,
    auditor: Auditor,
    with_source: bool,
    seed: int,
    data: str,
    input_format: str,
    seconds: float,
) -> EvalReport:
    flagger = score(predictions, segments)
    rate = flagger.flag_rate or 0.0
    all_scores = score(baselines.flag_all(segments), segments)
    scores = {
        "flagger": flagger,
        "random": score(baselines.flag_random(segments, rate, seed), segments),
        "random_expected": baselines.random_expected(all_scores, rate),
        "all": all_scores,
        "none": score(baselines.flag_none(segments), segments),
    }
    items = list(zip(predictions, segments, strict=True))
    notes = []
    unlocated = sum(1 for s in segments if s.unlocated and not s.spans)
    if unlocated:
        notes.append(
            f"{unlocated} segments have errors without a target span (omissions, whole-segment "
            "errors): they count at segment level only"
        )
    config = auditor.config
    return EvalReport(
        data=data,
        input_format=input_format,
        segments=len(segments),
        documents=len({s.doc for s in segments}),
        with_source=with_source,
        source_aware=True,  # every Auditor runs the source checks on a document with a source
        scores=scores,
        per_rule=group_stats(items),
        per_category=group_stats(items, key=lambda p: p.category),
        per_gold_category=gold_category_stats(items),
        config={
            "signature": auditor.signatures().get("audit"),
            "grammar": config.grammar,
            "harper_disabled": list(config.harper_disabled),
            "disabled_rules": list(config.disabled_rules),
        },
        seed=seed,
        seconds=seconds,
        notes=notes,
    )
