"""The language model's surprising words (``fluency.model.surprisal``; ``--lm``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..records import Flag
from .base import CheckBatch, Checker, CheckerSetup

if TYPE_CHECKING:
    from ..models.layer import ModelLayer


class SurprisalChecker(Checker):
    ids = ("fluency.model.surprisal",)
    order = 50
    # A surprising word inside a glossary/rule/grammar flag is that flag's error, already explained.
    defers_to = frozenset({"glossary", "rule", "grammar"})

    def __init__(self, layer: ModelLayer) -> None:
        self.layer = layer

    @classmethod
    def build(cls, setup: CheckerSetup) -> SurprisalChecker | None:
        layer = setup.model_layer()
        if layer is None or layer.flagger is None:
            return None
        return cls(layer)

    def check(self, batch: CheckBatch) -> list[list[Flag]]:
        """One batched forward pass per 8 sentences."""
        return self.layer.model_flags([item.segment for item in batch.items])
