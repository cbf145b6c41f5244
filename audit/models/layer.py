"""The model layer of one :class:`~audit.pipeline.Auditor`: what ``AuditConfig.models`` configures.

Built on first use, so an auditor without models never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..config import ModelsConfig
from ..propose import CandidateGenerator, Ranker, aligned_source
from ..records import Flag, Segment
from .registry import ModelRegistry


@dataclass
class ModelLayer:
    config: ModelsConfig
    src_lang: str | None
    tgt_lang: str = "en"
    registry: ModelRegistry | None = None
    #: The source text of a segment; None: the aligned source sentence of the audit running now
    #: (:func:`audit.propose.aligned_source`, set by ``Auditor.audit_pair``), so one layer serves
    #: concurrent audits of different documents.
    source_for: Callable[[Segment], str | None] | None = None
    _built: dict[str, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.registry is None:
            self.registry = ModelRegistry(allow_download=self.config.allow_download, threads=self.config.threads)

    # --- models ---------------------------------------------------------------------
    @cached_property
    def lm(self):
        if not self.config.lm:
            return None
        if self.config.use_ct2:
            from .ctranslate import CT2LanguageModel

            return self.registry.get("causal-ct2", self.config.lm,  # type: ignore[union-attr]
                                     lambda s, r: CT2LanguageModel.load(s, local_only=not r.allow_download))
        return self.registry.language_model(self.config.lm)  # type: ignore[union-attr]

    @cached_property
    def flagger(self):
        if self.lm is None or not self.config.lm_flags:
            return None
        from .causal import SurprisalFlagger, SurprisalThresholds

        return SurprisalFlagger(self.lm, SurprisalThresholds(self.config.surprisal_minor,
                                                            self.config.surprisal_major))

    @cached_property
    def embedder(self):
        return self.registry.embedder(self.config.embedder) if self.config.embedder else None  # type: ignore[union-attr]

    def translator(self, name: str):
        if self.config.use_ct2:
            from .ctranslate import CT2Translator

            return self.registry.get("seq2seq-ct2", name,  # type: ignore[union-attr]
                                     lambda s, r: CT2Translator.load(s, local_only=not r.allow_download))
        return self.registry.translator(name)  # type: ignore[union-attr]

    # --- pipeline hooks -------------------------------------------------------------
    def model_flags(self, segments: Sequence[Segment]) -> list[list[Flag]]:
        """The LM's surprisal flags of a batch of sentences (one batched forward pass per 8)."""
        if self.flagger is None or not segments:
            return [[] for _ in segments]
        return self.flagger.flags(segments)

    def generators(self) -> list[CandidateGenerator]:
        from .generators import InstructRewriteGenerator, RetranslationGenerator, RoundTripGenerator

        c = self.config
        out: list[CandidateGenerator] = []
        if c.mt and c.mt_back:
            out.append(RoundTripGenerator(self.translator(c.mt_back), self.translator(c.mt), self.src_lang,
                                          self.tgt_lang, c.num_beams, c.max_length))
        if c.mt:  # re-translation of the aligned source sentence (no source: no candidate)
            out.append(RetranslationGenerator(self.translator(c.mt), self.source_for or aligned_source,
                                              self.src_lang, self.tgt_lang, c.num_beams, c.max_length))
        if c.instruct:
            out.append(InstructRewriteGenerator(self.registry.language_model(c.instruct)))  # type: ignore[union-attr]
        return out

    def ranker(self, base: Ranker):
        from .guards import Guards
        from .ranking import ModelRanker

        return ModelRanker(base, Guards(self.embedder), self.lm, self.flagger, source_guard=self.config.source_guard)

    def signature(self) -> str:
        c = self.config
        parts = [f"lm:{c.lm or 'off'}", f"mt:{c.mt or 'off'}", f"mt-back:{c.mt_back or 'off'}",
                 f"embedder:{c.embedder or 'off'}"]
        if c.instruct:
            parts.append(f"instruct:{c.instruct}")
        if not c.source_guard:
            parts.append("source-guard:off")
        if c.use_ct2:
            parts.append("ct2:int8")
        return "|".join(parts)
