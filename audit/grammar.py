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

from .limits import DEFAULT_GRAMMAR_MAX_SENTENCE_CHARS, DEFAULT_GRAMMAR_MAX_TOKEN_CHARS, grammar_unsafe_spans
from .records import Severity

#: Harper rules switched off by default: not translation errors, or false alarms on
#: the development MQM data (see README, "Evaluation").
DEFAULT_HARPER_DISABLED = (
    "LongSentences",
    "SplitWords",
    "PronounVerbAgreement",
    "SentenceCapitalization",
    "OxfordComma",
    # Renamed places (Turkey -> Türkiye): a style opinion, not a translation error.
    "UpdatePlaceNames",
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
    # Latin of English prose ("per capita", "de facto", "ad hoc", "vice versa", "status quo").
    "capita", "facto", "jure", "hoc", "versa", "quo", "bona", "fide",
)
#: Lowercase particles of names (von der Leyen, bin Salman, al-Assad, Kim Jong-un's "un").
_NAME_PARTICLES = frozenset({"von", "der", "van", "de", "den", "del", "della", "da", "di", "du", "la", "le", "bin",
                             "ibn", "al", "el", "ben", "dos", "das", "y", "un", "ul", "ter", "zu"})
#: Value of ``proposing`` that lets every lint's replacement into proposals (for measuring them).
EVERY_LINT = frozenset({"*"})
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


class GrammarLints(list[GrammarHit]):
    """The lints of one text, and the spans of it that Harper was not given (``unchecked``:
    sentences over the length limits, see :func:`audit.limits.grammar_unsafe_spans`)."""

    unchecked: tuple[tuple[int, int], ...] = ()


class GrammarChecker:
    """One Harper linter per thread (a Linter is not thread-safe), built lazily.

    Harper is only handed what it is known to handle: sentences of at most ``max_sentence_chars``
    whose tokens have at most ``max_token_chars`` (a 100,000-character token made it allocate 30 GB
    and abort the process). Longer sentences are left out of the text it lints and reported as
    ``unchecked`` spans (:class:`GrammarLints`); the rest of their paragraph is linted.
    """

    def __init__(self, disabled: Sequence[str] = DEFAULT_HARPER_DISABLED, dialect: str = "american",
                 only: Sequence[str] | None = None, switch: Callable[[str], bool] | None = None,
                 max_sentence_chars: int = DEFAULT_GRAMMAR_MAX_SENTENCE_CHARS,
                 max_token_chars: int = DEFAULT_GRAMMAR_MAX_TOKEN_CHARS,
                 proposing: Iterable[str] | None = None) -> None:
        #: The grammar guard's limits (audit.limits); longer sentences are checked without Harper.
        self.max_sentence_chars = int(max_sentence_chars)
        self.max_token_chars = int(max_token_chars)
        self.disabled = tuple(disabled)
        # Whether a lint's rule id (grammar.harper.<kebab-name>) is switched on (audit.checkers.Switches).
        self.switch = switch
        self.dialect = dialect
        # None: every Harper lint not disabled; else just these (Harper's cost grows with the number of lints).
        self.only = None if only is None else frozenset(only)
        # Harper names of the lints whose replacement may enter a proposal (calibrated: those whose
        # flags land on a human-marked error at least half the time); None: the shipped list.
        self.proposing = frozenset(shipped_proposing() if proposing is None else proposing)
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

    def check(self, text: str) -> GrammarLints:
        """Lint ``text`` (one or more paragraphs); offsets are into ``text``."""
        return self.check_many([text])[0]

    def unchecked_spans(self, text: str) -> list[tuple[int, int]]:
        """The spans of ``text`` that are too long for Harper (see the class)."""
        return grammar_unsafe_spans(text, self.max_sentence_chars, self.max_token_chars)

    def _lint(self, text: str) -> list[GrammarHit]:
        """Harper on ``text`` as it is: only ever called with text the guard passed."""
        linter = self._linter()
        hits: list[GrammarHit] = []
        for rule, lints in linter.organized_lints(text, language="plaintext").items():
            for lint in lints:
                hit = self._to_hit(rule, lint, text)
                if hit is not None:
                    hits.append(hit)
        hits.sort(key=lambda h: (h.start, h.end))
        return hits

    def check_many(self, texts: Iterable[str]) -> list[GrammarLints]:
        """Lint several paragraphs in one Harper call, split the lints back per text.

        Each text's spans that are too long for Harper are left out (the pieces around them are
        linted on their own) and listed in its :attr:`GrammarLints.unchecked`."""
        texts = list(texts)
        out = [GrammarLints() for _ in texts]
        # (text index, offset of the piece in its text, piece): what Harper is handed.
        pieces: list[tuple[int, int, str]] = []
        for index, text in enumerate(texts):
            spans = self.unchecked_spans(text)
            if not spans:
                pieces.append((index, 0, text))
                continue
            out[index].unchecked = tuple(spans)
            position = 0
            for start, end in [*spans, (len(text), len(text))]:
                if start > position and text[position:start].strip():
                    pieces.append((index, position, text[position:start]))
                position = end
        joined = "\n\n".join(piece for _, _, piece in pieces)
        bounds = []
        offset = 0
        for _, _, piece in pieces:
            bounds.append((offset, offset + len(piece)))
            offset += len(piece) + 2
        position = 0
        for hit in self._lint(joined) if pieces else ():
            while position < len(bounds) and hit.start >= bounds[position][1] + 2:
                position += 1
            if position >= len(bounds):
                break
            start, end = bounds[position]
            if hit.start >= start and hit.end <= end:
                index, shift, _ = pieces[position]
                out[index].append(
                    GrammarHit(hit.start - start + shift, hit.end - start + shift, hit.rule, hit.category,
                               hit.severity, hit.message, hit.suggestion, hit.replacement)
                )
        for lints in out:
            lints.sort(key=lambda h: (h.start, h.end))
        return out

    def _to_hit(self, rule: str, lint: Any, text: str = "") -> GrammarHit | None:
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
            if in_a_name(text, lint.span.start, lint.span.end):
                return None
        start, end = lint.span.start, lint.span.end
        replacement = replacements[0] if replacements and kind != "Spelling" else None
        if "*" not in self.proposing and rule not in self.proposing:
            replacement = None  # shown as a suggestion, never written into a proposal
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


def in_a_name(text: str, start: int, end: int) -> bool:
    """Whether the lowercase word ``text[start:end]`` belongs to a name: hyphenated to a capitalised
    word (Kim Jong-un, al-Assad), or a name particle (von der Leyen, bin Salman) before one."""
    before, after = text[max(0, start - 40):start], text[end:end + 40]
    if before.endswith("-") and before[:-1].split(" ")[-1][:1].isupper():
        return True
    if after.startswith("-") and after[1:2].isupper():
        return True
    if text[start:end].lower() not in _NAME_PARTICLES:
        return False
    following = after.split()
    for word in following[:3]:
        if word[:1].isupper():
            return True
        if word.lower() not in _NAME_PARTICLES:
            return False
    return False


def shipped_proposing() -> tuple[str, ...]:
    """The Harper lints the shipped calibration lets into proposals (``harper_proposing`` in
    audit/calibration.yaml); none when the file or the key is missing."""
    from pathlib import Path

    import yaml

    path = Path(__file__).resolve().parent / "calibration.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return ()
    names = data.get("harper_proposing") if isinstance(data, dict) else None
    return tuple(str(n) for n in names) if isinstance(names, list) else ()


def _kebab(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("-")
        out.append(ch.lower())
    return "".join(out)
