"""Step 2, match: find glossary renderings in a sentence with one Aho-Corasick pass.

Every deprecated rendering is folded (case, apostrophes, hyphens) and expanded
into the inflected forms of its first and last word; all variants go into one
pyahocorasick automaton, so matching cost does not grow with the glossary size.
Hits are then checked for word boundaries and the entry's context conditions,
and overlapping hits resolve to the longest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ahocorasick

from .glossary import GlossaryEntry
from .inflect import word_forms
from .normalize import fold, fold_pattern


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
        size = len(text)
        entries = self.entries
        hits: list[_Hit] = []
        # The hot loop of the glossary pass: boundary tests inlined, records built only for winners.
        for end_index, (length, variants) in self._automaton.iter(text):
            end = end_index + 1
            start = end - length
            unspaced = False  # a CJK rendering between CJK characters: no spaces mark its words
            if start > 0:
                before = text[start - 1]
                if before.isalnum() or before == "_":
                    if not (_is_cjk(before) and _is_cjk(text[start])):
                        continue
                    unspaced = True
            if end < size:
                after = text[end]
                if after.isalnum() or after == "_":
                    if not (_is_cjk(after) and _is_cjk(text[end - 1])):
                        continue
                    unspaced = True
            if unspaced and _cuts_a_word(sentence, start, end):
                continue
            for variant in variants:
                entry = entries[variant.entry]
                if (entry.context_re is None and entry.not_context_re is None) or entry.applies_in(sentence):
                    hits.append((start, end, entry, variant))
                    break
        if len(hits) > 1:
            hits = _longest_first(hits)
        return [TermMatch(start, end, entry, v.tag, v.position) for start, end, entry, v in hits]


_Hit = tuple[int, int, GlossaryEntry, Variant]


def _is_cjk(char: str) -> bool:
    """Chinese characters and Japanese kana, which are written without spaces between words."""
    return "\u3040" <= char <= "\u30ff" or "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _cuts_a_word(sentence: str, start: int, end: int) -> bool:
    """Whether ``sentence[start:end]`` cuts through a word (jieba's segmentation of Chinese):
    a CJK glossary rendering counts only as whole words (风口 "wind gap" is not inside 出风口 "air vent")."""
    from .source.zh import crosses_words

    return crosses_words(sentence, start, end)


def _longest_first(hits: list[_Hit]) -> list[_Hit]:
    """The longest of overlapping hits (then the earliest), in text order."""
    chosen: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
        start, end = hit[0], hit[1]
        if all(end <= c[0] or start >= c[1] for c in chosen):
            chosen.append(hit)
    chosen.sort(key=lambda h: h[0])
    return chosen
