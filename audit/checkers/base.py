"""The checker interface: a small class, registered under the dotted ids its flags carry.

A checker receives a :class:`CheckBatch` of sentences (each with its paragraph and, when the
document came with a source, the aligned source text) and returns, for each sentence, its
:class:`~audit.records.Flag` records. Which checkers run is decided by one
:class:`~audit.checkers.registry.Switches` set (by exact id or by dotted prefix).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from ..records import Flag, Paragraph, Segment

if TYPE_CHECKING:
    from ..config import AuditConfig
    from ..glossary import Glossary
    from ..models.layer import ModelLayer
    from ..models.registry import ModelRegistry
    from ..rules import Rule
    from ..source.embed import Embedder
    from .registry import Switches


@dataclass(frozen=True)
class SourceSide:
    """A document's source side after alignment (the ``align`` step of the chain).

    ``sources`` maps a target segment's ``(start, end)`` to the source sentence(s) aligned with
    it (beads with one target sentence); ``findings`` holds the source checks' flags of each
    target segment id (they need the whole document: term consistency, neighbouring numbers).
    """

    text: str
    src_lang: str | None
    sources: Mapping[tuple[int, int], str] = field(default_factory=dict)
    findings: Mapping[int, tuple[Flag, ...]] = field(default_factory=dict)
    embedder: Embedder | None = None  # the cross-lingual embedder that aligned the pair
    alignment: str | None = None  # how the sentences were paired: "lines" or "document"


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One target sentence to check: offsets of ``segment`` and ``paragraph`` are into its document."""

    segment: Segment
    paragraph: Paragraph
    document: int = 0  # the document's index in the run
    side: SourceSide | None = None

    @property
    def source(self) -> str | None:
        """The source sentence(s) aligned with this sentence, else None."""
        if self.side is None:
            return None
        return self.side.sources.get((self.segment.start, self.segment.end))


@dataclass(frozen=True)
class CheckBatch:
    """Sentences checked together (a checker may score them in one model call)."""

    items: tuple[CheckItem, ...]

    def __len__(self) -> int:
        return len(self.items)

    def pairs(self) -> list[tuple[str | None, str]]:
        """``(aligned source or None, target sentence)`` of every item, in order."""
        return [(item.source, item.segment.text) for item in self.items]

    def paragraphs(self) -> list[tuple[Paragraph, list[int]]]:
        """Each distinct paragraph of the batch with the indices of its items, in order."""
        groups: dict[tuple[int, int], tuple[Paragraph, list[int]]] = {}
        for index, item in enumerate(self.items):
            key = (item.document, item.paragraph.index)
            groups.setdefault(key, (item.paragraph, []))[1].append(index)
        return list(groups.values())


@dataclass(frozen=True)
class Findings:
    """What a checker found in a batch: each item's flags and, for a scoring checker, each item's
    sentence quality (0 bad .. 1 good; None where it has no opinion)."""

    flags: list[list[Flag]]
    quality: list[float | None] | None = None


def _own_registry() -> Callable[[], ModelRegistry]:
    """A registry made on first use, for a setup built without an auditor."""
    from functools import cache

    from ..models.registry import ModelRegistry

    return cache(lambda: ModelRegistry(threads=None))


@dataclass(frozen=True)
class CheckerSetup:
    """What a checker may build itself from: the options, the switches and the loaded resources."""

    config: AuditConfig
    switches: Switches
    glossaries: Sequence[Glossary] = ()
    rules: Sequence[Rule] = ()
    #: The :class:`audit.models.layer.ModelLayer` (None without models); built on first use.
    model_layer: Callable[[], ModelLayer | None] = lambda: None
    #: The auditor's :class:`audit.models.registry.ModelRegistry` (models load once per registry);
    #: by default a registry of the setup's own, made on first use.
    models: Callable[[], ModelRegistry] = field(default_factory=_own_registry)


class Checker(ABC):
    """Subclass, set ``ids``, implement :meth:`check`; put the class in a module of
    :mod:`audit.checkers` (or ``register`` it on a :class:`CheckerRegistry`)."""

    #: The dotted ids its flags carry, or the prefix of a family (``glossary``: every entry's id).
    ids: ClassVar[tuple[str, ...]] = ()
    #: Order among checkers (glossary before rules: the tie-break of one flag per error).
    order: ClassVar[int] = 100
    #: Glossary, rule and grammar flags: one flag per error (:func:`audit.checkers.dedupe.dedupe_flags`).
    one_per_error: ClassVar[bool] = False
    #: Flags of these origins already explain an overlapping flag of this checker, which is then dropped.
    defers_to: ClassVar[frozenset[str]] = frozenset()
    #: Its flags are re-counted on each candidate correction (cheap, per sentence).
    reaudit: ClassVar[bool] = False
    #: Worth running a batch ahead in a helper thread while the previous one is processed (releases the GIL).
    background: ClassVar[bool] = False

    @classmethod
    def build(cls, setup: CheckerSetup) -> Checker | None:
        """The checker for this setup, or None when it has nothing to check (e.g. an English-only check)."""
        return cls()

    def emits(self) -> tuple[str, ...]:
        """The ids this instance can emit (a family's members where they are known)."""
        return self.ids

    def warm(self) -> None:
        """Load what the first batch would load (servers call this before taking requests)."""
        return None

    @abstractmethod
    def check(self, batch: CheckBatch) -> list[list[Flag]]:
        """The flags of each item of ``batch`` (one list per item, document offsets)."""

    def examine(self, batch: CheckBatch) -> Findings:
        """The flags of :meth:`check` and, for a checker that scores sentences, their quality
        (override this instead of :meth:`check` to compute both in one pass)."""
        return Findings(self.check(batch))
