"""Named defaults shared by the library, the command line and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .grammar import DEFAULT_HARPER_DISABLED
from .learning import RuleAdjustment

#: MQM penalty weights per severity (Freitag et al. 2021 use minor 1, major 5; critical 10).
DEFAULT_WEIGHTS: dict[str, float] = {"minor": 1.0, "major": 5.0, "critical": 10.0}
DEFAULT_SRC_LANG = "zh"
DEFAULT_TGT_LANG = "en"
#: Target languages the flagger has rules, glossaries and a grammar checker for.
#: zh, ja and ko targets are scored (sacrebleu's zh / ja-mecab / ko-mecab tokenizers) and segmented,
#: and get the source-aware checks; the glossary, rule and grammar flaggers are English-only.
SUPPORTED_TARGETS = frozenset({"en", "zh", "ja", "ko"})
#: Source languages with shipped glossaries or rules; None means "unknown/any".
SUPPORTED_SOURCES = frozenset({"zh", "ru", "de", "fr", "ja", "es", "en"})  # en: for zh/ja/ko targets
#: Paragraphs linted together in one Harper call: small enough that linting the next batch
#: overlaps with processing this one (see Auditor._linted_batches), bounded memory.
DEFAULT_BATCH_PARAGRAPHS = 8
#: Which Harper lints run: ``all`` (every lint the calibration keeps) or ``evidence`` (only the lints
#: whose flags landed on a human-marked error span in the development MQM data: about 20 of ~900,
#: some 9x faster, for archives; see README "Batch scoring", grammar throughput).
GRAMMAR_RULES_ALL = "all"
GRAMMAR_RULES_EVIDENCE = "evidence"
GRAMMAR_RULE_SETS = (GRAMMAR_RULES_ALL, GRAMMAR_RULES_EVIDENCE)
DEFAULT_GRAMMAR_RULES = GRAMMAR_RULES_ALL
#: ``mt-audit batch`` audits archives of millions of segments: it runs the evidence-backed lints.
DEFAULT_BATCH_GRAMMAR_RULES = GRAMMAR_RULES_EVIDENCE
#: The rule selection calibrated on the development MQM data (``mt-audit eval --calibrate``).
CALIBRATION_FILE = Path(__file__).with_name("calibration.yaml")
#: The environment setting that switches the learned detector (``qe.span``) off by default (``0``/``off``):
#: for machines without torch, and the fast test set.
QE_SETTING = "MT_AUDIT_QE"
#: The detector's modes: with an aligned source sentence, or reading the MT alone.
QE_MODES = ("source", "target")
#: The detector's operating points, each with the false-flag-rate cap (share of error-free segments
#: flagged, per mode) under which ``mt-audit qe calibrate`` chooses its thresholds: ``precise`` (the
#: default) flags little and is right most often; ``balanced`` and ``thorough`` find more errors at the
#: cost of more false flags; ``exhaustive`` has no cap (thresholds of the best F1), for a full revision
#: of text where most sentences need an edit anyway (figures: README, the learned detector).
QE_LEVEL_CAPS: dict[str, dict[str, float]] = {
    "precise": {"source": 0.15, "target": 0.08},
    "balanced": {"source": 0.30, "target": 0.30},
    "thorough": {"source": 0.50, "target": 0.50},
    "exhaustive": {"source": 1.0, "target": 1.0},
}
DEFAULT_QE_LEVEL = "precise"


def default_qe() -> bool:
    """Whether the learned detector runs when the options do not say (on, unless ``MT_AUDIT_QE=0``)."""
    import os

    return os.environ.get(QE_SETTING, "1").strip().lower() not in ("0", "off", "false", "no")


@dataclass(frozen=True)
class QEThresholds:
    """The detector's decision thresholds of one mode (chosen by ``mt-audit qe calibrate``): a word is
    flagged when P(error) >= ``span``, and is major when P(major) >= ``major``; a sentence where no word
    is flagged but whose estimated MQM penalty (0-1, of 25 points) reaches ``segment`` gets its most
    likely word flagged (``qe.segment``; None: never)."""

    span: float = 0.5
    major: float = 0.5
    segment: float | None = None


@dataclass(frozen=True)
class Calibration:
    """Defaults chosen by cross-validation on human annotations (see audit/calibration.yaml)."""

    harper_disabled: tuple[str, ...] = DEFAULT_HARPER_DISABLED
    disabled_rules: tuple[str, ...] = ()
    #: Harper lints (Harper's names) with at least one flag on a gold error span and not dropped.
    harper_evidence: tuple[str, ...] = ()
    #: The shipped detector's thresholds per operating point (:data:`QE_LEVEL_CAPS`) and mode.
    qe_thresholds: QELevels = ()

    def qe(self, mode: str, level: str = DEFAULT_QE_LEVEL) -> QEThresholds:
        return level_thresholds(self.qe_thresholds, level, str(CALIBRATION_FILE)).get(mode, QEThresholds())


#: Thresholds per operating point, then per mode: ``((level, ((mode, thresholds), ...)), ...)``.
QELevels = tuple[tuple[str, tuple[tuple[str, QEThresholds], ...]], ...]


def level_thresholds(levels: QELevels, level: str, file: str) -> dict[str, QEThresholds]:
    """The thresholds per mode of one operating point; an error naming the file when it was not calibrated
    (no thresholds at all: the built-in defaults)."""
    if not levels:
        return {}
    table = dict(levels)
    if level not in table:
        raise ConfigError(f"the detector's operating point {level!r} is not calibrated (calibrated: "
                          f"{sorted(table)}); run `mt-audit qe calibrate --write`", file=file, field="qe_level")
    return dict(table[level])


@lru_cache(maxsize=1)
def shipped_calibration() -> Calibration:
    """The shipped calibration, read on first use; the built-in defaults when the file is absent."""
    if not CALIBRATION_FILE.is_file():
        return Calibration()
    import yaml

    try:
        data = yaml.safe_load(CALIBRATION_FILE.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the shipped calibration: {exc}", file=str(CALIBRATION_FILE)) from None
    values = {}
    for name in ("harper_disabled", "disabled_rules", "harper_evidence"):
        items = data.get(name, list(getattr(Calibration(), name))) if isinstance(data, dict) else None
        if not isinstance(items, list | tuple) or not all(isinstance(x, str) for x in items):
            raise ConfigError("must be a list of rule names", file=str(CALIBRATION_FILE), field=name)
        values[name] = tuple(items)
    return Calibration(**values, qe_thresholds=parse_qe_levels(data.get("qe_thresholds"), str(CALIBRATION_FILE)))


def parse_qe_levels(data: Any, file: str, name: str = "qe_thresholds") -> QELevels:
    """Thresholds per operating point (``{precise: {source: {span, major}, target: ...}, ...}``); the
    older form, modes at the top, is the ``precise`` point alone."""
    if data is None:
        return ()
    if isinstance(data, dict) and data and set(data) <= set(QE_MODES):
        data = {DEFAULT_QE_LEVEL: data}
    if not isinstance(data, dict) or set(data) - set(QE_LEVEL_CAPS):
        raise ConfigError(f"must map operating points {list(QE_LEVEL_CAPS)} to thresholds per mode",
                          file=file, field=name)
    return tuple((level, _qe_modes(modes, file, f"{name}.{level}")) for level, modes in data.items())


def _qe_modes(data: Any, file: str, name: str) -> tuple[tuple[str, QEThresholds], ...]:
    if not isinstance(data, dict) or set(data) - set(QE_MODES):
        raise ConfigError(f"must map modes {list(QE_MODES)} to thresholds", file=file, field=name)
    out = []
    for mode, values in data.items():
        ok = isinstance(values, dict) and {"span", "major"} <= set(values) <= {"span", "major", "segment"} and all(
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
            for k, v in values.items() if not (k == "segment" and v is None))
        if not ok:
            raise ConfigError("needs numbers 'span' and 'major', and optionally 'segment' (null: never), 0 or more "
                              "(above 1: never reached)", file=file, field=f"{name}.{mode}")
        segment = values.get("segment")
        out.append((mode, QEThresholds(float(values["span"]), float(values["major"]),
                                       None if segment is None else float(segment))))
    return tuple(out)


@dataclass(frozen=True)
class ModelsConfig:
    """The optional model layer (``audit.models``): names are aliases (``smollm2``, ``minilm``),
    local directories/.gguf files or Hugging Face ids read from the local cache."""

    lm: str | None = None  # causal LM: surprisal flags and the fluency score
    mt: str | None = None  # seq2seq source -> target: re-translation of the source
    mt_back: str | None = None  # seq2seq target -> source: with ``mt``, the round trip
    embedder: str | None = None  # sentence embeddings: the adequacy guard
    instruct: str | None = None  # instruct causal LM: rewriting with the glossary hints in the prompt
    # Word surprisal (nats) flagged minor / major: fitted on the 9,614 dev segments by document-level
    # cross-validation (model flags on gold spans minus on error-free segments; README model section).
    surprisal_minor: float = 13.0
    surprisal_major: float = 17.0
    lm_flags: bool = True  # flag surprising words (False: the LM only scores candidates)
    source_guard: bool = True  # with a source: reject model candidates whose meaning drifts from it (e5)
    num_beams: int = 4
    max_length: int = 128  # new tokens per generated sentence
    use_ct2: bool = False  # run the seq2seq/causal models through CTranslate2 (int8), converted on first use
    allow_download: bool = False  # False: never call the hub (local_files_only=True)
    threads: int = 1  # torch intra-op threads

    def __post_init__(self) -> None:
        if self.num_beams < 1 or self.max_length < 1 or self.threads < 1:
            raise ConfigError("num_beams, max_length and threads must be >= 1", field="models")
        if self.surprisal_major < self.surprisal_minor:
            raise ConfigError("surprisal_major must be >= surprisal_minor", field="models")

    @property
    def any(self) -> bool:
        return any((self.lm, self.mt, self.mt_back, self.embedder, self.instruct))


@dataclass(frozen=True)
class AuditConfig:
    """Everything that changes what an audit flags; reproducible from its fields."""

    src_lang: str | None = DEFAULT_SRC_LANG
    tgt_lang: str = DEFAULT_TGT_LANG
    glossaries: tuple[str, ...] | None = None  # file paths; None = the shipped glossaries
    rules: tuple[str, ...] | None = None  # rule YAML paths; None = the shipped rules
    disabled_rules: tuple[str, ...] = field(default_factory=lambda: shipped_calibration().disabled_rules)
    use_glossary: bool = True
    use_rules: bool = True
    grammar: bool = True
    grammar_rules: str = DEFAULT_GRAMMAR_RULES  # one of GRAMMAR_RULE_SETS
    harper_disabled: tuple[str, ...] = field(default_factory=lambda: shipped_calibration().harper_disabled)
    # Left out of the hash (a dict is not hashable) but compared: equal configs still hash alike.
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS), hash=False)
    candidates: int = 0
    batch_paragraphs: int = DEFAULT_BATCH_PARAGRAPHS
    models: ModelsConfig | None = None  # the model layer; None = no models (the fast path)
    qe: bool = field(default_factory=default_qe)  # the learned error-span detector (qe.span flags, quality)
    qe_model: str | None = None  # a trained detector folder (``mt-audit qe train``); None = the shipped one
    qe_level: str = DEFAULT_QE_LEVEL  # the detector's operating point (:data:`QE_LEVEL_CAPS`)
    #: Rules lowered or no longer proposing for a team (:mod:`audit.learning`), by exact rule id.
    rule_adjustments: tuple[RuleAdjustment, ...] = ()

    def __post_init__(self) -> None:
        if self.tgt_lang not in SUPPORTED_TARGETS:
            raise ConfigError(
                f"unsupported target language {self.tgt_lang!r} (supported: {sorted(SUPPORTED_TARGETS)})",
                field="tgt_lang",
            )
        if self.src_lang is not None and self.src_lang not in SUPPORTED_SOURCES:
            raise ConfigError(
                f"unsupported source language {self.src_lang!r} (supported: {sorted(SUPPORTED_SOURCES)})",
                field="src_lang",
            )
        for name in ("minor", "major", "critical"):
            value = self.weights.get(name)
            if not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"weight for {name!r} must be a non-negative number", field=f"weights.{name}")
        if self.candidates < 0:
            raise ConfigError("must be >= 0", field="candidates")
        if self.grammar_rules not in GRAMMAR_RULE_SETS:
            raise ConfigError(f"must be one of {list(GRAMMAR_RULE_SETS)}, not {self.grammar_rules!r}",
                              field="grammar_rules")
        if self.batch_paragraphs < 1:
            raise ConfigError("must be >= 1", field="batch_paragraphs")
        if self.qe_level not in QE_LEVEL_CAPS:
            raise ConfigError(f"must be one of {list(QE_LEVEL_CAPS)}, not {self.qe_level!r}", field="qe_level")

    def harper_only(self) -> tuple[str, ...] | None:
        """The Harper lints to run (None: all but ``harper_disabled``), from ``grammar_rules``."""
        if self.grammar_rules == GRAMMAR_RULES_ALL:
            return None
        evidence = shipped_calibration().harper_evidence
        if not evidence:
            raise ConfigError("the shipped calibration lists no Harper lints with evidence (harper_evidence)",
                              file=str(CALIBRATION_FILE), field="grammar_rules")
        return evidence

    def with_options(self, **changes: Any) -> AuditConfig:
        return replace(self, **changes)

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *, grammar: bool = True,
                     grammar_rules: str = DEFAULT_GRAMMAR_RULES) -> AuditConfig:
        """The one way options become a config, for the command line, the API's JSON ``options`` and
        batch job files alike (the API's names; see :data:`OPTION_NAMES`). The shipped calibration is
        applied here, once: the user's ``disabled_rules`` add to its switches, never re-enable one.
        ``grammar``/``grammar_rules``: the caller's defaults (the API server's, batch's)."""
        unknown = sorted(set(options) - OPTION_NAMES)
        if unknown:
            raise ConfigError(f"unknown options {unknown} (known: {sorted(OPTION_NAMES)})", field="options")
        src_lang = options.get("src_lang", DEFAULT_SRC_LANG)
        weights = {**DEFAULT_WEIGHTS, **dict(options.get("weights") or {})}
        return cls(
            src_lang=None if src_lang in (None, "any") else str(src_lang),
            tgt_lang=str(options.get("tgt_lang", DEFAULT_TGT_LANG)),
            glossaries=_paths(options.get("glossary_files")),
            rules=_paths(options.get("rule_files")),
            use_glossary=bool(options.get("glossary", True)),
            use_rules=bool(options.get("rules", True)),
            grammar=bool(options.get("grammar", grammar)),
            grammar_rules=str(options.get("grammar_rules") or grammar_rules),
            disabled_rules=tuple(dict.fromkeys((*shipped_calibration().disabled_rules,
                                                *(str(r) for r in options.get("disabled_rules") or ())))),
            weights={name: float(value) for name, value in weights.items()},
            candidates=int(options.get("candidates", 0)),
            models=options.get("models"),
            qe=bool(options.get("qe", default_qe())),
            qe_model=str(options["qe_model"]) if options.get("qe_model") else None,
            qe_level=str(options.get("qe_level") or DEFAULT_QE_LEVEL),
            rule_adjustments=tuple(sorted({RuleAdjustment.of(a) for a in options.get("rule_adjustments") or ()})),
        )


#: The option names of :meth:`AuditConfig.from_options` (the API's ``options`` plus the language
#: pair and the command line's file lists).
OPTION_NAMES = frozenset({"src_lang", "tgt_lang", "glossary", "glossary_files", "rules", "rule_files", "grammar",
                          "grammar_rules", "disabled_rules", "weights", "candidates", "models", "qe",
                          "qe_model", "qe_level", "rule_adjustments"})


def _paths(value: Any) -> tuple[str, ...] | None:
    """File paths as a tuple; None (the shipped files) when none are given."""
    return tuple(str(v) for v in value) or None if value else None
