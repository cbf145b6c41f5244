"""Glossary renderings (``glossary.<entry id>``): one Aho-Corasick pass over each sentence."""

from __future__ import annotations

from ..glossary import for_pair
from ..inflect import match_case, reinflect
from ..matcher import GlossaryMatcher, TermMatch
from ..normalize import fold
from ..records import Flag, Segment
from .base import CheckBatch, Checker, CheckerSetup


class GlossaryChecker(Checker):
    ids = ("glossary",)
    order = 10
    one_per_error = True
    reaudit = True

    def __init__(self, matcher: GlossaryMatcher) -> None:
        self.matcher = matcher

    @classmethod
    def build(cls, setup: CheckerSetup) -> GlossaryChecker:
        entries = for_pair(setup.glossaries, setup.config.src_lang, setup.config.tgt_lang)
        return cls(GlossaryMatcher([e for e in entries if setup.switches.enabled(f"glossary.{e.id}")]))

    def emits(self) -> tuple[str, ...]:
        return tuple(f"glossary.{e.id}" for e in self.matcher.entries)

    def check(self, batch: CheckBatch) -> list[list[Flag]]:
        return [self.flags(item.segment) for item in batch.items]

    def flags(self, segment: Segment) -> list[Flag]:
        text = segment.text
        return [term_flag(segment, m) for m in self.matcher.find(text, fold(text))]


def term_flag(segment: Segment, match: TermMatch) -> Flag:
    """The flag of one glossary hit; its replacement re-inflected, capitalised at a sentence's start."""
    entry = match.entry
    matched = segment.text[match.start:match.end]
    replacement = reinflect(entry.preferred, match.tag, match.position)
    if match.start == 0:
        # Only a sentence's first word takes its capital over; mid-sentence a capital is a name's.
        replacement = match_case(replacement, matched)
    return Flag(start=segment.start + match.start, end=segment.start + match.end, text=matched,
                rule=f"glossary.{entry.id}", category=entry.category, severity=entry.severity,
                message=entry.message, suggestion=replacement, replacement=replacement, origin="glossary")
