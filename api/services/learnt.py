"""The team's learnt rule states (:mod:`audit.learning`) applied to its new audits (``POST /v1/audit``).

A team is ``project:NAME`` when the request names a project, else ``key:ID`` (the submitting API key),
as for stored documents (:func:`api.storage.reviews.team_of`). Rules learnt *off* go to the auditor as
disabled rules (they never reach dedupe or the proposal); *lowered* rules lose one severity step;
rules that stopped proposing keep their flags without a replacement, and the sentence's proposal is
made again from the flags left. The states are computed from the team's decisions once per change
(a two-aggregate fingerprint per request), per worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from audit.learning import Applied, RuleState, Thresholds, adjust_segment, applied
from audit.pipeline import Auditor
from audit.records import DocumentResult, Proposal, Segment

from ..storage.db import Database
from ..storage.learning import team_fingerprint, team_rule_states

#: Teams whose states one worker keeps.
CACHE_TEAMS = 256


def team_for(project: str | None, key_id: int | None) -> str:
    project = (project or "").strip()[:100]
    if project:
        return f"project:{project}"
    return f"key:{key_id}" if key_id is not None else "default"


class LearntStates:
    """Per worker: each team's rule states, recomputed when its decisions or overrides change."""

    def __init__(self, size: int = CACHE_TEAMS) -> None:
        self._cache: OrderedDict[tuple[str, Thresholds], tuple[tuple[object, ...], dict[str, RuleState]]] = \
            OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def states(self, db: Database, team: str, thresholds: Thresholds) -> dict[str, RuleState]:
        with db.session() as session:
            fingerprint = team_fingerprint(session, team)
            if fingerprint[0] == 0 and fingerprint[2] == 0:
                return {}  # no decision and no override: nothing learnt
            key = (team, thresholds)
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None and cached[0] == fingerprint:
                    self._cache.move_to_end(key)
                    return cached[1]
            states = team_rule_states(session, team, thresholds)
        with self._lock:
            self._cache[key] = (fingerprint, states)
            self._cache.move_to_end(key)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return states


def with_disabled(options: dict[str, Any], learnt: Applied) -> dict[str, Any]:
    """The request's options with the rules learnt off added to ``disabled_rules``."""
    if not learnt.off:
        return options
    return {**options, "disabled_rules": list(dict.fromkeys([*(options.get("disabled_rules") or ()), *learnt.off]))}


def adjust_result(auditor: Auditor, result: DocumentResult, states: dict[str, RuleState]) -> DocumentResult:
    """Lowered severities and withheld proposals on an audit's segments; the summary recounted."""

    def repropose(segment: Segment, flags: list[Any]) -> Proposal:
        proposal = auditor.proposer.propose(segment, flags)
        if proposal is None:  # nothing left to propose: the MT stands, to be reviewed
            proposal = Proposal(segment.text, ("learnt",), auditor.scorer.score(segment.text, segment.text))
        return proposal

    segments = [adjust_segment(s, states, repropose) for s in result.segments]
    summary = auditor.new_summary()
    summary.alignment = result.summary.alignment
    for segment in segments:
        summary.add(segment, auditor.config.weights)
    return replace(result, segments=segments, summary=summary)


__all__ = ["Applied", "LearntStates", "adjust_result", "applied", "team_for", "with_disabled"]
