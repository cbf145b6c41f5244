"""What the writers annotate: the audited units of one translator's file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..records import Flag


@dataclass(frozen=True, slots=True)
class Issue:
    """One flag; ``start``/``end`` are character offsets into the unit's target text."""

    start: int
    end: int
    text: str
    rule: str
    category: str
    severity: str
    message: str
    suggestion: str | None = None

    @classmethod
    def from_flag(cls, flag: Flag) -> Issue:
        return cls(flag.start, flag.end, flag.text, flag.rule, flag.category, str(flag.severity.value),
                   flag.message, flag.suggestion)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        return cls(int(data["start"]), int(data["end"]), str(data["text"]), str(data["rule"]),
                   str(data["category"]), str(data["severity"]), str(data["message"]), data.get("suggestion"))


@dataclass(frozen=True, slots=True)
class UnitAudit:
    """One audited unit: ``position`` in translate-toolkit's unit list, its id as batch names it,
    the texts, the issues and the proposed target (``None`` when it equals the target)."""

    position: int
    unit_id: str
    source: str | None
    target: str
    issues: tuple[Issue, ...] = ()
    proposal: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.issues) or self.proposal is not None


def by_position(units: Iterable[UnitAudit]) -> dict[int, UnitAudit]:
    """The units that carry something to write, by position."""
    return {u.position: u for u in units if u.changed}
