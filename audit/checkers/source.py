"""The source-aware checks (``source.number``, ``source.name``, ``source.term``, ...).

They need the whole aligned document (term consistency, numbers said in a neighbouring
sentence), so the ``align`` step runs them with the alignment (:func:`audit.pipeline.align_document`)
and this checker hands each sentence its findings; which checks run follows the switches.
"""

from __future__ import annotations

from ..records import Flag
from .base import CheckBatch, Checker

#: Each check of :class:`audit.source.checks.SourceChecker` and the rule ids its flags carry.
SOURCE_CHECK_IDS: dict[str, tuple[str, ...]] = {
    "numbers": ("source.number",),
    "entities": ("source.entity",),
    "names": ("source.name",),
    "untranslated": ("source.untranslated",),
    "terminology": ("source.term", "source.term-consistency"),
    "length": ("source.length-short", "source.length-long"),
    "similarity": ("source.similarity",),
    "omission": ("source.omission", "source.addition"),
}


class SourceChecks(Checker):
    ids = tuple(i for ids in SOURCE_CHECK_IDS.values() for i in ids)
    order = 40

    def check(self, batch: CheckBatch) -> list[list[Flag]]:
        return [list(item.side.findings.get(item.segment.id, ())) if item.side is not None else []
                for item in batch.items]
