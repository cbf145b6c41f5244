"""Step 3, flag: translationese and Chinglish rules declared as data (YAML).

A rule is data, not code (proselint): an id such as
``style.translationese.it-can-be-seen``, an MQM category and severity, a message,
a regular expression, an optional rewrite template, and examples that must flag
and must not flag. Literal ``triggers`` go into one Aho-Corasick automaton so a
rule's regex only runs on sentences that contain one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick
import yaml

from ..errors import RuleError
from ..glossary import KNOWN_CATEGORIES
from ..normalize import fold, fold_pattern
from ..records import Severity

RULES_DIR = Path(__file__).parent / "data"
_RULE_ID = re.compile(r"^[a-z0-9]+(\.[a-z0-9-]+)+$")
_FIELDS = {
    "id", "category", "severity", "message", "pattern", "triggers", "rewrite", "suggestion",
    "languages", "case_sensitive", "examples", "enabled", "note",
}


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule hit; offsets are into the sentence."""

    start: int
    end: int
    rule: Rule
    replacement: str | None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: str
    severity: Severity
    message: str
    pattern: re.Pattern[str]
    triggers: tuple[str, ...] = ()
    rewrite: str | None = None
    suggestion: str | None = None
    languages: tuple[str, ...] = ()
    flag_examples: tuple[str, ...] = ()
    pass_examples: tuple[str, ...] = ()
    fix_examples: tuple[tuple[str, str], ...] = ()
    enabled: bool = True
    source: str = field(default="", compare=False)

    def find(self, sentence: str) -> list[RuleMatch]:
        """Every hit of this rule in ``sentence`` (triggers not consulted)."""
        hits = []
        for match in self.pattern.finditer(sentence):
            group = "span" if "span" in self.pattern.groupindex and match.group("span") is not None else 0
            start, end = match.span(group)
            if start == end:
                continue
            replacement = None
            if self.rewrite is not None:
                replacement = _tidy(match.expand(self.rewrite))
            hits.append(RuleMatch(start, end, self, replacement))
        return hits

    def applies_to(self, src_lang: str | None) -> bool:
        return not self.languages or src_lang is None or src_lang in self.languages


def _tidy(text: str) -> str:
    return re.sub(r"  +", " ", text)


def parse_rule(data: Any, *, file: str, index: int) -> Rule:
    """Validate one YAML rule mapping; raise RuleError naming the file and field."""
    where = f"rule #{index + 1}"
    if not isinstance(data, dict):
        raise RuleError(f"{where} is not a mapping", file=file)
    rule_id = str(data.get("id", ""))
    where = f"rule {rule_id or '#' + str(index + 1)}"

    def fail(message: str, name: str) -> RuleError:
        return RuleError(f"{where}: {message}", file=file, field=name)

    unknown = set(data) - _FIELDS
    if unknown:
        raise fail(f"unknown field(s) {sorted(unknown)}", sorted(unknown)[0])
    if not _RULE_ID.match(rule_id):
        raise fail("id must look like 'style.translationese.it-can-be-seen'", "id")
    category = str(data.get("category", ""))
    if category not in KNOWN_CATEGORIES:
        raise fail(f"unknown MQM category {category!r}", "category")
    try:
        severity = Severity.parse(str(data.get("severity", "")))
    except ValueError as exc:
        raise fail(str(exc), "severity") from None
    message = str(data.get("message", "")).strip()
    if not message:
        raise fail("no message", "message")
    flags = 0 if data.get("case_sensitive") else re.IGNORECASE
    try:
        pattern = re.compile(str(data.get("pattern", "")), flags)
    except re.error as exc:
        raise fail(f"invalid pattern: {exc}", "pattern") from None
    if not pattern.pattern:
        raise fail("no pattern", "pattern")
    examples = data.get("examples") or {}
    if not isinstance(examples, dict):
        raise fail("examples must be a mapping with 'flag' and 'pass' lists", "examples")
    fixes = []
    for item in examples.get("fix") or []:
        if not isinstance(item, dict) or set(item) != {"in", "out"}:
            raise fail("each fix example needs 'in' and 'out'", "examples.fix")
        fixes.append((str(item["in"]), str(item["out"])))
    triggers = []
    for raw in data.get("triggers") or ():
        folded = fold_pattern(str(raw))
        if not folded:
            # Folding maps hyphens, dashes and spaces to nothing useful: such a trigger would never fire.
            raise fail(f"trigger {raw!r} is empty once folded (hyphens/dashes/spaces only)", "triggers")
        triggers.append(folded)
    rewrite = data.get("rewrite")
    return Rule(
        id=rule_id,
        category=category,
        severity=severity,
        message=message,
        pattern=pattern,
        triggers=tuple(triggers),
        rewrite=None if rewrite is None else str(rewrite),
        suggestion=data.get("suggestion"),
        languages=tuple(data.get("languages") or ()),
        flag_examples=tuple(str(x) for x in examples.get("flag") or ()),
        pass_examples=tuple(str(x) for x in examples.get("pass") or ()),
        fix_examples=tuple(fixes),
        enabled=bool(data.get("enabled", True)),
        source=file,
    )


def load_rule_file(path: str | Path) -> list[Rule]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleError(f"cannot read rules: {exc.strerror}", file=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleError(f"malformed YAML: {exc}", file=str(path), line=mark.line + 1 if mark else None) from None
    items = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise RuleError("expected a top-level 'rules:' list", file=str(path))
    return [parse_rule(item, file=str(path), index=i) for i, item in enumerate(items)]


def load_rules(paths: Iterable[str | Path] | None = None) -> list[Rule]:
    """Load rule files (the shipped ones by default); ids must be unique."""
    files = sorted(RULES_DIR.glob("*.yaml")) if paths is None else [Path(p) for p in paths]
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        for rule in load_rule_file(path):
            if rule.id in seen:
                raise RuleError(f"duplicate rule id {rule.id!r} (also in {seen[rule.id]})", file=str(path))
            seen[rule.id] = str(path)
            rules.append(rule)
    return rules


class RuleSet:
    """Enabled rules for one source language, with a trigger automaton."""

    def __init__(self, rules: Sequence[Rule], src_lang: str | None = None,
                 disabled: Iterable[str] = ()) -> None:
        off = set(disabled)
        self.rules = tuple(r for r in rules if r.enabled and r.id not in off and r.applies_to(src_lang))
        self._always = tuple(i for i, r in enumerate(self.rules) if not r.triggers)
        self._automaton = ahocorasick.Automaton()
        table: dict[str, set[int]] = {}
        for index, rule in enumerate(self.rules):
            for trigger in rule.triggers:
                table.setdefault(trigger, set()).add(index)
        for trigger, indices in table.items():
            self._automaton.add_word(trigger, tuple(sorted(indices)))
        self._has_triggers = bool(table)
        if table:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self.rules)

    def find(self, sentence: str, folded: str | None = None) -> list[RuleMatch]:
        candidates = set(self._always)
        if self._has_triggers:
            text = folded if folded is not None else fold(sentence)
            for _, indices in self._automaton.iter(text):
                candidates.update(indices)
        hits: list[RuleMatch] = []
        for index in sorted(candidates):
            hits.extend(self.rules[index].find(sentence))
        return hits
