"""Grammar checking with Harper (harper-py): offline, dictionary built in.

Harper is linted per batch of paragraphs (its throughput is best on whole
documents) and its lints are mapped back onto sentences as flags. Lints that are
noise for translated news (long sentences, spelling of proper names, dialect
spellings) are dropped; the rules to switch off are configuration.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .records import Severity

#: Harper rules switched off by default: not translation errors, or false alarms on
#: the development MQM data (see README, "Evaluation").
DEFAULT_HARPER_DISABLED = (
    "LongSentences",
    "SplitWords",
    "PronounVerbAgreement",
    "SentenceCapitalization",
    "OxfordComma",
)
#: Harper lint kinds -> MQM categories.
HARPER_CATEGORIES = {
    "Spelling": "Fluency/Spelling",
    "Typo": "Fluency/Spelling",
    "Agreement": "Fluency/Grammar",
    "Grammar": "Fluency/Grammar",
    "Repetition": "Fluency/Grammar",
    "Miscellaneous": "Fluency/Grammar",
    "Punctuation": "Fluency/Punctuation",
    "Capitalization": "Fluency/Punctuation",
    "Formatting": "Fluency/Punctuation",
    "Readability": "Style/Awkward",
    "Style": "Style/Awkward",
    "Redundancy": "Style/Awkward",
    "Repetitions": "Style/Awkward",
    "WordChoice": "Style/Awkward",
    "Usage": "Style/Awkward",
    "Enhancement": "Style/Awkward",
    "Eggcorn": "Fluency/Spelling",
    "Malapropism": "Accuracy/Mistranslation",
    "BoundaryError": "Fluency/Spelling",
    "Nonstandard": "Style/Unidiomatic",
    "Regionalism": "Locale convention",
}
#: Words of world affairs that Harper's dictionary lacks.
EXTRA_WORDS = (
    "multipolar", "multipolarity", "unipolar", "BRICS", "SCO", "ASEAN", "Sino", "Xinjiang", "Tibetan",
    "Kommersant", "Lavrov", "Xi", "Jinping", "Putin", "Zelensky", "denuclearization", "geopolitics",
)
# British/American spelling pairs: a dialect difference is not a translation error.
_DIALECT_PAIRS = (("our", "or"), ("ce", "se"), ("ise", "ize"), ("isation", "ization"), ("re", "er"),
                  ("ll", "l"), ("ogue", "og"), ("yse", "yze"))


@dataclass(frozen=True, slots=True)
class GrammarHit:
    """A Harper lint mapped to a paragraph offset."""

    start: int
    end: int
    rule: str
    category: str
    severity: Severity
    message: str
    suggestion: str | None
    replacement: str | None


def _is_dialect_variant(word: str, suggestion: str) -> bool:
    a, b = word.lower(), suggestion.lower()
    for x, y in _DIALECT_PAIRS:
        for left, right in ((x, y), (y, x)):
            if left in a and a.replace(left, right) == b:
                return True
    return False


class GrammarChecker:
    """One Harper linter per thread (a Linter is not thread-safe), built lazily."""

    def __init__(self, disabled: Sequence[str] = DEFAULT_HARPER_DISABLED, dialect: str = "american",
                 only: Sequence[str] | None = None, switch: Callable[[str], bool] | None = None) -> None:
        self.disabled = tuple(disabled)
        # Whether a lint's rule id (grammar.harper.<kebab-name>) is switched on (audit.checkers.Switches).
        self.switch = switch
        self.dialect = dialect
        # None: every Harper lint not disabled; else just these (Harper's cost grows with the number of lints).
        self.only = None if only is None else frozenset(only)
        self._local = threading.local()

    def _linter(self) -> Any:
        linter = getattr(self._local, "linter", None)
        if linter is None:
            from harper import Dialect, Linter

            linter = Linter(getattr(Dialect, self.dialect.upper()))
            config = {name: (None if self._enabled(name) else False) for name in linter.get_lint_config()}
            linter.set_lint_config(config)
            linter.import_words(list(EXTRA_WORDS))
            self._local.linter = linter
        return linter

    def _enabled(self, name: str) -> bool:
        return (name not in self.disabled and (self.only is None or name in self.only)
                and (self.switch is None or self.switch(f"grammar.harper.{_kebab(name)}")))

    def warm(self) -> None:
        self._linter()

    def check(self, text: str) -> list[GrammarHit]:
        """Lint ``text`` (one or more paragraphs); offsets are into ``text``."""
        linter = self._linter()
        hits: list[GrammarHit] = []
        for rule, lints in linter.organized_lints(text, language="plaintext").items():
            for lint in lints:
                hit = self._to_hit(rule, lint)
                if hit is not None:
                    hits.append(hit)
        hits.sort(key=lambda h: (h.start, h.end))
        return hits

    def check_many(self, texts: Iterable[str]) -> list[list[GrammarHit]]:
        """Lint several paragraphs in one Harper call, split the lints back per text."""
        texts = list(texts)
        joined = "\n\n".join(texts)
        bounds = []
        offset = 0
        for t in texts:
            bounds.append((offset, offset + len(t)))
            offset += len(t) + 2
        out: list[list[GrammarHit]] = [[] for _ in texts]
        index = 0
        for hit in self.check(joined):
            while index < len(bounds) and hit.start >= bounds[index][1] + 2:
                index += 1
            if index >= len(bounds):
                break
            start, end = bounds[index]
            if hit.start >= start and hit.end <= end:
                out[index].append(
                    GrammarHit(hit.start - start, hit.end - start, hit.rule, hit.category, hit.severity,
                               hit.message, hit.suggestion, hit.replacement)
                )
        return out

    def _to_hit(self, rule: str, lint: Any) -> GrammarHit | None:
        word = lint.problem_text
        replacements = [s.replacement_text for s in lint.suggestions if int(s.kind) == 0]
        kind = lint.lint_kind
        if kind == "Spelling":
            # Proper names and acronyms are kept from the source; dialect spellings are fine.
            if any(ch.isupper() for ch in word):
                return None
            if any(_is_dialect_variant(word, r) for r in replacements):
                return None
            # Harper's dictionary lacks some plurals and offers the possessive instead.
            if any(r.replace("'", "").replace("’", "").lower() == word.lower() for r in replacements):
                return None
        start, end = lint.span.start, lint.span.end
        replacement = replacements[0] if replacements and kind != "Spelling" else None
        removal = any(int(s.kind) == 1 for s in lint.suggestions)
        if replacement is None and removal and kind in ("Repetition", "Redundancy"):
            replacement = ""
        suggestion = replacements[0] if replacements else None
        return GrammarHit(
            start=start,
            end=end,
            rule=f"grammar.harper.{_kebab(rule)}",
            category=HARPER_CATEGORIES.get(kind, "Fluency/Grammar"),
            severity=Severity.MINOR,
            message=lint.message,
            suggestion=suggestion,
            replacement=replacement,
        )


def _kebab(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("-")
        out.append(ch.lower())
    return "".join(out)
