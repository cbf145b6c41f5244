"""Ranking with the model layer: guards first, then flags remaining, then a combined score.

Order of the key: (1) the penalty of the flags that remain after re-auditing the candidate
(glossary, rules and, with a language model, its surprisal flags); (2) a combined score
``fluency_weight * fluency_gain + adequacy_weight * adequacy - edit_weight * char_ratio``:
the language model's drop in mean token surprisal against the MT, the embedder's cosine with
the MT, and the share of characters changed, so among candidates that clear the same flags
the smallest fluent edit wins. Model candidates (origin ``model.*``) that fail a guard are
dropped; glossary/rule rewrites are trusted (their edits are the entries' own). With the
source sentence of the segment known (``audit_pair`` sets :data:`audit.propose.SOURCE_CONTEXT`),
model candidates must also keep the source's meaning (:meth:`Guards.check_source`); their e5
cosine with the source is recorded as ``source_adequacy``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..propose import SOURCE_CONTEXT, Ranker
from ..records import Candidate, Segment
from .guards import Guards


@dataclass
class ModelRanker:
    base: Ranker
    guards: Guards | None = None
    lm: object | None = None  # LanguageModel: the fluency score
    flagger: object | None = None  # SurprisalFlagger: its flags count as remaining
    fluency_weight: float = 1.0
    adequacy_weight: float = 0.5
    edit_weight: float = 2.0
    source_guard: bool = True  # check model candidates against the source sentence when it is known
    rejected: list[tuple[str, tuple[str, ...]]] = field(default_factory=list, repr=False)

    def rank(self, segment: Segment, candidates: Sequence[Candidate]) -> list[Candidate]:
        kept: list[Candidate] = []
        rejected: list[tuple[str, tuple[str, ...]]] = []
        context = SOURCE_CONTEXT.get() if self.source_guard else None
        source = context.source_of(segment) if context is not None else None
        for candidate in candidates:
            is_model = any(o.startswith("model") for o in candidate.origin)
            scores = dict(candidate.scores)
            if is_model and self.guards is not None:
                changed = [(f.text, f.replacement) for f in candidate.applied]
                verdict = self.guards.check(segment.text, candidate.text, changed)
                if verdict.ok and source and context is not None and context.embedder is not None:
                    by_source = self.guards.check_source(source, segment.text, candidate.text, context.embedder)
                    if by_source.similarity is not None:
                        scores["source_adequacy"] = by_source.similarity
                    if not by_source.ok:
                        verdict = by_source
                if not verdict.ok:
                    rejected.append((candidate.text, verdict.reasons))
                    continue
                if verdict.similarity is not None:
                    scores["adequacy"] = verdict.similarity
            kept.append(Candidate(candidate.text, candidate.origin, candidate.applied, tuple(sorted(scores.items()))))
        self.rejected = rejected  # the last call's (diagnostics; a shared ranker keeps only the latest)
        ranked = self.base.rank(segment, kept)
        if not ranked:
            return ranked
        if self.lm is not None:
            scored = self.lm.score([segment.text, *(c.text for c in ranked)])  # type: ignore[attr-defined]
            base_mean = scored[0].mean
            updated = []
            for candidate, result in zip(ranked, scored[1:], strict=True):
                scores = dict(candidate.scores)
                scores["fluency"] = base_mean - result.mean
                if self.flagger is not None:
                    probe = Segment(0, 0, len(candidate.text), candidate.text)
                    extra = self.flagger._flags(probe, result)  # type: ignore[attr-defined]
                    scores["flags_remaining"] += len(extra)
                    scores["penalty_remaining"] += sum(self.base.weights.get(f.severity.value, 0.0) for f in extra)
                updated.append(Candidate(candidate.text, candidate.origin, candidate.applied,
                                         tuple(sorted(scores.items()))))
            ranked = updated
        length = max(1, len(segment.text))

        def combined(c: Candidate) -> float:
            s = dict(c.scores)
            return (self.fluency_weight * s.get("fluency", 0.0) + self.adequacy_weight * s.get("adequacy", 0.0)
                    - self.edit_weight * s["char_distance"] / length)

        return sorted(ranked, key=lambda c: (dict(c.scores)["penalty_remaining"], -combined(c)))
