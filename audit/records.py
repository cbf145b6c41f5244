"""Immutable value objects passed between the pipeline steps.

Every ``start``/``end`` is a character offset (a Python ``str`` index) into the
whole submitted text, so ``text[start:end]`` equals the record's ``text``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """MQM severities, ordered from least to most serious."""

    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        """Parse a severity name; raises ValueError naming the allowed values."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {value!r} (allowed: {allowed})") from None


_SEVERITY_RANK = {Severity.MINOR: 1, Severity.MAJOR: 2, Severity.CRITICAL: 3}


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph (a line of the input) with its offset in the document."""

    index: int
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True, slots=True)
class Segment:
    """One sentence; ``start``/``end`` are document offsets."""

    id: int
    start: int
    end: int
    text: str
    paragraph: int = 0
    #: Checked without the grammar checker: the sentence is over its length limits (audit.limits).
    grammar_skipped: bool = False


@dataclass(frozen=True, slots=True)
class Flag:
    """One flagged span of a segment (proselint's immutable result record).

    ``start``/``end`` are document offsets; ``replacement`` is the text that the
    proposal step substitutes for the span (``None`` when the flag only explains).
    """

    start: int
    end: int
    text: str
    rule: str
    category: str
    severity: Severity
    message: str
    suggestion: str | None = None
    replacement: str | None = None
    origin: str = "rule"
    source_start: int | None = None
    source_end: int | None = None
    #: The learned detector's probability that the span is an error: on its own flags, and on a
    #: rule/glossary/source flag it agrees with (None: no detector ran or it saw nothing there).
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity.value,
            "message": self.message,
            "suggestion": self.suggestion,
        }
        if self.source_start is not None:
            out["source_start"] = self.source_start
            out["source_end"] = self.source_end
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 3)
        return out


@dataclass(frozen=True, slots=True)
class EditScore:
    """The edit between an MT sentence and its correction."""

    char_distance: int
    char_ratio: float
    ter: float
    chrf: float
    bleu: float
    #: TER's sufficient statistics (edits, reference words), summable over the sentences of a
    #: text (sacreBLEU's corpus TER); not part of the JSON contract.
    ter_edits: float = 0.0
    ter_words: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "char_distance": self.char_distance,
            "char_ratio": round(self.char_ratio, 4),
            "ter": round(self.ter, 2),
            "chrf": round(self.chrf, 2),
            "bleu": round(self.bleu, 2),
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A corrected sentence offered by one generator, before ranking."""

    text: str
    origin: tuple[str, ...]
    applied: tuple[Flag, ...] = ()
    scores: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Proposal:
    """The chosen correction of one segment."""

    text: str
    origin: tuple[str, ...]
    edit: EditScore
    scores: tuple[tuple[str, float], ...] = ()
    alternatives: tuple[Candidate, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "origin": list(self.origin), "edit": self.edit.to_dict()}
        if self.scores:
            out["scores"] = {name: round(value, 4) for name, value in self.scores}
        if self.alternatives:
            out["candidates"] = [
                {"text": c.text, "origin": list(c.origin), "scores": {n: round(v, 4) for n, v in c.scores}}
                for c in self.alternatives
            ]
        return out


@dataclass(frozen=True, slots=True)
class SegmentResult:
    """A segment with its flags and proposal."""

    segment: Segment
    flags: tuple[Flag, ...] = ()
    proposal: Proposal | None = None
    #: The learned detector's sentence quality, 0 (many major errors) to 1 (none); None: no detector.
    quality: float | None = None

    @property
    def word_count(self) -> int:
        from .scoring import count_words  # scoring imports records

        return count_words(self.segment.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.segment.id,
            "start": self.segment.start,
            "end": self.segment.end,
            "text": self.segment.text,
            "flags": [f.to_dict() for f in self.flags],
            "proposal": self.proposal.to_dict() if self.proposal else None,
        } | ({"grammar_skipped": True} if self.segment.grammar_skipped else {}) \
          | ({"quality": round(self.quality, 3)} if self.quality is not None else {})


#: Decimal places of an MQM penalty and of penalty points wherever they are reported.
PENALTY_DIGITS = 3


def penalty_points(flags: Iterable[Flag], weights: Mapping[str, float]) -> float:
    """The MQM penalty points of some flags: each flag's severity weight."""
    return sum(weights.get(flag.severity.value, 0.0) for flag in flags)


def mqm_penalty(points: float, words: int) -> float:
    """MQM penalty points per 100 words (the one formula; 0 for no words), rounded for reports."""
    return round(100.0 * points / words, PENALTY_DIGITS) if words else 0.0


def _add_counts(into: dict[str, int], other: Mapping[str, int]) -> None:
    for name, count in other.items():
        into[name] = into.get(name, 0) + count


@dataclass(slots=True)
class Totals:
    """Summable statistics of segments (sacreBLEU style: per segment first, added after), for a
    document, a batch or a report: ``a + b``, or ``a += b`` in place."""

    segments: int = 0
    flagged: int = 0
    words: int = 0
    flags_by_category: dict[str, int] = field(default_factory=dict)
    flags_by_severity: dict[str, int] = field(default_factory=dict)
    flags_by_rule: dict[str, int] = field(default_factory=dict)
    penalty_points: float = 0.0
    char_distance: int = 0  # of the proposals, over the segments with one
    mt_chars: int = 0  # of the segments with a proposal

    @classmethod
    def of(cls, result: SegmentResult, weights: Mapping[str, float]) -> Totals:
        totals = cls(segments=1, flagged=int(bool(result.flags)), words=result.word_count,
                     penalty_points=penalty_points(result.flags, weights))
        by_category, by_severity, by_rule = totals.flags_by_category, totals.flags_by_severity, totals.flags_by_rule
        for flag in result.flags:
            by_category[flag.category] = by_category.get(flag.category, 0) + 1
            by_severity[flag.severity.value] = by_severity.get(flag.severity.value, 0) + 1
            by_rule[flag.rule] = by_rule.get(flag.rule, 0) + 1
        if result.proposal is not None:
            totals.char_distance = result.proposal.edit.char_distance
            totals.mt_chars = len(result.segment.text)
        return totals

    def __iadd__(self, other: Totals) -> Totals:
        self.segments += other.segments
        self.flagged += other.flagged
        self.words += other.words
        self.penalty_points += other.penalty_points
        self.char_distance += other.char_distance
        self.mt_chars += other.mt_chars
        _add_counts(self.flags_by_category, other.flags_by_category)
        _add_counts(self.flags_by_severity, other.flags_by_severity)
        _add_counts(self.flags_by_rule, other.flags_by_rule)
        return self

    def __add__(self, other: Totals) -> Totals:
        total = Totals()
        total += self
        total += other
        return total

    @property
    def mqm_penalty(self) -> float:
        """MQM penalty points per 100 words."""
        return mqm_penalty(self.penalty_points, self.words)

    def to_dict(self) -> dict[str, Any]:
        return {
            "segments": self.segments,
            "flagged": self.flagged,
            "words": self.words,
            "flags_by_category": dict(sorted(self.flags_by_category.items())),
            "flags_by_severity": dict(sorted(self.flags_by_severity.items())),
            "flags_by_rule": dict(sorted(self.flags_by_rule.items())),
            "mqm_penalty": self.mqm_penalty,
            "penalty_points": round(self.penalty_points, PENALTY_DIGITS),
            "edit": {
                "char_distance": self.char_distance,
                "char_ratio": round(self.char_distance / self.mt_chars, 4) if self.mt_chars else 0.0,
            },
        }


@dataclass(slots=True)
class Summary:
    """A document's :class:`Totals` with what produced them (signatures, weights)."""

    totals: Totals = field(default_factory=Totals)
    signatures: dict[str, str] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    #: With a source: how its sentences were paired with the MT's ("lines" or "document").
    alignment: str | None = None
    #: Segments checked without the grammar checker (over its length limits, audit.limits).
    grammar_skipped: int = 0

    def add(self, result: SegmentResult, weights: Mapping[str, float]) -> None:
        self.totals += Totals.of(result, weights)
        if result.segment.grammar_skipped:
            self.grammar_skipped += 1

    @property
    def segments(self) -> int:
        return self.totals.segments

    @property
    def flagged(self) -> int:
        return self.totals.flagged

    @property
    def words(self) -> int:
        return self.totals.words

    @property
    def flags_by_rule(self) -> dict[str, int]:
        return self.totals.flags_by_rule

    @property
    def mqm_penalty(self) -> float:
        return self.totals.mqm_penalty

    def to_dict(self) -> dict[str, Any]:
        totals = self.totals.to_dict()
        edit = totals.pop("edit")
        return {**totals, "weights": dict(self.weights), "edit": edit, "signatures": dict(self.signatures)} \
            | ({"alignment": self.alignment} if self.alignment else {}) \
            | ({"grammar_skipped": self.grammar_skipped} if self.grammar_skipped else {})


@dataclass(frozen=True, slots=True)
class Document:
    """One text to audit, with its source when there is one (:meth:`audit.pipeline.Auditor.run`).

    ``src_lang``/``tgt_lang``: None takes the auditor's (a source language is detected when the
    auditor's is ``any``); a target other than the auditor's is refused.
    """

    text: str
    source: str | None = None
    name: str = "<text>"
    src_lang: str | None = None
    tgt_lang: str | None = None


@dataclass
class DocumentResult:
    """All segments of one document and their summary (the JSON contract)."""

    segments: list[SegmentResult]
    summary: Summary
    name: str = "<text>"

    def to_dict(self) -> dict[str, Any]:
        return {"segments": [s.to_dict() for s in self.segments], "summary": self.summary.to_dict()}
