"""Which checkers exist (the registry), which run (the switches), and the chain they form."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..grammar import _kebab
from ..records import Flag
from .base import CheckBatch, Checker, CheckerSetup, Findings
from .dedupe import confirmed, dedupe_flags, explained, sort_flags

if TYPE_CHECKING:
    from ..config import AuditConfig

#: Modules of this package that hold the machinery, not checkers.
_MACHINERY = frozenset({"base", "registry", "dedupe"})


def harper_id(name: str) -> str:
    """The rule id of a Harper lint (``LongSentences`` -> ``grammar.harper.long-sentences``)."""
    return f"grammar.harper.{_kebab(name)}"


@dataclass(frozen=True)
class Switches:
    """The rule ids and dotted prefixes switched off (``source`` switches every ``source.*`` id)."""

    off: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, config: AuditConfig) -> Switches:
        """The one switch set of an audit: ``config.disabled_rules`` (the shipped calibration's
        plus the user's, merged once by :func:`audit.config.with_user_options`) and the
        calibration's Harper lints (Harper names) as their rule ids."""
        return cls(frozenset(config.disabled_rules) | {harper_id(n) for n in config.harper_disabled})

    def enabled(self, rule_id: str) -> bool:
        """Whether flags with ``rule_id`` are kept: neither it nor any dotted prefix of it is off."""
        if not self.off:
            return True
        parts = rule_id.split(".")
        return not any(".".join(parts[:n]) in self.off for n in range(1, len(parts) + 1))

    def any_enabled(self, ids: Iterable[str]) -> bool:
        return any(self.enabled(i) for i in ids)


class CheckerRegistry:
    """The checker classes an auditor may run (no process-wide state: each auditor owns one)."""

    def __init__(self, classes: Iterable[type[Checker]] = ()) -> None:
        self._classes: list[type[Checker]] = []
        for cls in classes:
            self.register(cls)

    @classmethod
    def builtin(cls) -> CheckerRegistry:
        """Every :class:`Checker` subclass defined in a module of :mod:`audit.checkers`."""
        package = importlib.import_module(__package__ or "audit.checkers")
        found: list[type[Checker]] = []
        for module_info in pkgutil.iter_modules(package.__path__):
            if module_info.name in _MACHINERY or module_info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            found.extend(obj for _, obj in inspect.getmembers(module, inspect.isclass)
                         if issubclass(obj, Checker) and not inspect.isabstract(obj)
                         and obj.__module__ == module.__name__)
        return cls(found)

    def register(self, cls: type[Checker]) -> type[Checker]:
        """Add a checker class (usable as a decorator); it must declare the ids it emits."""
        if not (isinstance(cls, type) and issubclass(cls, Checker)):
            raise TypeError(f"{cls!r} is not a Checker subclass")
        if not cls.ids:
            raise ValueError(f"{cls.__name__} declares no ids")
        if cls not in self._classes:
            self._classes.append(cls)
            self._classes.sort(key=lambda c: (c.order, c.__module__, c.__qualname__))
        return cls

    @property
    def classes(self) -> tuple[type[Checker], ...]:
        return tuple(self._classes)

    def build(self, setup: CheckerSetup) -> CheckerChain:
        """The checkers with at least one id switched on that have something to check."""
        built = []
        for cls in self._classes:
            if not setup.switches.any_enabled(cls.ids):
                continue
            checker = cls.build(setup)
            if checker is not None:
                built.append(checker)
        return CheckerChain(tuple(built), setup.switches)


@dataclass(frozen=True)
class CheckerChain:
    """The built checkers of one auditor: checks a batch, switches, and dedupes."""

    checkers: tuple[Checker, ...]
    switches: Switches

    @property
    def background(self) -> tuple[Checker, ...]:
        return tuple(c for c in self.checkers if c.background)

    def emits(self) -> tuple[str, ...]:
        return tuple(i for c in self.checkers for i in c.emits())

    def find(self, cls: type[Checker]) -> Checker | None:
        return next((c for c in self.checkers if isinstance(c, cls)), None)

    def run_background(self, batch: CheckBatch) -> dict[int, Findings]:
        """The background checkers' findings of ``batch`` (for a helper thread), by checker position."""
        return {i: c.examine(batch) for i, c in enumerate(self.checkers) if c.background}

    def check(self, batch: CheckBatch, ready: dict[int, Findings] | None = None) -> list[list[Flag]]:
        """Each item's flags: every checker's, switched, then deduped; ``ready``: from :meth:`run_background`."""
        return self.examine(batch, ready)[0]

    def examine(self, batch: CheckBatch, ready: dict[int, Findings] | None = None
                ) -> tuple[list[list[Flag]], list[float | None]]:
        """Each item's flags (as :meth:`check`) and sentence quality (the first scoring checker's)."""
        ready = ready or {}
        outputs = [ready[i] if i in ready else c.examine(batch) for i, c in enumerate(self.checkers)]
        flags = [self.merge([(c, out.flags[n]) for c, out in zip(self.checkers, outputs, strict=True)])
                 for n in range(len(batch))]
        quality: list[float | None] = [None] * len(batch)
        for out in outputs:
            if out.quality is not None:
                quality = [q if q is not None else o for q, o in zip(quality, out.quality, strict=True)]
        return flags, quality

    def merge(self, found: Sequence[tuple[Checker, Sequence[Flag]]]) -> list[Flag]:
        """One sentence's flags: switched-off ids dropped, one flag per error among the glossary/rule/
        grammar flags, other flags kept unless a flag of an origin they defer to overlaps them."""
        enabled = self.switches.enabled
        first = [f for c, flags in found if c.one_per_error for f in flags if enabled(f.rule)]
        kept = dedupe_flags(first) if first else []
        kept.extend(f for c, flags in found if not c.one_per_error and not c.defers_to
                    for f in flags if enabled(f.rule))
        deferred: list[Flag] = []
        for checker, flags in found:
            if not checker.defers_to or checker.one_per_error:
                continue
            for flag in flags:
                if not enabled(flag.rule):
                    continue
                if explained(flag, kept, checker.defers_to):
                    kept = confirmed(kept, flag, checker.defers_to)
                else:
                    deferred.append(flag)
        return sort_flags([*kept, *deferred])

    def reaudit(self, batch: CheckBatch) -> list[Flag]:
        """The flags the ranker re-counts on a candidate (the cheap per-sentence checkers, not deduped)."""
        enabled = self.switches.enabled
        return [f for c in self.checkers if c.reaudit for flags in c.check(batch) for f in flags if enabled(f.rule)]
