"""The team's learnt rule states (:mod:`audit.learning`) applied to its new audits (``POST /v1/audit``).

A team is ``project:NAME`` when the request names a project, else ``key:ID`` (the submitting API key),
as for stored documents (:func:`api.storage.reviews.team_of`). :meth:`audit.learning.Applied.options`
turns them into the audit's options: rules learnt *off* are disabled rules (they never reach dedupe or
the proposal); *lowered* rules and rules that stopped proposing are ``rule_adjustments``, which the
auditor applies to the flags before the proposal is made (:mod:`audit.pipeline`). Used by
``POST /v1/audit`` and by batch jobs (fixed at submission). The states are computed from the team's
decisions once per change (a two-aggregate fingerprint per request), per worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from audit.learning import Applied, RuleState, Thresholds, applied

from ..storage.db import Database
from ..storage.learning import team_fingerprint, team_rule_states

#: Teams whose states one worker keeps.
CACHE_TEAMS = 256
_EXTENSION_KEY = "mt_audit.learnt"


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


def team_applied(project: str | None, key_id: int | None, thresholds: Thresholds) -> Applied:
    """What the team of a new audit or job (``project``, else the key) learnt, from this app's cache
    of the teams' states (``current_app.extensions``, one per worker)."""
    from flask import current_app

    from ..extension import services

    cache: LearntStates = current_app.extensions.setdefault(_EXTENSION_KEY, LearntStates())
    team = team_for(project, key_id)
    return applied(team, cache.states(services().db, team, thresholds))


__all__ = ["Applied", "LearntStates", "applied", "team_applied", "team_for"]
