"""Downloads of a reviewed document: the final text, XLIFF 2.0, XLIFF 1.2 and TMX.

Both XLIFF versions carry each flag as W3C ITS 2.0 Localization Quality Issue markup
(``its:locQualityIssueType``/``Comment``/``Severity``, mapped from the MQM category and severity):
inline on the flagged span of ``<target>`` while the target is still the MT (open or rejected; a
rejected flag is ``its:locQualityIssueEnabled="no"``), else as ITS stand-off issues that a note
refers to. Notes keep the MT, the proposal, each flag (``priority`` from its severity), who decided,
a rejection's reason and the comment thread. xml.etree writes them, to control states and notes exactly.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from audit.formats.its import ITS_NS, its_severity, its_type

from .models import REJECT_REASONS, Document, FlagRecord, SegmentRecord

XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
XLIFF12_NS = "urn:oasis:names:tc:xliff:document:1.2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
#: XLIFF note priority (1 highest .. 10); the ITS type and severity come from audit.formats.its.
NOTE_PRIORITY = {"critical": "1", "major": "3", "minor": "5"}
XLIFF_STATE = {"open": "translated", "accepted": "reviewed", "edited": "reviewed", "rejected": "reviewed"}
XLIFF12_STATE = {"open": "needs-review-translation", "accepted": "signed-off", "edited": "signed-off",
                 "rejected": "signed-off"}
def segment_target(segment: SegmentRecord) -> str:
    return segment.final_text if segment.final_text is not None else segment.mt_text


def final_text(document: Document) -> str:
    """The MT text with every sentence replaced by its reviewed text (layout kept)."""
    out: list[str] = []
    cursor = 0
    for segment in sorted(document.segments, key=lambda s: s.start):
        out.append(document.mt_text[cursor : segment.start])
        out.append(segment_target(segment))
        cursor = segment.end
    out.append(document.mt_text[cursor:])
    return "".join(out)


def _paragraphs(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def aligned_source(document: Document) -> list[str] | None:
    """Source paragraphs when they align line by line with the MT's non-empty lines."""
    if not document.source_text:
        return None
    source = _paragraphs(document.source_text)
    return source if len(source) == len(_paragraphs(document.mt_text)) else None


def source_sentences(document: Document) -> dict[int, str]:
    """Each sentence's source text by segment id: its aligned source sentence(s), else (older documents)
    the source paragraph on the first sentence of each paragraph when the lines align."""
    out: dict[int, str] = {}
    if not document.source_text:
        return out
    for segment in document.segments:
        if segment.source_start is not None and segment.source_end is not None:
            out[segment.id] = document.source_text[segment.source_start : segment.source_end].strip()
    if out:
        return out
    paragraphs = aligned_source(document)
    if paragraphs is None:
        return out
    rank = {p: i for i, p in enumerate(sorted({s.paragraph for s in document.segments}))}
    seen: set[int] = set()
    for segment in document.segments:
        index = rank.get(segment.paragraph)
        if index is not None and index not in seen and index < len(paragraphs):
            out[segment.id] = paragraphs[index]
            seen.add(index)
    return out


def _its_attrs(flag: FlagRecord, enabled: bool) -> dict[str, str]:
    attrs = {
        f"{{{ITS_NS}}}locQualityIssueType": its_type(flag.category, flag.rule),
        f"{{{ITS_NS}}}locQualityIssueComment": f"{flag.rule}: {flag.message}",
        f"{{{ITS_NS}}}locQualityIssueSeverity": str(its_severity(flag.severity)),
    }
    if not enabled:
        attrs[f"{{{ITS_NS}}}locQualityIssueEnabled"] = "no"
    return attrs


def _inline_flags(segment: SegmentRecord) -> list[FlagRecord]:
    """Flags that can be marked inline: spans within the MT, not overlapping (the first one wins)."""
    out: list[FlagRecord] = []
    cursor = 0
    for flag in sorted(segment.flags, key=lambda f: (f.start, -f.end)):
        if flag.start >= cursor and flag.end <= len(segment.mt_text) and flag.end > flag.start:
            out.append(flag)
            cursor = flag.end
    return out


def _fill_marked(target: ET.Element, segment: SegmentRecord, mrk: str, mrk_attrs: Any) -> list[FlagRecord]:
    """Write the MT into ``target`` with each flagged span in a marker; returns the flags not marked."""
    text = segment.mt_text
    marked = _inline_flags(segment)
    target.text = text[: marked[0].start] if marked else text
    for index, flag in enumerate(marked):
        element = ET.SubElement(target, mrk, mrk_attrs(index, flag))
        element.text = text[flag.start : flag.end]
        following = marked[index + 1].start if index + 1 < len(marked) else len(text)
        element.tail = text[flag.end : following]
    return [f for f in segment.flags if f not in marked]


def _standoff(parent: ET.Element, ref_id: str, flags: list[FlagRecord], enabled: bool) -> None:
    """ITS 2.0 stand-off issues (for flags that are not on the target's text)."""
    issues = ET.SubElement(parent, f"{{{ITS_NS}}}locQualityIssues", {XML_ID: ref_id})
    for flag in flags:
        ET.SubElement(issues, f"{{{ITS_NS}}}locQualityIssue", _its_attrs(flag, enabled))


def _review_notes(segment: SegmentRecord, names: Mapping[int, str]) -> list[tuple[str, str, str | None]]:
    """(category, text, author) of the decision, its reason and the comments."""
    out: list[tuple[str, str, str | None]] = []
    who = names.get(segment.decided_by) if segment.decided_by is not None else None
    if segment.status != "open":
        out.append(("decision", f"{segment.status} by {who or 'unknown'}", who))
    if segment.reason or segment.reason_text:
        label = REJECT_REASONS.get(segment.reason or "", segment.reason or "")
        out.append(("reason", ": ".join(p for p in (label, segment.reason_text) if p), who))
    for comment in segment.comments:
        author = names.get(comment.author_id) if comment.author_id is not None else None
        out.append(("comment", f"{author or 'unknown'}: {comment.body}", author))
    return out


def to_xliff(document: Document, names: Mapping[int, str] | None = None) -> bytes:
    """XLIFF 2.0: one unit per sentence; ``<source>`` the aligned source sentence (or empty), ``<target>``
    the final text, ``state``/``subState`` the decision; flags as ITS LQI, reasons and comments as notes."""
    names = names or {}
    ET.register_namespace("", XLIFF_NS)
    ET.register_namespace("its", ITS_NS)
    q = f"{{{XLIFF_NS}}}"
    root = ET.Element(
        f"{q}xliff",
        {"version": "2.0", "srcLang": document.src_lang or "und", "trgLang": document.tgt_lang,
         f"{{{ITS_NS}}}version": "2.0"},
    )
    file_el = ET.SubElement(root, f"{q}file", {"id": f"d{document.id}", "original": document.name})
    sources = source_sentences(document)
    for segment in document.segments:
        number = segment.position + 1
        unit = ET.SubElement(file_el, f"{q}unit", {"id": f"u{number}"})
        notes = ET.SubElement(unit, f"{q}notes")
        ET.SubElement(notes, f"{q}note", {"category": "mt"}).text = segment.mt_text
        if segment.proposal is not None:
            ET.SubElement(notes, f"{q}note", {"category": "proposal"}).text = segment.proposal.text
        for flag in segment.flags:
            ET.SubElement(
                notes, f"{q}note", {"category": f"flag:{flag.severity}", "priority": NOTE_PRIORITY[flag.severity]}
            ).text = f"{flag.rule}: {flag.text} — {flag.message}"
        for category, text, _author in _review_notes(segment, names):
            ET.SubElement(notes, f"{q}note", {"category": category}).text = text
        attrs = {"id": f"s{number}", "state": XLIFF_STATE[segment.status]}
        if segment.status != "open":
            attrs["subState"] = f"mt-audit:{segment.status}"
        seg_el = ET.SubElement(unit, f"{q}segment", attrs)
        ET.SubElement(seg_el, f"{q}source").text = sources.get(segment.id)
        target = ET.SubElement(seg_el, f"{q}target")
        if segment.status in ("open", "rejected"):
            enabled = segment.status == "open"
            rest = _fill_marked(
                target, segment, f"{q}mrk",
                lambda i, f, n=number, on=enabled: {"id": f"m{n}-{i + 1}", "translate": "yes", **_its_attrs(f, on)},
            )
        else:
            target.text, rest, enabled = segment_target(segment), list(segment.flags), True
        if rest:
            _standoff(unit, f"lqi-u{number}", rest, enabled)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_xliff12(document: Document, names: Mapping[int, str] | None = None) -> bytes:
    """XLIFF 1.2: one ``trans-unit`` per sentence; the proposal as ``alt-trans``; flags as ITS LQI on
    ``<mrk mtype="x-its">`` (the ITS 2.0 / XLIFF 1.2 mapping) and as notes with a priority."""
    names = names or {}
    ET.register_namespace("", XLIFF12_NS)
    ET.register_namespace("its", ITS_NS)
    q = f"{{{XLIFF12_NS}}}"
    root = ET.Element(f"{q}xliff", {"version": "1.2", f"{{{ITS_NS}}}version": "2.0"})
    file_el = ET.SubElement(
        root,
        f"{q}file",
        {"original": document.name, "source-language": document.src_lang or "und",
         "target-language": document.tgt_lang, "datatype": "plaintext", "tool-id": "mt-audit"},
    )
    body = ET.SubElement(file_el, f"{q}body")
    sources = source_sentences(document)
    for segment in document.segments:
        number = segment.position + 1
        unit = ET.SubElement(
            body, f"{q}trans-unit", {"id": f"u{number}", "approved": "no" if segment.status == "open" else "yes"}
        )
        ET.SubElement(unit, f"{q}source").text = sources.get(segment.id, "")
        target = ET.SubElement(unit, f"{q}target", {"state": XLIFF12_STATE[segment.status]})
        if segment.status in ("open", "rejected"):
            enabled = segment.status == "open"
            rest = _fill_marked(target, segment, f"{q}mrk", lambda _i, f, on=enabled: {"mtype": "x-its",
                                                                                         **_its_attrs(f, on)})
        else:
            target.text, rest, enabled = segment_target(segment), list(segment.flags), True
        if segment.proposal is not None:
            alt = ET.SubElement(unit, f"{q}alt-trans", {"origin": "mt-audit", "alttranstype": "proposal"})
            ET.SubElement(alt, f"{q}target").text = segment.proposal.text
        ET.SubElement(unit, f"{q}note", {"from": "mt", "annotates": "general"}).text = segment.mt_text
        for flag in segment.flags:
            ET.SubElement(
                unit, f"{q}note", {"from": "mt-audit", "priority": NOTE_PRIORITY[flag.severity], "annotates": "target"}
            ).text = f"[{flag.severity}] {flag.rule}: {flag.text} — {flag.message}"
        for category, text, author in _review_notes(segment, names):
            ET.SubElement(unit, f"{q}note", {"from": author or category, "annotates": "general"}).text = (
                f"{category}: {text}"
            )
        if rest:
            _standoff(unit, f"lqi-u{number}", rest, enabled)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_tmx(document: Document) -> bytes | None:
    """TMX 1.4, one translation unit per paragraph (source line -> reviewed target line); None without source."""
    source = aligned_source(document)
    if source is None:
        return None
    from audit import __version__

    root = ET.Element("tmx", {"version": "1.4"})
    ET.SubElement(
        root,
        "header",
        {
            "creationtool": "mt-audit",
            "creationtoolversion": __version__,
            "segtype": "paragraph",
            "o-tmf": "mt-audit",
            "adminlang": "en",
            "srclang": document.src_lang or "und",
            "datatype": "plaintext",
        },
    )
    body = ET.SubElement(root, "body")
    for src, tgt in zip(source, _paragraphs(final_text(document)), strict=True):
        tu = ET.SubElement(body, "tu")
        for language, text in ((document.src_lang or "und", src), (document.tgt_lang, tgt)):
            tuv = ET.SubElement(tu, "tuv", {XML_LANG: language})
            ET.SubElement(tuv, "seg").text = text
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
