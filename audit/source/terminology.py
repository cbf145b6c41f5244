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
from rapidfuzz import fuzz

from ..glossary import GlossaryEntry
from ..matcher import expand_variants
from ..normalize import fold, fold_pattern
from .zh import crosses_words

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


_TARGET_WORD = re.compile(r"[^\W_][\w'’-]*")
#: rapidfuzz ratio (0-100) above which a run of target words is taken as the term's rendering:
#: a variant of a rendering the glossary lists as wrong, or a near miss of the preferred one.
NEAR_DEPRECATED = 85
NEAR_PREFERRED = 72


def near_rendering(target: str, renderings: Sequence[str], threshold: float) -> tuple[int, int, str] | None:
    """The run of whole target words closest to one of ``renderings`` (as many words as it, one
    fewer or one more) when its similarity reaches ``threshold``: ``(start, end, rendering)``."""
    words = list(_TARGET_WORD.finditer(target))
    best: tuple[float, int, int, str] | None = None
    for rendering in renderings:
        wanted = fold_pattern(rendering)
        n = len(wanted.split())
        for size in sorted({max(1, n - 1), n, n + 1}):
            for i in range(len(words) - size + 1):
                start, end = words[i].start(), words[i + size - 1].end()
                candidate = fold_pattern(target[start:end])
                if candidate in wanted or wanted in candidate:
                    continue  # a part of the rendering ("COVID" of "COVID-19") is not a wrong one
                score = fuzz.ratio(candidate, wanted)
                if score >= threshold and (best is None or score > best[0]):
                    best = (score, start, end, rendering)
    return None if best is None else (best[1], best[2], best[3])


def initials(rendering: str) -> str | None:
    """The acronym of a capitalised rendering (China International Import Expo -> CIIE), 3+ letters."""
    words = [w for w in re.findall(r"[A-Za-z]+", rendering) if w[0].isupper()]
    return "".join(w[0] for w in words) if len(words) >= 3 else None


def _has_acronym(target: str, rendering: str) -> bool:
    acronym = initials(rendering)
    return acronym is not None and re.search(rf"\b{acronym}s?\b", target) is not None


_NAME_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_MINOR_WORDS = frozenset(["a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to",
                          "with"])


def is_fixed_term(entry: GlossaryEntry) -> bool:
    """Whether the entry's source term has one required rendering wherever it occurs: a
    terminology entry (MQM category ``Terminology/...``: 一带一路 "Belt and Road Initiative") or a
    proper name (every content word of the preferred rendering capitalised: 台湾海峡 "Taiwan
    Strait"). Other entries fix a wrong rendering in the context they were written for (打压 "a
    more violent crackdown" -> "even harsher pressure"): they flag that rendering in the MT, but
    their preferred rendering is one editor's choice for one text, not the term's translation."""
    if entry.category.startswith("Terminology"):
        return True
    words = [w for w in _NAME_WORD.findall(entry.preferred) if w.lower() not in _MINOR_WORDS]
    return bool(words) and all(w[0].isupper() for w in words)


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

    @property
    def source_terms(self) -> frozenset[str]:
        """The (folded) source terms of the glossary."""
        return frozenset(self._by_term)

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
            elif crosses_words(source, start, end):
                continue  # 风口 inside 出风口 "air vent", 党建 across 共产党|建党
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
            # An entry written for one context (两岸 in Taiwan reporting, 风口 in business) applies
            # only where the target is in that context, as in the monolingual glossary check.
            entries = [e for e in hit.entries if e.applies_in(target) and is_fixed_term(e)]
            preferred = sorted({e.preferred for e in entries if e.preferred}, key=len, reverse=True)
            # Admitted renderings satisfy the term as the preferred one does (after it, so the
            # preferred is what a flag asks for and what consistency prefers).
            accepted = preferred + sorted({a for e in entries for a in e.admitted} - set(preferred), key=len,
                                          reverse=True)
            deprecated = [d for e in entries for d in e.deprecated if d]
            if not preferred:
                continue
            found_pref = next(((p, span) for p in accepted if (span := find_rendering(target, p))), None)
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
            if any(_has_acronym(target, p) for p in preferred):
                continue  # CIIE for China International Import Expo
            # Where the MT rendered the term: a variant of a listed wrong rendering, else a near
            # miss of the preferred one; zero-width (source span only) when neither is found.
            near = (near_rendering(target, deprecated, NEAR_DEPRECATED) if deprecated else None) \
                or near_rendering(target, preferred, NEAR_PREFERRED)
            if near is None:
                issues.append(TermIssue("missing", hit, preferred[0]))
            else:
                start, end, _ = near
                issues.append(TermIssue("missing", hit, preferred[0], start, end, target[start:end]))
        return issues
