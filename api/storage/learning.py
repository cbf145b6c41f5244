"""A team's stored decisions and rule overrides, for :mod:`audit.learning` (the rules page, audits, replay).

A team is ``project:NAME`` (a document's named project) or ``key:ID`` (the API key that submitted
it). A sentence's standing decision counts once, in the order it was made: an undone decision and
one replaced by a later decision on the same sentence do not count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.learning import RuleState, Thresholds, rule_states

from .models import RULE_MODES, Review, RuleOverride, utcnow

#: The most decisions of one team read at once (the newest); far beyond any window.
MAX_DECISIONS = 200_000


@dataclass(frozen=True, slots=True)
class StoredDecision:
    id: int
    segment_id: int
    decision: str
    rules: tuple[str, ...]
    team: str | None


def standing_decisions(session: Session, team: str | None = None) -> list[StoredDecision]:
    """Each sentence's standing decision (accept/edit/reject), oldest first; one team or every team."""
    stmt = select(Review.id, Review.segment_id, Review.decision, Review.rules, Review.team)
    if team is not None:
        stmt = stmt.where(Review.team == team)
    rows = list(session.execute(stmt.order_by(Review.id.desc()).limit(MAX_DECISIONS)))
    rows.reverse()
    stacks: dict[int, list[StoredDecision]] = {}
    for review_id, segment_id, decision, rules, row_team in rows:
        stack = stacks.setdefault(segment_id, [])
        if decision == "undo":
            if stack:
                stack.pop()
        else:
            stack.append(StoredDecision(review_id, segment_id, decision, tuple(rules or ()), row_team))
    return sorted((stack[-1] for stack in stacks.values() if stack), key=lambda d: d.id)


def rule_decisions(decisions: list[StoredDecision]) -> Iterator[tuple[str, str]]:
    for decision in decisions:
        for rule in decision.rules:
            yield rule, decision.decision


def overrides(session: Session, team: str) -> dict[str, str]:
    rows = session.execute(select(RuleOverride.rule, RuleOverride.mode).where(RuleOverride.team == team))
    return {row[0]: row[1] for row in rows}


def team_rule_states(session: Session, team: str, thresholds: Thresholds) -> dict[str, RuleState]:
    return rule_states(rule_decisions(standing_decisions(session, team)), thresholds, overrides(session, team))


def team_fingerprint(session: Session, team: str) -> tuple[object, ...]:
    """What a team's rule states depend on, in two small aggregate queries (``reviews.team`` is
    indexed): a cached state is good while its fingerprint is unchanged."""
    reviews = session.execute(select(func.count(Review.id), func.max(Review.id)).where(Review.team == team)).one()
    rows = session.execute(select(func.count(RuleOverride.id), func.max(RuleOverride.updated_at))
                           .where(RuleOverride.team == team)).one()
    return (*reviews, *rows)


def teams(session: Session) -> list[str]:
    found = set(session.scalars(select(Review.team).where(Review.team.is_not(None)).distinct()))
    found |= set(session.scalars(select(RuleOverride.team).distinct()))
    return sorted(t for t in found if t)


def set_override(session: Session, team: str, rule: str, mode: str, user_id: int | None) -> None:
    """``auto`` follows the decisions again; ``on``/``off`` force the rule for the team."""
    if mode not in RULE_MODES:
        raise ValueError(f"mode: one of {', '.join(RULE_MODES)}")
    if not team or len(team) > 120 or not rule or len(rule) > 200:
        raise ValueError("team (at most 120 characters) and rule (at most 200) are required")
    row = session.scalars(select(RuleOverride).where(RuleOverride.team == team, RuleOverride.rule == rule)).first()
    if row is None:
        session.add(RuleOverride(team=team, rule=rule, mode=mode, updated_by=user_id, updated_at=utcnow()))
    else:
        row.mode, row.updated_by, row.updated_at = mode, user_id, utcnow()
