"""Terminology against the source: a glossary source term in the source sentence requires its
preferred rendering in the aligned target, and one source term should be rendered one way
throughout a document (consistency).

The source terms of every entry go into one pyahocorasick automaton; renderings are checked in
the folded target (case, hyphens, apostrophes) with the inflected forms that
:func:`audit.matcher.expand_variants` makes, so "measures" satisfies "measure".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick

from ..glossary import GlossaryEntry
from ..matcher import expand_variants
from ..normalize import fold, fold_pattern

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True, slots=True)
class SourceTermHit:
    start: int
    end: int
    term: str
    entries: tuple[GlossaryEntry, ...]


@dataclass(frozen=True, slots=True)
class TermIssue:
    """A source term whose aligned target lacks the required rendering, or renders it differently
    from an earlier sentence of the document (``kind`` = "missing" or "inconsistent")."""

    kind: str
    hit: SourceTermHit
    required: str
    target_start: int | None = None
    target_end: int | None = None
    found: str | None = None


@lru_cache(maxsize=4096)
def _variants(rendering: str) -> tuple[str, ...]:
    pattern = fold_pattern(rendering)
    return tuple(surface for surface, _, _ in expand_variants(pattern))


def find_rendering(target: str, rendering: str) -> tuple[int, int] | None:
    """Where an inflected form of ``rendering`` occurs in ``target`` as whole words."""
    folded = fold(target)
    for surface in _variants(rendering):
        for m in re.finditer(re.escape(surface), folded):
            before = folded[m.start() - 1:m.start()]
            after = folded[m.end():m.end() + 1]
            if (not before or not before.isalnum()) and (not after or not after.isalnum()):
                return m.start(), m.end()
    return None


@dataclass
class TermChecker:
    entries: Sequence[GlossaryEntry]
    _automaton: object = field(init=False, repr=False)
    _by_term: dict[str, list[GlossaryEntry]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_term = {}
        for entry in self.entries:
            term = entry.source_term.strip()
            if not term or "…" in term or "..." in term:
                continue
            self._by_term.setdefault(fold(term), []).append(entry)
        automaton = ahocorasick.Automaton()
        for term in self._by_term:
            automaton.add_word(term, term)
        if self._by_term:
            automaton.make_automaton()
        self._automaton = automaton

    def __len__(self) -> int:
        return len(self._by_term)

    def find_terms(self, source: str) -> list[SourceTermHit]:
        if not self._by_term:
            return []
        folded = fold(source)
        hits: list[SourceTermHit] = []
        for end_index, term in self._automaton.iter(folded):  # type: ignore[attr-defined]
            end = end_index + 1
            start = end - len(term)
            if not _CJK.match(term):  # alphabetic source: whole words only
                before = folded[start - 1:start]
                after = folded[end:end + 1]
                if (before and before.isalnum()) or (after and after.isalnum()):
                    continue
            hits.append(SourceTermHit(start, end, source[start:end], tuple(self._by_term[term])))
        # Longest first, no overlaps.
        hits.sort(key=lambda h: (h.start - h.end, h.start))
        kept: list[SourceTermHit] = []
        for hit in hits:
            if not any(hit.start < k.end and k.start < hit.end for k in kept):
                kept.append(hit)
        return sorted(kept, key=lambda h: h.start)

    def check(self, source: str, target: str, seen: dict[str, str] | None = None) -> list[TermIssue]:
        """Issues of one aligned pair; ``seen`` (source term -> rendering used) carries consistency
        across the sentences of a document."""
        issues: list[TermIssue] = []
        for hit in self.find_terms(source):
            preferred = sorted({e.preferred for e in hit.entries if e.preferred}, key=len, reverse=True)
            deprecated = [d for e in hit.entries for d in e.deprecated if d]
            if not preferred:
                continue
            found_pref = next(((p, span) for p in preferred if (span := find_rendering(target, p))), None)
            key = fold(hit.term)
            if found_pref is not None:
                used, span = found_pref
                if seen is not None:
                    earlier = seen.setdefault(key, used)
                    a, b = fold_pattern(earlier), fold_pattern(used)
                    if a not in b and b not in a:
                        issues.append(TermIssue("inconsistent", hit, earlier, span[0], span[1], used))
                continue
            found_dep = next(((d, span) for d in deprecated if (span := find_rendering(target, d))), None)
            if found_dep is not None:
                # The monolingual glossary flag already marks the deprecated rendering.
                if seen is not None:
                    seen.setdefault(key, found_dep[0])
                continue
            issues.append(TermIssue("missing", hit, preferred[0]))
        return issues
