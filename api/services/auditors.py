"""One :class:`audit.pipeline.Auditor` per distinct configuration, cached per process.

Building an auditor builds a glossary automaton and (with grammar) a Harper linter,
so auditors are kept in a small LRU keyed by everything that changes what they
flag: language pair, glossaries (id and version), and the request's options.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from audit.config import (
    DEFAULT_GRAMMAR_RULES,
    DEFAULT_SRC_LANG,
    DEFAULT_TGT_LANG,
    DEFAULT_WEIGHTS,
    AuditConfig,
    ModelsConfig,
    shipped_calibration,
)
from audit.errors import ConfigError
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
    grammar_rules: str
    disabled_rules: tuple[str, ...]
    weights: tuple[float, float, float]
    candidates: int
    models: ModelsConfig | None = None  # the server's model layer, when the request asked for it


def server_models_config(config: Mapping[str, Any]) -> ModelsConfig | None:
    """The server's model layer (what ``options.models: true`` turns on), from the app config:
    ``MODELS``, a mapping of :class:`~audit.config.ModelsConfig` fields or the path of a models
    YAML file, then ``MODELS_<FIELD>`` keys on top (``MODELS_LM``, ``MODELS_MT``,
    ``MODELS_EMBEDDER``...). Both come from the environment as every key does
    (``MT_AUDIT_MODELS='{"lm": "smollm2"}'``, ``MT_AUDIT_MODELS_LM=smollm2``). None when no model
    is named; ConfigError (field ``MODELS...``) when the settings are invalid."""
    fields = {f.name for f in dataclasses.fields(ModelsConfig)}
    values: dict[str, Any] = {}
    base = config.get("MODELS")
    if isinstance(base, str) and base.strip():
        from audit.models.options import models_config

        values.update(dataclasses.asdict(models_config(base.strip())))
    elif isinstance(base, Mapping):
        unknown = sorted(str(k) for k in base if str(k).replace("-", "_") not in fields)
        if unknown:
            raise ConfigError(f"unknown model settings {unknown} (known: {sorted(fields)})", field="MODELS")
        values.update({str(k).replace("-", "_"): v for k, v in base.items()})
    elif base not in (None, "", False):
        raise ConfigError("must be a mapping of model settings or the path of a models YAML file", field="MODELS")
    for name in sorted(fields):
        value = config.get(f"MODELS_{name.upper()}")
        if value is not None and value != "":
            values[name] = value
    try:
        models = ModelsConfig(**values)
    except TypeError as exc:
        raise ConfigError(f"bad model settings: {exc}", field="MODELS") from None
    return models if models.any else None


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
        grammar_rules=str(options.get("grammar_rules", DEFAULT_GRAMMAR_RULES)),
        disabled_rules=tuple(sorted(set(options.get("disabled_rules", ())))),
        weights=(float(weights["minor"]), float(weights["major"]), float(weights["critical"])),
        candidates=int(options.get("candidates", 0)),
        models=options["models"] if isinstance(options.get("models"), ModelsConfig) else None,
    )


class AuditorRegistry:
    """A bounded, thread-safe LRU of warm auditors; the default one is pinned (never evicted)."""

    def __init__(self, size: int = 8) -> None:
        self.size = max(1, size)
        self._items: OrderedDict[AuditorKey, Auditor] = OrderedDict()
        self._pinned: dict[AuditorKey, Auditor] = {}
        self._lock = threading.Lock()
        self._rules: list[Rule] | None = None
        self._model_registry: Any = None

    @property
    def rules(self) -> list[Rule]:
        """The shipped rules, loaded once per process and shared by every auditor."""
        if self._rules is None:
            self._rules = load_rules()
        return self._rules

    def model_registry(self, models: ModelsConfig | None = None) -> Any:
        """One :class:`audit.models.registry.ModelRegistry` for every auditor with models, so
        each model loads once per process, whatever the other options of a request (a server
        has one model configuration: the first one's download and thread settings hold)."""
        if self._model_registry is None:
            from audit.models.registry import ModelRegistry

            settings = models or ModelsConfig()
            self._model_registry = ModelRegistry(allow_download=settings.allow_download, threads=settings.threads)
        return self._model_registry

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
            grammar_rules=key.grammar_rules,
            # A client's switches add to the calibrated ones (as on the command line).
            disabled_rules=shipped_calibration().disabled_rules + key.disabled_rules,
            weights=dict(zip(("minor", "major", "critical"), key.weights, strict=True)),
            candidates=key.candidates,
            models=key.models,
        )
        resources = Resources(
            glossaries=[g.glossary for g in glossaries], rules=list(self.rules) if key.use_rules else []
        )
        registry = self.model_registry(key.models) if key.models is not None else None
        auditor = Auditor(config, resources, model_registry=registry)
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
