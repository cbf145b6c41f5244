"""Immutable value objects passed between the pipeline steps.

Every ``start``/``end`` is a character offset (a Python ``str`` index) into the
whole submitted text, so ``text[start:end]`` equals the record's ``text``.
"""

from __future__ import annotations

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
        return out


@dataclass(frozen=True, slots=True)
class EditScore:
    """The edit between an MT sentence and its correction."""

    char_distance: int
    char_ratio: float
    ter: float
    chrf: float
    bleu: float

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

    @property
    def word_count(self) -> int:
        return len(self.segment.text.split())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.segment.id,
            "start": self.segment.start,
            "end": self.segment.end,
            "text": self.segment.text,
            "flags": [f.to_dict() for f in self.flags],
            "proposal": self.proposal.to_dict() if self.proposal else None,
        } | ({"grammar_skipped": True} if self.segment.grammar_skipped else {})


@dataclass(slots=True)
class Summary:
    """Document totals, accumulated segment by segment (sacreBLEU style: stats first)."""

    segments: int = 0
    flagged: int = 0
    words: int = 0
    flags_by_category: dict[str, int] = field(default_factory=dict)
    flags_by_severity: dict[str, int] = field(default_factory=dict)
    flags_by_rule: dict[str, int] = field(default_factory=dict)
    penalty_points: float = 0.0
    char_distance: int = 0
    proposal_chars: int = 0
    mt_chars: int = 0
    signatures: dict[str, str] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    #: With a source: how its sentences were paired with the MT's ("lines" or "document").
    alignment: str | None = None
    #: Segments checked without the grammar checker (over its length limits, audit.limits).
    grammar_skipped: int = 0

    def add(self, result: SegmentResult, weights: dict[str, float]) -> None:
        self.segments += 1
        if result.segment.grammar_skipped:
            self.grammar_skipped += 1
        self.words += result.word_count
        if result.flags:
            self.flagged += 1
        for flag in result.flags:
            self.flags_by_category[flag.category] = self.flags_by_category.get(flag.category, 0) + 1
            sev = flag.severity.value
            self.flags_by_severity[sev] = self.flags_by_severity.get(sev, 0) + 1
            self.flags_by_rule[flag.rule] = self.flags_by_rule.get(flag.rule, 0) + 1
            self.penalty_points += weights.get(sev, 0.0)
        if result.proposal is not None:
            self.char_distance += result.proposal.edit.char_distance
            self.mt_chars += len(result.segment.text)

    @property
    def mqm_penalty(self) -> float:
        """MQM penalty points per 100 words."""
        return 100.0 * self.penalty_points / self.words if self.words else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "segments": self.segments,
            "flagged": self.flagged,
            "words": self.words,
            "flags_by_category": dict(sorted(self.flags_by_category.items())),
            "flags_by_severity": dict(sorted(self.flags_by_severity.items())),
            "flags_by_rule": dict(sorted(self.flags_by_rule.items())),
            "mqm_penalty": round(self.mqm_penalty, 3),
            "penalty_points": round(self.penalty_points, 3),
            "weights": dict(self.weights),
            "edit": {
                "char_distance": self.char_distance,
                "char_ratio": round(self.char_distance / self.mt_chars, 4) if self.mt_chars else 0.0,
            },
            "signatures": dict(self.signatures),
        } | ({"alignment": self.alignment} if self.alignment else {}) \
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
