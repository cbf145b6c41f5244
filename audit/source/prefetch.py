"""Embedding many source/MT pairs in large batches before the source checks align them.

``Auditor.audit_pair`` aligns one pair at a time, and the aligner embeds each side's sentences
(and adjacent pairs) in one short batch: for bulk work (an evaluation, a batch document) that
short batch is most of a pair's cost. :func:`plan_pairs` works out, per pair, the checker, the
MT sentences and the texts the aligner will embed; :func:`prefetched` embeds all of them
``batch`` at a time into a :class:`~audit.source.embed.CachedEmbedder` per embedding model and
lets the checkers serve their vectors from it until the block ends. The flags are the same as
pair by pair (tests/test_evaluation_runner.py compares them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..records import Segment
from .align import Sentence, group_texts
from .embed import CachedEmbedder

#: Texts per embedding call when prefetching (the calibration and the evaluation use the same).
PREFETCH_BATCH = 64


@dataclass
class PairPlan:
    """What the source checks of one pair need: its checker, the auditor's MT sentences and the
    texts the aligner embeds (empty when it needs no embeddings)."""

    checker: Any  # audit.source.checks.SourceChecker
    targets: list[Segment]
    texts: list[str] = field(default_factory=list)


def plan_pairs(auditor: Any, pairs: Sequence[tuple[str, str]]) -> list[PairPlan | None]:
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


@contextmanager
def prefetched(plans: Sequence[PairPlan | None], batch: int = PREFETCH_BATCH) -> Iterator[None]:
    """Embed every plan's texts first; inside the block the plans' checkers read them from a cache
    (other texts are embedded as before). The checkers' own embedders are restored on exit."""
    checkers = {id(p.checker): p.checker for p in plans if p is not None}
    wanted: dict[int, list[str]] = {}
    for plan in plans:
        if plan is not None and plan.texts:
            wanted.setdefault(id(plan.checker), []).extend(plan.texts)
    with ExitStack() as locks:
        for key in sorted(checkers):  # one order for every caller: no deadlock between two runs
            locks.enter_context(checkers[key].embedder_lock)
        saved = {key: checker.embedder for key, checker in checkers.items()}
        caches: dict[int, CachedEmbedder] = {}
        try:
            for key, texts in wanted.items():
                checker = checkers[key]
                inner = checker._embedder()
                cache = caches.setdefault(id(inner), CachedEmbedder(inner, batch))
                cache.prefetch(texts)
                checker.embedder = cache
            yield
        finally:
            for key, checker in checkers.items():
                checker.embedder = saved[key]
