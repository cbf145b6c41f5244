"""Adequacy guards: reject a model candidate whose meaning drifts from the MT.

Sentence-embedding cosine alone cannot tell a correct correction from a reversed one, so a
candidate must also keep the MT's negations, hedges ("almost", "reportedly"), numbers, named
entities (in their order: a swap of roles moves them) and content words (in order), except
those inside spans that a flag marked for change (``changed``: the flagged text and, where the
glossary or a rule gave one, its replacement). A few new content words are allowed only where
a flag without a replacement left the wording open (a model-flagged odd word); anything more is
invented content.

With the source sentence known (``mt-audit check --source``, ``audit_pair``), a cross-lingual
check compares meaning with the source itself: :meth:`Guards.check_source` rejects a candidate
whose multilingual-e5-small cosine with the source falls more than :data:`SOURCE_MARGIN` below
the MT's own (a re-translation that drops or reverses what the source says).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.]*(?<![.])|[A-Za-z]\.(?:[A-Za-z]\.)+")
NEGATIONS = frozenset({"not", "no", "never", "neither", "nor", "cannot", "none", "nobody", "nothing", "nowhere",
                       "without", "hardly", "barely", "refused", "rejected", "denied", "against"})
#: Words that change how certain or complete a statement is ("almost crashed", "reportedly
#: killed"): a candidate keeps the MT's, as it keeps its negations.
HEDGES = frozenset({"almost", "nearly", "allegedly", "reportedly", "supposedly", "possibly", "probably", "perhaps",
                    "maybe", "partly", "partially", "formerly", "apparently", "seemingly", "likely", "unlikely"})
NUMBER_WORDS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                          "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "million",
                          "billion", "trillion", "first", "second", "third", "half", "dozen"})
STOPWORDS = frozenset([
    "a", "an", "the", "and", "or", "but", "if", "then", "so", "as", "of", "in", "on", "at", "to", "for",
    "from", "by", "with", "within", "into", "onto", "about", "over", "under", "between", "among", "through",
    "during", "before", "after", "above", "below", "up", "down", "out", "off", "again", "further", "once",
    "here", "there", "when", "where", "why", "how", "all", "any", "both", "each", "few", "more", "most",
    "other", "some", "such", "only", "own", "same", "than", "too", "very", "s", "t", "can", "will", "just",
    "don", "should", "now", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having",
    "do", "does", "did", "doing", "i", "me", "my", "we", "our", "you", "your", "he", "him", "his", "she",
    "her", "it", "its", "they", "them", "their", "what", "which", "who", "whom", "this", "that", "these",
    "those", "am", "would", "could", "may", "might", "must", "shall", "also", "even", "still", "yet", "while",
    "because", "until", "although", "though", "however", "moreover", "whether", "either", "itself",
    "themselves", "himself", "herself", "ourselves", "one",
])


#: How far a model candidate's e5 cosine with the source may fall below the MT's own cosine with
#: it. e5 cosines are compressed (unrelated sentences ~0.7, translations ~0.85-0.9), so the
#: differences are small. On the development data (``python benchmarks/bench_models.py
#: --source-margin``: 11,770 ordered pairs of two error-free translations of one source), a
#: faithful alternative falls more than 0.02 below another in 3.7 % of pairs (0.01: 11.2 %,
#: 0.03: 1.5 %): the share of faithful candidates this margin throws away, a small loss (the
#: glossary/rule rewrite still stands) for catching gross drift: hand-made candidates that
#: reverse the outcome, swap the roles or replace the sentence fall 0.03-0.11 below. It barely
#: separates the MQM data's major errors (5.4 % of them fall 0.02 below an error-free
#: translation): one wrong word is the lexical guards' job.
SOURCE_MARGIN = 0.02


def _tokens(text: str) -> list[str]:
    return [m.group() for m in TOKEN.finditer(text)]


def _negations(words: Sequence[str]) -> int:
    return sum(1 for w in words if w.lower() in NEGATIONS or w.lower().endswith(("n't", "n’t")))


def _numbers(words: Sequence[str]) -> Counter[str]:
    return Counter(w.lower() for w in words if any(c.isdigit() for c in w) or w.lower() in NUMBER_WORDS)


def _stem(word: str) -> str:
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    return w[:6] if len(w) > 6 else w.rstrip("s") if len(w) > 3 else w


def _content(words: Sequence[str]) -> list[str]:
    return [_stem(w) for w in words
            if w.lower() not in STOPWORDS and w.lower() not in NEGATIONS and w.lower() not in HEDGES
            and not w.lower().endswith("n't") and not any(c.isdigit() for c in w)]


def _entities(words: Sequence[str]) -> list[str]:
    """Capitalised words and acronyms, the first word excepted (it is capitalised anyway)."""
    return [w.rstrip("'’s").lower() for i, w in enumerate(words) if i > 0 and (w[:1].isupper())]


def _is_subsequence(needle: Sequence[str], haystack: Sequence[str]) -> bool:
    it = iter(haystack)
    return all(any(x == y for y in it) for x in needle)


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reasons: tuple[str, ...] = ()
    similarity: float | None = None


@dataclass
class Guards:
    """The checks; ``embedder`` (optional) adds the cosine check."""

    embedder: Any = None
    min_similarity: float = 0.6
    min_kept: float = 0.85  # share of the MT's unflagged content words the candidate keeps
    min_order: float = 0.8  # share of them kept in the MT's order (LCS)
    free_new_words: int = 1  # new content words allowed beyond those that flags left open
    max_dropped: int = 0  # unflagged content words the candidate may drop
    source_margin: float = SOURCE_MARGIN

    def check(self, mt: str, candidate: str, changed: Sequence[tuple[str, str | None]] = ()) -> Verdict:
        reasons: list[str] = []
        mt_words, cand_words = _tokens(mt), _tokens(candidate)
        old_words = [w for old, _ in changed for w in _tokens(old)]
        new_words = [w for _, new in changed if new for w in _tokens(new)]
        open_words = [w for old, new in changed if new is None for w in _tokens(old)]

        # negations: the MT's, less those in changed spans, plus those the replacements bring
        base = _negations(mt_words) - _negations(old_words)
        high = base + _negations(new_words) + _negations(open_words)
        low = base + _negations(new_words)
        got = _negations(cand_words)
        if not low <= got <= high:
            reasons.append(f"negation changed ({got} negations, expected {low}" + (f"-{high})" if high != low else ")"))

        # hedges: the same rule as negations
        def hedges(words: Sequence[str]) -> int:
            return sum(1 for w in words if w.lower() in HEDGES)

        base_h = hedges(mt_words) - hedges(old_words)
        got_h = hedges(cand_words)
        if not base_h + hedges(new_words) <= got_h <= base_h + hedges(new_words) + hedges(open_words):
            reasons.append(f"certainty changed ({got_h} hedges such as 'almost', 'reportedly'; expected "
                           f"{base_h + hedges(new_words)})")

        # numbers
        expected = _numbers(mt_words) - _numbers(old_words) + _numbers(new_words)
        got_numbers = _numbers(cand_words)
        if not (expected <= got_numbers <= expected + _numbers(open_words)):
            reasons.append("numbers changed")

        # named entities, in order
        exempt_entities = {e.rstrip("'’s").lower() for e in old_words}
        mt_entities = [e for e in _entities(mt_words) if e not in exempt_entities]
        cand_entities = _entities(cand_words)
        missing = [e for e in mt_entities if e not in cand_entities]
        if missing:
            reasons.append(f"named entities dropped: {', '.join(sorted(set(missing)))}")
        elif not _is_subsequence(mt_entities, cand_entities):
            reasons.append("named entities reordered (roles swapped?)")

        # content words kept, in order, and nothing invented
        exempt = Counter(_content(old_words))
        kept_needed = list((Counter(_content(mt_words)) - exempt).elements())
        mt_order = [w for w in _content(mt_words) if w in set(kept_needed)]
        cand_content = _content(cand_words)
        cand_counter = Counter(cand_content)
        kept = sum(min(n, cand_counter[w]) for w, n in Counter(kept_needed).items())
        for old, new in changed:  # a span with a correction is corrected (or kept), never just deleted
            if new and new.strip() and old.strip() and new.lower() not in candidate.lower() \
                    and old.lower() not in candidate.lower():
                reasons.append(f"flagged span dropped: {old!r} (neither it nor {new!r} is there)")
        if kept_needed and (kept / len(kept_needed) < self.min_kept or len(kept_needed) - kept > self.max_dropped):
            reasons.append(f"content dropped ({kept}/{len(kept_needed)} content words kept)")
        elif mt_order and _lcs(mt_order, [w for w in cand_content if w in set(kept_needed)]) / len(mt_order) \
                < self.min_order:
            reasons.append("content reordered")
        known = Counter(_content(mt_words)) + Counter(_content(new_words))
        invented = list((cand_counter - known).elements())
        allowed = self.free_new_words + len(_content(open_words))
        if len(invented) > allowed:
            reasons.append(f"new content: {', '.join(invented)}")

        similarity = None
        if self.embedder is not None:
            similarity = float(self.embedder.similarity(mt, [candidate])[0])
            if similarity < self.min_similarity:
                reasons.append(f"meaning drifted (cosine {similarity:.2f} < {self.min_similarity})")
        return Verdict(not reasons, tuple(reasons), similarity)

    def check_source(self, source: str, mt: str, candidate: str, embedder: Any) -> Verdict:
        """Whether ``candidate`` keeps the meaning of ``source`` as well as ``mt`` does, within
        :attr:`source_margin` (``embedder``: :mod:`audit.source.embed`'s, rows L2-normalised; one
        without vectors, ``LengthOnly``, passes everything)."""
        vectors = embedder.embed([source, mt, candidate])
        if vectors is None:
            return Verdict(True)
        mt_similarity = float(vectors[0] @ vectors[1])
        similarity = float(vectors[0] @ vectors[2])
        if similarity < mt_similarity - self.source_margin:
            return Verdict(False, (f"meaning drifts from the source (e5 cosine {similarity:.3f}, the MT's "
                                   f"{mt_similarity:.3f}, margin {self.source_margin})",), similarity)
        return Verdict(True, (), similarity)
