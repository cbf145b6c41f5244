"""TMX: the flags as ``<note>`` s and the proposal as a ``<prop>`` of the target ``<tuv>``.

ITS 2.0 defines no mapping for TMX (and TMX 1.4's DTD allows no foreign attributes on ``<seg>``
content), so the flags are not marked on their spans: each is one ``<note>`` before the target's
``<seg>`` (TMX 1.4: ``<tuv>`` holds ``(note|prop)*, seg``) quoting its words, offsets, MQM category
and severity with the ITS LQI type and severity, and the proposal is
``<prop type="x-mt-audit-proposal">``. The target ``<tuv>`` is the second one, as translate-toolkit
reads it.
"""

from __future__ import annotations

from ..errors import InputError
from .its import issue_line
from .model import UnitAudit
from .splice import POINT, Insertion, apply
from .xmlscan import escape_text, leading_space, scan

PROPOSAL_PROP = "x-mt-audit-proposal"


def annotate_tmx(text: str, unit_count: int, audits: dict[int, UnitAudit], name: str) -> str:
    root = scan(text)
    tus = list(root.iter("tu"))
    if len(tus) != unit_count:
        raise InputError(f"found {len(tus)} <tu> where translate-toolkit read {unit_count} units; "
                         "cannot place the flags", file=name)
    insertions: list[Insertion] = []
    for position, audit in sorted(audits.items()):
        tuvs = [c for c in tus[position].children if c.local == "tuv"]
        seg = tuvs[1].child("seg") if len(tuvs) > 1 else None
        if seg is None:
            continue
        space = leading_space(text, seg.start)
        items = [f"<note>{escape_text(issue_line(issue))}</note>" for issue in audit.issues]
        if audit.proposal is not None:
            items.append(f'<prop type="{PROPOSAL_PROP}">{escape_text(audit.proposal)}</prop>')
        added = "".join(item + (space or "") for item in items)
        insertions.append(Insertion(seg.start, POINT, (len(insertions),), added))
    return apply(text, insertions) if insertions else text
