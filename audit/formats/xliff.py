"""XLIFF 1.2 and 2.x with ITS 2.0 Localization Quality Issue markup.

Each flag marks its span of the target:

* XLIFF 1.2: ``<mrk mtype="x-its" its:locQualityIssueType=... its:locQualityIssueComment=...
  its:locQualityIssueSeverity=...>`` (the W3C ITS 2.0 / XLIFF 1.2 mapping); an ``<mrk>`` must nest,
  so a span that crosses an inline element (``<g>``) or partly overlaps another flag's span is
  widened to the smallest span that nests (its comment then quotes the flagged words), and a span
  inside native code (``<ph>``, ``<bpt>``...) moves outside it. The proposal follows the target as
  ``<alt-trans origin="mt-audit" alttranstype="proposal"><target>...</target></alt-trans>``, with the
  target's inline codes (``<g>``, ``<x/>``, ``<ph>``...) kept where its edits lie in the text between
  them (else as plain text).
* XLIFF 2.x: ``<mrk id=... type="its:generic" its:...>`` (the XLIFF 2.1 ITS module), or, for a
  span that cannot nest, ``<sm id=... type="its:generic" its:.../>...<em startRef=.../>`` at its
  exact ends. The proposal is a unit ``<note category="mt-audit" appliesTo="target">``.

The ITS namespace (and ``its:version="2.0"``) is declared on the root element. Flag offsets are
into the target text as translate-toolkit reads it (white space normalised unless
``xml:space="preserve"``); the scanner reads the target the same way, keeping each character's
place. Where the two still differ (markup the scanner does not model), the flags wrap the target's
whole content, each comment quoting its words and offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ..errors import InputError
from .its import ITS_NS, ITS_VERSION, its_attributes
from .model import Issue, UnitAudit
from .splice import CLOSE, OPEN, POINT, Insertion, Span, apply, locate, nest
from .xmlscan import Element, element_text, escape_attr, escape_text, leading_space, normalize_space, scan

XLIFF12_NS = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF2_PREFIX = "urn:oasis:names:tc:xliff:document:2."
#: XLIFF 1.2 inline elements whose content is native code, never text to mark.
CODE_ELEMENTS_12 = frozenset({"ph", "bpt", "ept", "it"})
ORIGIN = "mt-audit"
_ID = re.compile(r"\bid\s*=\s*[\"']([^\"']*)[\"']")


@dataclass
class _Writer:
    text: str
    its: str  # the prefix bound to the ITS namespace
    version2: bool
    insertions: list[Insertion] = field(default_factory=list)
    used_ids: dict[int, set[str]] = field(default_factory=dict)  # per unit element (its start)

    def qname(self, target: Element, local: str) -> str:
        prefix = target.qname.rpartition(":")[0]
        return f"{prefix}:{local}" if prefix else local

    def its_attrs(self, issue: Issue, where: str | None) -> str:
        attrs = its_attributes(issue)
        if where:
            attrs = [(k, f"{where}: {v}" if k == "locQualityIssueComment" else v) for k, v in attrs]
        return "".join(f' {self.its}:{k}="{escape_attr(v)}"' for k, v in attrs)

    def new_id(self, unit: Element) -> str:
        used = self.used_ids.get(unit.start)
        if used is None:
            used = self.used_ids[unit.start] = set(_ID.findall(self.text[unit.start:unit.end]))
        number = 1
        while f"mta{number}" in used:
            number += 1
        used.add(f"mta{number}")
        return f"mta{number}"


def _where(issue: Issue) -> str:
    return f'"{issue.text}" (characters {issue.start}-{issue.end})'


def _mark_spans(writer: _Writer, target: Element, unit: Element, audit: UnitAudit) -> None:
    """The ITS markup of each issue of one target."""
    text, chars = element_text(writer.text, target)
    if text != audit.target:  # translate-toolkit normalises white space unless xml:space="preserve"
        text, chars = normalize_space(text, chars)
    content = (target.tag_end, target.close_start)
    exact = text == audit.target
    atomic = frozenset() if writer.version2 else CODE_ELEMENTS_12
    mrk = writer.qname(target, "mrk")
    ranged: list[tuple[Issue, Span]] = []
    for issue in audit.issues:
        if not exact:
            ranged.append((issue, Span(content[0], content[1], (), ())))
        elif issue.start >= issue.end:
            span = locate(chars, content, issue.start, issue.start, atomic)
            attrs = writer.its_attrs(issue, _where(issue) if issue.text else None)
            kind = f' id="{writer.new_id(unit)}" type="its:generic"' if writer.version2 else ' mtype="x-its"'
            writer.insertions.append(Insertion(span.start, POINT, (len(writer.insertions),),
                                               f"<{mrk}{kind}{attrs}/>"))
        else:
            ranged.append((issue, locate(chars, content, issue.start, issue.end, atomic)))
    if writer.version2:
        _mark_2(writer, target, unit, ranged, exact)
    else:
        _mark_12(writer, target, ranged, exact)


def _open_close(writer: _Writer, spans: list[tuple[Span, str, str]]) -> None:
    """Opening and closing tags of properly nested spans: (span, opening tag, closing tag)."""
    ranks = sorted(range(len(spans)), key=lambda i: (spans[i][0].start, -spans[i][0].end, i))
    base = len(writer.insertions)
    for rank, index in enumerate(ranks):
        span, opening, closing = spans[index]
        writer.insertions.append(Insertion(span.start, OPEN, (base + rank,), opening))
        writer.insertions.append(Insertion(span.end, CLOSE, (-(base + rank),), closing))


def _mark_12(writer: _Writer, target: Element, ranged: list[tuple[Issue, Span]], exact: bool) -> None:
    mrk = writer.qname(target, "mrk")
    nested = nest([span for _, span in ranged])
    tags = []
    for (issue, raw), span in zip(ranged, nested, strict=True):
        moved = not exact or (span.start, span.end) != (raw.start, raw.end)
        attrs = writer.its_attrs(issue, _where(issue) if moved else None)
        tags.append((span, f'<{mrk} mtype="x-its"{attrs}>', f"</{mrk}>"))
    _open_close(writer, tags)


def _mark_2(writer: _Writer, target: Element, unit: Element, ranged: list[tuple[Issue, Span]],
            exact: bool) -> None:
    mrk, sm, em = (writer.qname(target, n) for n in ("mrk", "sm", "em"))
    tags: list[tuple[Span, str, str]] = []
    kept: list[Span] = []
    for issue, span in ranged:
        ident = writer.new_id(unit)
        attrs = writer.its_attrs(issue, None if exact else _where(issue))
        if span.balanced and not any(span.partly_overlaps(other) for other in kept):
            kept.append(span)
            tags.append((span, f'<{mrk} id="{ident}" type="its:generic"{attrs}>', f"</{mrk}>"))
            continue
        order = (len(writer.insertions),)
        writer.insertions.append(Insertion(span.start, POINT, order, f'<{sm} id="{ident}" type="its:generic"{attrs}/>'))
        writer.insertions.append(Insertion(span.end, POINT, order, f'<{em} startRef="{ident}"/>'))
    _open_close(writer, tags)


def _proposal_content(writer: _Writer, target: Element, audit: UnitAudit, proposal: str) -> str:
    """The proposal as target content with the target's inline codes kept: its markup, with each
    edit from the target's text to the proposal (a character diff) spliced into the text between
    codes. When an edit would touch a code (or the target reads differently from the file), the
    proposal is plain text."""
    plain = escape_text(proposal)
    if not target.children:
        return plain
    text, chars = element_text(writer.text, target)
    if text != audit.target:
        text, chars = normalize_space(text, chars)
        if text != audit.target:
            return plain
    content = (target.tag_end, target.close_start)
    edits: list[tuple[int, int, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, text, proposal, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        span = locate(chars, content, i1, i2, CODE_ELEMENTS_12)
        inside = i1 < i2 and (span.start, span.end) != (chars[i1].start, chars[i2 - 1].end)
        if inside or "<" in writer.text[span.start:span.end] or any(e.local in CODE_ELEMENTS_12
                                                                    for e in span.start_path):
            return plain
        edits.append((span.start, span.end, escape_text(proposal[j1:j2])))
    pieces, last = [], content[0]
    for start, end, replacement in edits:
        pieces += [writer.text[last:start], replacement]
        last = end
    pieces.append(writer.text[last:content[1]])
    return "".join(pieces)


def _alt_trans(writer: _Writer, target: Element, audit: UnitAudit) -> None:
    if audit.proposal is None:
        return
    space = leading_space(writer.text, target.start)
    alt, tgt = writer.qname(target, "alt-trans"), writer.qname(target, "target")
    proposal = f"<{tgt}>{_proposal_content(writer, target, audit, audit.proposal)}</{tgt}>"
    writer.insertions.append(Insertion(target.end, POINT, (len(writer.insertions),),
                                       f'{space}<{alt} origin="{ORIGIN}" alttranstype="proposal">{proposal}</{alt}>'))


def _notes_2(writer: _Writer, unit: Element, notes: list[str]) -> None:
    """The proposals of a 2.x unit's segments as notes: in its ``<notes>``, or a new one before
    its first ``<originalData>``/``<segment>``/``<ignorable>``."""
    if not notes:
        return
    existing = unit.child("notes")
    order = (len(writer.insertions),)
    if existing is not None and existing.children:
        last = existing.children[-1]
        space = leading_space(writer.text, last.start)
        writer.insertions.append(Insertion(last.end, POINT, order, "".join(space + n for n in notes)))
        return
    first = next((c for c in unit.children if c.local in ("originalData", "segment", "ignorable")), None)
    if first is None or existing is not None:
        return
    space = leading_space(writer.text, first.start)
    tag = writer.qname(first, "notes")
    writer.insertions.append(Insertion(first.start, POINT, order, f"<{tag}>{''.join(notes)}</{tag}>{space}"))


def _its_prefix(root: Element) -> tuple[str, bool]:
    """The prefix bound to the ITS namespace on the root, or a free one to declare there."""
    for prefix, uri in root.nsmap.items():
        if uri == ITS_NS and prefix:
            return prefix, False
    prefix, number = "its", 1
    while prefix in root.nsmap:
        prefix, number = f"its{number}", number + 1
    return prefix, True


def annotate_xliff(text: str, unit_count: int, audits: dict[int, UnitAudit], name: str) -> str:
    """``text`` with the ITS markup and proposals of ``audits`` (by translate-toolkit unit position)."""
    root = scan(text)
    version2 = (root.ns or "").startswith(XLIFF2_PREFIX)
    units = list(root.iter("segment" if version2 else "trans-unit", root.ns))
    if len(units) != unit_count:
        raise InputError(f"found {len(units)} {'segments' if version2 else 'trans-units'} where translate-toolkit "
                         f"read {unit_count} units; cannot place the flags", file=name)
    its, declare = _its_prefix(root)
    writer = _Writer(text, its, version2)
    notes: dict[int, tuple[Element, list[str]]] = {}
    for position, audit in sorted(audits.items()):
        element = units[position]
        target = element.child("target")
        if target is None or target.empty:
            continue
        unit = element.parent if version2 and element.parent is not None else element
        _mark_spans(writer, target, unit, audit)
        if version2 and audit.proposal is not None:
            label = f" (segment {element.attrs['id']})" if "id" in element.attrs else ""
            note = writer.qname(target, "note")
            notes.setdefault(unit.start, (unit, []))[1].append(
                f'<{note} category="{ORIGIN}" appliesTo="target">Proposal{escape_text(label)}: '
                f"{escape_text(audit.proposal)}</{note}>")
        elif not version2:
            _alt_trans(writer, target, audit)
    for unit, unit_notes in notes.values():
        _notes_2(writer, unit, unit_notes)
    if not writer.insertions:
        return text
    if declare or f"{its}:version" not in root.attrs:
        declaration = f' xmlns:{its}="{ITS_NS}"' if declare else ""
        if f"{its}:version" not in root.attrs:
            declaration += f' {its}:version="{ITS_VERSION}"'
        writer.insertions.append(Insertion(root.attrs_end, POINT, (-1,), declaration))
    return apply(text, writer.insertions)
