"""``mt-audit eval --replay-decisions DATABASE``: replay the review server's stored decisions through
the rule learning of :mod:`audit.learning` and report what the adjusted rule set would have saved.

Decisions are replayed per team in the order they were made; before each one, the team's rule
states are those learnt from its earlier decisions only. A flagged sentence whose rules were all
off then would not have been shown: a rejected one is a review *saved*, an accepted or edited one
a right flag *lost*. A sentence whose rules had all stopped proposing and that the editor edited
is a wrong proposal not shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from ..learning import Thresholds, rule_states


@dataclass
class TeamReplay:
    team: str
    decisions: int = 0
    hidden: int = 0
    saved: int = 0
    lost: int = 0
    lowered: int = 0
    proposals_withheld: int = 0
    off_rules: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        shown = self.decisions - self.hidden
        return {
            "team": self.team,
            "decisions": self.decisions,
            "not_shown": self.hidden,
            "reviews_saved": self.saved,
            "right_flags_lost": self.lost,
            "shown_with_lowered_severity": self.lowered,
            "wrong_proposals_withheld": self.proposals_withheld,
            "rules_off_at_end": self.off_rules,
            "saved_share": round(self.saved / self.decisions, 4) if self.decisions else 0.0,
            "decisions_shown": shown,
        }


def replay(decisions: Iterable[tuple[str, str, tuple[str, ...]]], thresholds: Thresholds) -> list[TeamReplay]:
    """``decisions``: (team, accept|edit|reject, rules of the sentence), oldest first."""
    history: dict[str, list[tuple[str, str]]] = {}
    out: dict[str, TeamReplay] = {}
    for team, decision, rules in decisions:
        if not rules:
            continue
        seen = history.setdefault(team, [])
        report = out.setdefault(team, TeamReplay(team))
        states = rule_states(seen, thresholds)
        now = [states.get(rule) for rule in rules]
        report.decisions += 1
        if all(s is not None and s.state == "off" for s in now):
            report.hidden += 1
            if decision == "reject":
                report.saved += 1
            else:
                report.lost += 1
        elif any(s is not None and s.state == "lowered" for s in now):
            report.lowered += 1
        if decision == "edit" and all(s is not None and not s.proposes for s in now):
            report.proposals_withheld += 1
        seen.extend((rule, decision) for rule in rules)
    for team, report in out.items():
        final = rule_states(history[team], thresholds)
        report.off_rules = sorted(rule for rule, s in final.items() if s.state == "off")
    return [out[team] for team in sorted(out)]


def write_report(reports: list[TeamReplay], thresholds: Thresholds, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        payload = {"thresholds": asdict(thresholds), "teams": [r.to_dict() for r in reports]}
        out.write(json.dumps(payload, indent=1) + "\n")
        return
    out.write(f"replayed with window {thresholds.window}, at least {thresholds.min_decisions} decisions, "
              f"lower at {thresholds.lower_at:.0%} rejected, off at {thresholds.off_at:.0%}, "
              f"no proposals at {thresholds.edit_at:.0%} edited\n")
    out.write("team | decisions | not shown | reviews saved | right flags lost | lowered | proposals withheld\n")
    for r in reports:
        out.write(f"{r.team} | {r.decisions} | {r.hidden} | {r.saved} | {r.lost} | {r.lowered} | "
                  f"{r.proposals_withheld}\n")
        if r.off_rules:
            out.write(f"  off at the end: {', '.join(r.off_rules)}\n")
    if not reports:
        out.write("no stored decisions\n")


def replay_command(database: str, thresholds_json: str | None, fmt: str, out: TextIO) -> list[TeamReplay]:
    """``eval --replay-decisions``: DATABASE is a SQLAlchemy URL or a SQLite file (``instance/mt-audit.db``)."""
    from pathlib import Path

    from ..errors import AuditError

    try:
        thresholds = Thresholds.from_mapping(json.loads(thresholds_json) if thresholds_json else None)
    except (ValueError, TypeError) as exc:
        raise AuditError(f"--thresholds: {exc}") from None
    if "://" not in database:
        if not Path(database).is_file():
            raise AuditError("no such database file (give a SQLite file or a database URL)", file=database)
        database = f"sqlite:///{Path(database).resolve()}"
    return run_replay(database, thresholds, fmt, out)


def run_replay(database_url: str, thresholds: Thresholds, fmt: str, out: TextIO) -> list[TeamReplay]:
    """Read the stored decisions of ``database_url`` (the review server's database) and replay them."""
    from sqlalchemy.orm import Session

    from api.storage.db import make_engine
    from api.storage.learning import standing_decisions

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            stored = standing_decisions(session)
    finally:
        engine.dispose()
    reports = replay(((d.team or "default", d.decision, d.rules) for d in stored), thresholds)
    write_report(reports, thresholds, fmt, out)
    return reports
