"""Pattern rules as data (``style.*``, ``fluency.*``, ...; audit/rules/data/*.yaml)."""

from __future__ import annotations

from ..inflect import match_case
from ..normalize import fold
from ..records import Flag, Segment
from ..rules import RuleMatch, RuleSet
from .base import CheckBatch, Checker, CheckerSetup


class RuleChecker(Checker):
    # The first parts of the shipped and user rule ids (a rule id has at least two parts).
    ids = ("style", "fluency", "accuracy", "terminology", "locale", "rule")
    order = 20
    one_per_error = True
    reaudit = True

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset

    @classmethod
    def build(cls, setup: CheckerSetup) -> RuleChecker | None:
        # The shipped rules are English: a non-English target gets none.
        if setup.config.tgt_lang != "en":
            return None
        rules = [r for r in setup.rules if setup.switches.enabled(r.id)]
        return cls(RuleSet(rules, setup.config.src_lang))

    def emits(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.ruleset.rules)

    def check(self, batch: CheckBatch) -> list[list[Flag]]:
        return [self.flags(item.segment) for item in batch.items]

    def flags(self, segment: Segment) -> list[Flag]:
        text = segment.text
        return [rule_flag(segment, m) for m in self.ruleset.find(text, fold(text))]


def rule_flag(segment: Segment, match: RuleMatch) -> Flag:
    rule = match.rule
    matched = segment.text[match.start:match.end]
    replacement = match.replacement
    if replacement and match.start == 0:
        replacement = match_case(replacement, matched)
    return Flag(start=segment.start + match.start, end=segment.start + match.end, text=matched, rule=rule.id,
                category=rule.category, severity=rule.severity, message=rule.message,
                suggestion=replacement if replacement is not None else rule.suggestion,
                replacement=replacement, origin="rule")
