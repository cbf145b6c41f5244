"""Step 2, match: find glossary renderings in a sentence with one Aho-Corasick pass.

Every deprecated rendering is folded (case, apostrophes, hyphens) and expanded
into the inflected forms of its first and last word; all variants go into one
pyahocorasick automaton, so matching cost does not grow with the glossary size.
Hits are then checked for word boundaries and the entry's context conditions,
and overlapping hits resolve to the longest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from .glossary import GlossaryEntry
from .inflect import word_forms
from .normalize import fold, fold_pattern, is_word_char


@dataclass(frozen=True, slots=True)
class Variant:
    """One surface form of a rendering: which entry, and how it was inflected."""

    entry: int
    tag: str
    position: str  # "first" or "last": which word carries ``tag``


@dataclass(frozen=True, slots=True)
class TermMatch:
    """A rendering found in a sentence; offsets are into that sentence."""

    start: int
    end: int
    entry: GlossaryEntry
    tag: str
    position: str


def expand_variants(pattern: str) -> list[tuple[str, str, str]]:
    """``(surface, tag, position)`` for the rendering and its inflections."""
    words = pattern.split(" ")
    out: list[tuple[str, str, str]] = [(pattern, "", "first")]
    seen = {pattern}
    positions = [("first", 0)] if len(words) == 1 else [("first", 0), ("last", len(words) - 1)]
    for position, index in positions:
        for form, tag in word_forms(words[index])[1:]:
            surface = " ".join([*words[:index], form, *words[index + 1:]])
            if surface not in seen:
                seen.add(surface)
                out.append((surface, tag, position))
    return out


class GlossaryMatcher:
    """An automaton over every rendering of every entry."""

    def __init__(self, entries: Sequence[GlossaryEntry], *, inflect: bool = True) -> None:
        self.entries = tuple(entries)
        self._automaton = ahocorasick.Automaton()
        table: dict[str, list[Variant]] = {}
        for index, entry in enumerate(self.entries):
            for rendering in entry.deprecated:
                pattern = fold_pattern(rendering)
                if not pattern:
                    continue
                forms = expand_variants(pattern) if inflect else [(pattern, "", "first")]
                for surface, tag, position in forms:
                    table.setdefault(surface, []).append(Variant(index, tag, position))
        for surface, variants in table.items():
            self._automaton.add_word(surface, (len(surface), tuple(variants)))
        self.pattern_count = len(table)
        if table:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, sentence: str, folded: str | None = None) -> list[TermMatch]:
        """All non-overlapping renderings in ``sentence`` whose context holds."""
        if not self.pattern_count:
            return []
        text = folded if folded is not None else fold(sentence)
        hits: list[TermMatch] = []
        size = len(text)
        entries = self.entries
        for end_index, (length, variants) in self._automaton.iter(text):
            end = end_index + 1
            start = end - length
            if (start > 0 and is_word_char(text[start - 1])) or (end < size and is_word_char(text[end])):
                continue
            for variant in variants:
                entry = entries[variant.entry]
                if (entry.context_re is None and entry.not_context_re is None) or entry.applies_in(sentence):
                    hits.append(TermMatch(start, end, entry, variant.tag, variant.position))
                    break
        if len(hits) < 2:
            return hits
        return resolve_overlaps(hits)


def resolve_overlaps(hits: Iterable[TermMatch]) -> list[TermMatch]:
    """Keep the longest of overlapping hits (then the earliest), in text order."""
    chosen: list[TermMatch] = []
    taken: set[int] = set()
    for hit in sorted(hits, key=lambda h: (h.start - h.end, h.start)):
        span = range(hit.start, hit.end)
        if taken.isdisjoint(span):
            taken.update(span)
            chosen.append(hit)
    chosen.sort(key=lambda h: h.start)
    return chosen
