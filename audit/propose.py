"""Step 5, propose: candidate corrections from several generators, ranked.

The rewrite generator applies the replacements that glossary entries, rules and
the grammar checker attached to their flags, and leaves every other character
byte-identical. More generators (a translation model, a language model) join by
implementing :class:`CandidateGenerator`; the ranker re-audits each candidate and
prefers the one that clears the most flags with the smallest edit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from rapidfuzz.distance import Levenshtein

from .records import Candidate, Flag, Proposal, Segment, penalty_points
from .scoring import EditScorer

#: Which flag wins when two replacements overlap: glossary terms first, then rules, then grammar.
_ORIGIN_PRIORITY = {"glossary": 0, "rule": 1, "grammar": 2}


@dataclass(frozen=True)
class SourceContext:
    """The source side of the document being audited, for generators and guards that need it.

    ``sources`` maps a target segment's ``(start, end)`` (offsets into the MT) to the text of
    the source sentence(s) aligned with it; ``embedder`` is the cross-lingual embedder that
    aligned them (:mod:`audit.source.embed`), or None.
    """

    sources: Mapping[tuple[int, int], str] = field(default_factory=dict)
    embedder: Any = None

    def source_of(self, segment: Segment) -> str | None:
        return self.sources.get((segment.start, segment.end))


#: Set by :meth:`audit.pipeline.Auditor.audit_pair` for the duration of one audit. A context
#: variable, not an attribute of the (shared) auditor: server threads audit concurrently.
SOURCE_CONTEXT: ContextVar[SourceContext | None] = ContextVar("mt_audit_source_context", default=None)


@contextmanager
def source_context(context: SourceContext) -> Iterator[SourceContext]:
    """Make ``context`` visible to generators and rankers called inside the ``with`` block."""
    token = SOURCE_CONTEXT.set(context)
    try:
        yield context
    finally:
        SOURCE_CONTEXT.reset(token)


def aligned_source(segment: Segment) -> str | None:
    """The source text aligned with ``segment`` in the audit running now, else None."""
    context = SOURCE_CONTEXT.get()
    return context.source_of(segment) if context is not None else None


class CandidateGenerator(Protocol):
    name: str

    def generate(self, segment: Segment, flags: Sequence[Flag]) -> list[Candidate]: ...


def compose_nested(flags: Sequence[Flag]) -> list[Flag]:
    """Fold an edit lying inside another edit into the outer one's replacement.

    A rule that restructures a sentence ("Faced with X, Russia rejected it" -> "Russia
    rejected X") may contain a glossary term; when the term's text reappears in the
    rule's replacement, the term's correction is applied there, so neither is lost.
    """
    edits = [f for f in flags if f.replacement is not None and f.replacement != f.text]
    absorbed: set[int] = set()
    result: list[Flag] = []
    for i, outer in enumerate(edits):
        replacement = outer.replacement or ""
        for j, inner in enumerate(edits):
            if i == j or j in absorbed or not (outer.start <= inner.start and inner.end <= outer.end):
                continue
            if (inner.start, inner.end) == (outer.start, outer.end):
                continue
            if inner.text and inner.text in replacement:
                replacement = replacement.replace(inner.text, inner.replacement or "", 1)
                absorbed.add(j)
        result.append(outer if replacement == outer.replacement else replace(outer, replacement=replacement))
    return [f for k, f in enumerate(result) if k not in absorbed]


def choose_edits(flags: Sequence[Flag]) -> list[Flag]:
    """Non-overlapping flags that carry a replacement, by severity, origin, then span length."""
    chosen: list[Flag] = []
    ranked = sorted(
        compose_nested(flags),
        key=lambda f: (-f.severity.rank, _ORIGIN_PRIORITY.get(f.origin, 9), -(f.end - f.start), f.start),
    )
    for flag in ranked:
        if all(flag.end <= c.start or flag.start >= c.end for c in chosen):
            chosen.append(flag)
    return sorted(chosen, key=lambda f: f.start)


def apply_edits(segment: Segment, edits: Sequence[Flag]) -> str:
    """Replace each edit's span inside the segment; everything else stays as it was."""
    text = segment.text
    pieces: list[str] = []
    cursor = 0
    for flag in sorted(edits, key=lambda f: f.start):
        start, end = flag.start - segment.start, flag.end - segment.start
        replacement = flag.replacement or ""
        if not replacement and not text[start:end][-1:].isspace() and not text[start:end][:1].isspace():
            # A deletion takes one neighbouring space with it (unless its span already has one).
            if end < len(text) and text[end] == " ":
                end += 1
            elif start > 0 and text[start - 1] == " ":
                start -= 1
        pieces.append(text[cursor:start])
        pieces.append(replacement)
        cursor = end
    pieces.append(text[cursor:])
    result = "".join(pieces)
    if text[:1].isupper() and result[:1].islower():
        result = result[:1].upper() + result[1:]
    return result


class RewriteGenerator:
    """Applies the glossary, rule and grammar replacements of a segment's flags."""

    name = "rewrite"

    def generate(self, segment: Segment, flags: Sequence[Flag]) -> list[Candidate]:
        edits = choose_edits(flags)
        if not edits:
            return []
        origins = tuple(sorted({f.origin for f in edits}, key=lambda o: _ORIGIN_PRIORITY.get(o, 9)))
        return [Candidate(text=apply_edits(segment, edits), origin=origins, applied=tuple(edits))]


@dataclass
class Ranker:
    """Ranks candidates: fewest remaining flags (re-audit), then the smallest edit."""

    reaudit: Callable[[str], Sequence[Flag]]
    weights: dict[str, float]

    def rank(self, segment: Segment, candidates: Sequence[Candidate]) -> list[Candidate]:
        scored = []
        for candidate in candidates:
            if candidate.text == segment.text:
                continue
            remaining = self.reaudit(candidate.text)
            penalty = penalty_points(remaining, self.weights)
            distance = Levenshtein.distance(segment.text, candidate.text)
            scores = dict(candidate.scores)
            scores.update({"flags_remaining": float(len(remaining)), "penalty_remaining": penalty,
                           "char_distance": float(distance)})
            scored.append(Candidate(candidate.text, candidate.origin, candidate.applied,
                                    tuple(sorted(scores.items()))))
        scored.sort(key=lambda c: (dict(c.scores)["penalty_remaining"], dict(c.scores)["char_distance"]))
        return scored


@dataclass
class Proposer:
    """Runs every generator on a flagged segment and keeps the best candidate."""

    generators: Sequence[CandidateGenerator]
    ranker: Ranker
    scorer: EditScorer
    alternatives: int = 0

    def propose(self, segment: Segment, flags: Sequence[Flag]) -> Proposal | None:
        if not flags:
            return None
        candidates: list[Candidate] = []
        for generator in self.generators:
            candidates.extend(generator.generate(segment, flags))
        ranked = self.ranker.rank(segment, candidates)
        if not ranked:
            return None
        best = ranked[0]
        return Proposal(
            text=best.text,
            origin=best.origin,
            edit=self.scorer.score(segment.text, best.text),
            scores=best.scores,
            alternatives=tuple(ranked[1 : 1 + self.alternatives]),
        )
