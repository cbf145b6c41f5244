"""One :class:`audit.pipeline.Auditor` per distinct configuration, cached per process.

Building an auditor builds a glossary automaton and (with grammar) a Harper linter,
so auditors are kept in a small LRU keyed by everything that changes what they
flag: language pair, glossaries (id and version), and the request's options.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from audit.config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG, DEFAULT_WEIGHTS, AuditConfig, shipped_calibration
from audit.pipeline import Auditor, Resources
from audit.rules import Rule, load_rules

from .glossaries import LoadedGlossary


@dataclass(frozen=True, slots=True)
class AuditorKey:
    src_lang: str | None
    tgt_lang: str
    glossaries: tuple[tuple[str, str], ...]  # (id, version)
    use_glossary: bool
    use_rules: bool
    grammar: bool
    disabled_rules: tuple[str, ...]
    weights: tuple[float, float, float]
    candidates: int


def make_key(
    *,
    src_lang: str | None = DEFAULT_SRC_LANG,
    tgt_lang: str = DEFAULT_TGT_LANG,
    glossaries: Sequence[LoadedGlossary] = (),
    options: dict[str, Any] | None = None,
    grammar_default: bool = True,
) -> AuditorKey:
    options = options or {}
    weights = {**DEFAULT_WEIGHTS, **options.get("weights", {})}
    use_glossary = bool(options.get("glossary", True))
    return AuditorKey(
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        glossaries=tuple((g.id, g.version) for g in glossaries) if use_glossary else (),
        use_glossary=use_glossary,
        use_rules=bool(options.get("rules", True)),
        grammar=bool(options.get("grammar", grammar_default)),
        disabled_rules=tuple(sorted(set(options.get("disabled_rules", ())))),
        weights=(float(weights["minor"]), float(weights["major"]), float(weights["critical"])),
        candidates=int(options.get("candidates", 0)),
    )


class AuditorRegistry:
    """A bounded, thread-safe LRU of warm auditors; the default one is pinned (never evicted)."""

    def __init__(self, size: int = 8) -> None:
        self.size = max(1, size)
        self._items: OrderedDict[AuditorKey, Auditor] = OrderedDict()
        self._pinned: dict[AuditorKey, Auditor] = {}
        self._lock = threading.Lock()
        self._rules: list[Rule] | None = None

    @property
    def rules(self) -> list[Rule]:
        """The shipped rules, loaded once per process and shared by every auditor."""
        if self._rules is None:
            self._rules = load_rules()
        return self._rules

    def __len__(self) -> int:
        return len(self._items) + len(self._pinned)

    def get(self, key: AuditorKey, glossaries: Callable[[], Sequence[LoadedGlossary]]) -> Auditor:
        pinned = self._pinned.get(key)
        if pinned is not None:
            return pinned
        with self._lock:
            auditor = self._items.get(key)
            if auditor is not None:
                self._items.move_to_end(key)
                return auditor
            auditor = self._build(key, glossaries() if key.use_glossary else ())
            self._items[key] = auditor
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return auditor

    def _build(self, key: AuditorKey, glossaries: Sequence[LoadedGlossary]) -> Auditor:
        # AuditConfig validates the pair and options (raises ConfigError naming the field).
        config = AuditConfig(
            src_lang=key.src_lang,
            tgt_lang=key.tgt_lang,
            use_glossary=key.use_glossary,
            use_rules=key.use_rules,
            grammar=key.grammar,
            # A client's switches add to the calibrated ones (as on the command line).
            disabled_rules=shipped_calibration().disabled_rules + key.disabled_rules,
            weights=dict(zip(("minor", "major", "critical"), key.weights, strict=True)),
            candidates=key.candidates,
        )
        resources = Resources(
            glossaries=[g.glossary for g in glossaries], rules=list(self.rules) if key.use_rules else []
        )
        auditor = Auditor(config, resources)
        auditor.warm()
        return auditor

    def pin(self, key: AuditorKey, glossaries: Callable[[], Sequence[LoadedGlossary]]) -> Auditor:
        """Build (or take) the auditor for ``key``, warm it, and keep it for the process's life."""
        pinned = self._pinned.get(key)
        if pinned is not None:
            return pinned
        auditor = self.get(key, glossaries)
        with self._lock:
            self._items.pop(key, None)
            self._pinned[key] = auditor
        return auditor

    def is_pinned(self, key: AuditorKey) -> bool:
        return key in self._pinned
