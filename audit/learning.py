"""Learning from editors' decisions: each rule's figures over its last N decisions, and its state.

Pure functions over ``(rule, decision)`` sequences (no database, no Flask): the review server
computes a team's rule states from its stored decisions, the rules page shows them, and
``mt-audit eval --replay-decisions`` replays stored decisions through them.

A flag is *rejected* when the editor kept the MT; *accepted* or *edited* means the flag was right
(the edit says its proposal was not). Over a rule's last ``window`` decisions, with at least
``min_decisions``:

* reject share >= ``off_at``: the rule is switched **off** for the team;
* else reject share >= ``lower_at``: its severity is **lowered** one step;
* edited share of its right flags >= ``edit_at`` (with ``min_decisions`` right flags): it stops
  **proposing** (its flags still explain, with no replacement).

An editor's override (``on``/``off``) wins over all of this; ``auto`` follows the figures.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .records import Flag, Severity

DECIDED = ("accept", "edit", "reject")
LOWER = {"critical": "major", "major": "minor", "minor": "minor"}


@dataclass(frozen=True, slots=True)
class Thresholds:
    window: int = 50
    min_decisions: int = 10
    lower_at: float = 0.6
    off_at: float = 0.8
    edit_at: float = 0.6

    def check(self) -> Thresholds:
        if not 1 <= self.min_decisions <= self.window <= 10_000:
            raise ValueError("thresholds: need 1 <= min_decisions <= window <= 10000")
        for name in ("lower_at", "off_at", "edit_at"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ValueError(f"thresholds: {name} must be in (0, 1]")
        if self.lower_at > self.off_at:
            raise ValueError("thresholds: lower_at must not exceed off_at")
        return self

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> Thresholds:
        """From a config mapping (unknown keys refused, so a typo is not silently ignored)."""
        values = dict(values or {})
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"thresholds: unknown setting(s) {', '.join(sorted(unknown))}")
        try:
            typed: dict[str, Any] = {k: (int(v) if k in ("window", "min_decisions") else float(v))
                                     for k, v in values.items()}
        except (TypeError, ValueError) as exc:
            raise ValueError(f"thresholds: {exc}") from None
        return cls(**typed).check()


@dataclass(slots=True)
class RuleFigures:
    """One rule's last decisions and what follows from them."""

    rule: str
    recent: deque[str] = field(default_factory=deque)
    total: int = 0

    def add(self, decision: str, window: int) -> None:
        self.recent.append(decision)
        self.total += 1
        while len(self.recent) > window:
            self.recent.popleft()

    def counts(self) -> dict[str, int]:
        return {d: sum(1 for x in self.recent if x == d) for d in DECIDED}


@dataclass(frozen=True, slots=True)
class RuleState:
    rule: str
    decisions: int
    accepted: int
    edited: int
    rejected: int
    acceptance: float | None
    state: str  # "on", "lowered", "off"
    proposes: bool
    learnt: str  # the state the figures alone give
    override: str = "auto"

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def learnt_state(counts: Mapping[str, int], thresholds: Thresholds) -> tuple[str, bool]:
    """(``on``/``lowered``/``off``, proposes) from one rule's recent counts."""
    n = sum(counts.get(d, 0) for d in DECIDED)
    right = counts.get("accept", 0) + counts.get("edit", 0)
    state = "on"
    if n >= thresholds.min_decisions:
        share = counts.get("reject", 0) / n
        if share >= thresholds.off_at:
            state = "off"
        elif share >= thresholds.lower_at:
            state = "lowered"
    proposes = not (right >= thresholds.min_decisions and counts.get("edit", 0) / right >= thresholds.edit_at)
    return state, proposes


def rule_state(figures: RuleFigures, thresholds: Thresholds, override: str = "auto") -> RuleState:
    counts = figures.counts()
    n = sum(counts.values())
    learnt, proposes = learnt_state(counts, thresholds)
    state = {"on": "on", "off": "off"}.get(override, learnt)
    return RuleState(
        rule=figures.rule,
        decisions=n,
        accepted=counts["accept"],
        edited=counts["edit"],
        rejected=counts["reject"],
        acceptance=round((counts["accept"] + counts["edit"]) / n, 4) if n else None,
        state=state,
        proposes=proposes or override == "on",
        learnt=learnt,
        override=override,
    )


def rule_states(
    decisions: Iterable[tuple[str, str]],
    thresholds: Thresholds | None = None,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, RuleState]:
    """Each rule's state from its decisions in time order (``(rule, accept|edit|reject)``)."""
    thresholds = thresholds or Thresholds()
    figures: dict[str, RuleFigures] = {}
    for rule, decision in decisions:
        if decision in DECIDED:
            figures.setdefault(rule, RuleFigures(rule)).add(decision, thresholds.window)
    overrides = overrides or {}
    for rule in overrides:
        figures.setdefault(rule, RuleFigures(rule))
    return {rule: rule_state(f, thresholds, overrides.get(rule, "auto")) for rule, f in sorted(figures.items())}


@dataclass(frozen=True, slots=True, order=True)
class RuleAdjustment:
    """What a team's editors taught one rule, applied by the auditor to its flags before the proposal
    is made (:attr:`audit.config.AuditConfig.rule_adjustments`): one severity step lower, and/or no
    replacement (the flag still explains). A rule learnt *off* is a disabled rule instead."""

    rule: str
    lowered: bool = False
    proposes: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "lowered": self.lowered, "proposes": self.proposes}

    @classmethod
    def of(cls, value: RuleAdjustment | Mapping[str, Any]) -> RuleAdjustment:
        """From itself or its :meth:`to_dict` (a job file, a worker's copy of the options)."""
        if isinstance(value, RuleAdjustment):
            return value
        from .errors import ConfigError

        if not isinstance(value, Mapping) or not isinstance(value.get("rule"), str) or not value["rule"]:
            raise ConfigError("each rule adjustment needs a rule id", field="rule_adjustments")
        return cls(value["rule"], bool(value.get("lowered", False)), bool(value.get("proposes", True)))


def adjust_flag(flag: Flag, adjustment: RuleAdjustment | None) -> Flag:
    """A flag as its rule's adjustment has it: severity lowered one step, no replacement when the rule
    no longer proposes."""
    from dataclasses import replace

    if adjustment is None:
        return flag
    if adjustment.lowered:
        flag = replace(flag, severity=Severity(LOWER[str(flag.severity.value)]))
    if not adjustment.proposes and flag.replacement is not None:
        flag = replace(flag, replacement=None)
    return flag


def adjust_flags(flags: Iterable[Flag], adjustments: Mapping[str, RuleAdjustment]) -> list[Flag]:
    """Each flag adjusted by its rule's entry in ``adjustments`` (by exact rule id)."""
    if not adjustments:
        return list(flags)
    return [adjust_flag(flag, adjustments.get(flag.rule)) for flag in flags]


@dataclass(frozen=True, slots=True)
class Applied:
    """What a team's rule states do to its new audits: rules switched off (handed to the auditor as
    disabled rules, so they never reach dedupe or the proposal), lowered, no longer proposing."""

    team: str
    off: tuple[str, ...] = ()
    lowered: tuple[str, ...] = ()
    not_proposing: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.off or self.lowered or self.not_proposing)

    def to_dict(self) -> dict[str, Any]:
        return {"team": self.team, "off": list(self.off), "lowered": list(self.lowered),
                "not_proposing": list(self.not_proposing)}

    @property
    def adjustments(self) -> tuple[RuleAdjustment, ...]:
        """The lowered and no-longer-proposing rules, for the auditor's options."""
        return tuple(RuleAdjustment(rule, rule in self.lowered, rule not in self.not_proposing)
                     for rule in sorted({*self.lowered, *self.not_proposing}))

    def options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` (the audit options of :meth:`audit.config.AuditConfig.from_options`) with the
        rules learnt off added to ``disabled_rules`` and the others as ``rule_adjustments``."""
        out = dict(options)
        if self.off:
            out["disabled_rules"] = list(dict.fromkeys([*(options.get("disabled_rules") or ()), *self.off]))
        if self.adjustments:
            out["rule_adjustments"] = [a.to_dict() for a in self.adjustments]
        return out


def applied(team: str, states: Mapping[str, RuleState]) -> Applied:
    return Applied(
        team,
        off=tuple(r for r, s in states.items() if s.state == "off"),
        lowered=tuple(r for r, s in states.items() if s.state == "lowered"),
        not_proposing=tuple(r for r, s in states.items() if s.state != "off" and not s.proposes),
    )
