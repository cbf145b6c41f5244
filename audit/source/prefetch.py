"""Embedding many source/MT pairs in large batches before the source checks align them.

The aligner embeds each pair's sentences (and adjacent pairs) in one short batch: for bulk work
(an evaluation, a batch document) that short batch is most of a pair's cost. :func:`plan_pairs`
works out, per pair, the checker, the MT sentences and the texts the aligner will embed;
:func:`prefetch` embeds all of them ``batch`` at a time into an
:class:`~audit.source.embed.EmbeddingCache`, which the caller hands to the checks of those pairs
(``SourceChecker.run(..., embeddings=)``, ``Auditor.run(documents, embeddings=)``). Nothing on
the checkers changes, so runs sharing them need no lock. The flags are the same as pair by pair
(tests/test_evaluation_runner.py compares them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..records import Segment
from .align import Sentence, group_texts
from .embed import EmbeddingCache

if TYPE_CHECKING:
    from ..pipeline import Auditor
    from .checks import SourceChecker

#: Texts per embedding call when prefetching (the calibration and the evaluation use the same).
PREFETCH_BATCH = 64


@dataclass
class PairPlan:
    """What the source checks of one pair need: its checker, the auditor's MT sentences and the
    texts the aligner embeds (empty when it needs no embeddings)."""

    checker: SourceChecker
    targets: list[Segment]
    texts: list[str] = field(default_factory=list)


def plan_pairs(auditor: Auditor, pairs: Sequence[tuple[str, str]]) -> list[PairPlan | None]:
    """One plan per (source, MT) pair (None where the source or the MT is blank)."""
    from ..config import DEFAULT_SRC_LANG
    from .checks import split_sentences
    from .detect import detect_language

    languages: dict[str, str | None] = {}
    plans: list[PairPlan | None] = []
    for source, mt in pairs:
        targets = auditor.segments_of(mt) if source.strip() else []
        if not targets:
            plans.append(None)
            continue
        if source not in languages:
            languages[source] = auditor.config.src_lang or detect_language(source, DEFAULT_SRC_LANG)
        checker = auditor.source_checker(languages[source])
        plan = PairPlan(checker, targets)
        sources = split_sentences(source, checker.src_lang)
        if "similarity" in checker.checks or len(sources) + len(targets) > 2:
            plan.texts = group_texts(sources) + group_texts([Sentence(t.start, t.end, t.text) for t in targets])
        plans.append(plan)
    return plans


def prefetch(plans: Sequence[PairPlan | None], batch: int = PREFETCH_BATCH) -> EmbeddingCache:
    """Every plan's texts embedded by its checker's embedder, ``batch`` at a time (one cache per
    embedder: checkers sharing one share its vectors)."""
    cache = EmbeddingCache(batch)
    wanted: dict[int, tuple[Any, list[str]]] = {}
    for plan in plans:
        if plan is not None and plan.texts:
            embedder = plan.checker.sentence_embedder()
            wanted.setdefault(id(embedder), (embedder, []))[1].extend(plan.texts)
    for embedder, texts in wanted.values():
        cache.prefetch(embedder, texts)
    return cache
