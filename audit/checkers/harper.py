"""Harper's lints (``grammar.harper.<lint>``): whole paragraphs linted in one call per batch."""

from __future__ import annotations

from ..grammar import GrammarChecker, GrammarHit
from ..records import Flag, Paragraph, Segment
from .base import CheckBatch, Checker, CheckerSetup


class HarperChecker(Checker):
    ids = ("grammar.harper",)
    order = 30
    one_per_error = True
    background = True  # Harper releases the GIL: the next batch is linted while this one is processed

    def __init__(self, grammar: GrammarChecker) -> None:
        self.grammar = grammar

    @classmethod
    def build(cls, setup: CheckerSetup) -> HarperChecker | None:
        config = setup.config
        if config.tgt_lang != "en" or not config.grammar:  # Harper is English-only
            return None
        return cls(GrammarChecker((), only=config.harper_only(), switch=setup.switches.enabled))

    def warm(self) -> None:
        self.grammar.warm()

    def check(self, batch: CheckBatch) -> list[list[Flag]]:
        groups = batch.paragraphs()
        out: list[list[Flag]] = [[] for _ in batch.items]
        hits_per_paragraph = self.grammar.check_many(p.text for p, _ in groups)
        for (paragraph, indices), hits in zip(groups, hits_per_paragraph, strict=True):
            for index in indices:
                segment = batch.items[index].segment
                start, end = segment.start - paragraph.start, segment.end - paragraph.start
                out[index] = [grammar_flag(segment, paragraph, h) for h in hits if h.start >= start and h.end <= end]
        return out


def grammar_flag(segment: Segment, paragraph: Paragraph, hit: GrammarHit) -> Flag:
    start = paragraph.start + hit.start
    end = paragraph.start + hit.end
    offset = start - segment.start
    return Flag(start=start, end=end, text=segment.text[offset:offset + (end - start)], rule=hit.rule,
                category=hit.category, severity=hit.severity, message=hit.message, suggestion=hit.suggestion,
                replacement=hit.replacement, origin="grammar")
