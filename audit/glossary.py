"""Glossaries: entries of deprecated renderings and their preferred replacement.

Two file forms are read and written:

* CSV/TSV with the header ``id,src_lang,tgt_lang,source_term,deprecated,preferred,
  category,severity,note,domain,context,not_context[,admitted]`` (``deprecated`` and
  ``admitted`` hold one or more renderings separated by ``|``; only ``deprecated`` and
  ``preferred`` are required; ``admitted`` renderings are acceptable too: the source-aware
  terminology check does not ask for the preferred one where an admitted one is used).
* TBX-Basic (TBX 2 ``martif``/``termEntry`` and TBX 3 ``tbx``/``conceptEntry``):
  ``normativeAuthorization`` ``preferredTerm``/``admittedTerm``/``deprecatedTerm`` marks the
  renderings. XML is parsed with defusedxml (no entities, no DTDs).

A file is loaded whole or not at all: the first bad row raises GlossaryError
naming the file and line, and nothing of the file is kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from .errors import GlossaryError
from .records import Severity

CSV_COLUMNS = (
    "id",
    "src_lang",
    "tgt_lang",
    "source_term",
    "deprecated",
    "preferred",
    "category",
    "severity",
    "note",
    "domain",
    "context",
    "not_context",
    "admitted",
)
REQUIRED_COLUMNS = ("deprecated", "preferred")
DEFAULT_CATEGORY = "Terminology/Inappropriate for context"
DEFAULT_SEVERITY = Severity.MINOR
#: Categories a glossary entry may carry (MQM top level / subcategory).
KNOWN_CATEGORIES = frozenset(
    {
        "Accuracy/Mistranslation",
        "Accuracy/Omission",
        "Accuracy/Addition",
        "Accuracy/Untranslated",
        "Fluency/Grammar",
        "Fluency/Spelling",
        "Fluency/Punctuation",
        "Fluency/Inconsistency",
        "Style/Awkward",
        "Style/Unidiomatic",
        "Terminology/Inappropriate for context",
        "Terminology/Inconsistent",
        "Locale convention",
    }
)
GLOSSARY_SUFFIXES = (".csv", ".tsv", ".tbx")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """One concept: the renderings to avoid and the one to use instead."""

    id: str
    deprecated: tuple[str, ...]
    preferred: str
    src_lang: str = "zh"
    tgt_lang: str = "en"
    source_term: str = ""
    category: str = DEFAULT_CATEGORY
    severity: Severity = DEFAULT_SEVERITY
    note: str = ""
    domain: str = ""
    context: str = ""
    not_context: str = ""
    #: Other acceptable renderings (TBX admittedTerm): not flagged, not asked to change.
    admitted: tuple[str, ...] = ()
    context_re: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    not_context_re: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def applies_in(self, sentence: str) -> bool:
        """Whether the context conditions hold in ``sentence``."""
        if self.context_re is not None and not self.context_re.search(sentence):
            return False
        return not (self.not_context_re is not None and self.not_context_re.search(sentence))

    @property
    def message(self) -> str:
        if self.note:
            return self.note
        term = f" ({self.source_term})" if self.source_term else ""
        return f"Use the preferred rendering{term}: {self.preferred!r}."

    def as_row(self) -> dict[str, str]:
        return {
            "id": self.id,
            "src_lang": self.src_lang,
            "tgt_lang": self.tgt_lang,
            "source_term": self.source_term,
            "deprecated": " | ".join(self.deprecated),
            "preferred": self.preferred,
            "category": self.category,
            "severity": self.severity.value,
            "note": self.note,
            "domain": self.domain,
            "context": self.context,
            "not_context": self.not_context,
            "admitted": " | ".join(self.admitted),
        }


@dataclass(frozen=True, slots=True)
class Glossary:
    """A named, immutable list of entries."""

    name: str
    entries: tuple[GlossaryEntry, ...]
    path: str | None = None

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def language_pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset((e.src_lang, e.tgt_lang) for e in self.entries)


def make_entry(row: dict[str, str], *, file: str, line: int, default_id: str,
               default_src_lang: str | None = None) -> GlossaryEntry:
    """Build and validate one entry from a row; raise GlossaryError naming the field.

    An entry without ``src_lang`` takes ``default_src_lang`` when one is given. Without either, an
    entry with a source term is refused (its language is never guessed) and one without is a
    target-language entry for every source language (``src_lang`` ``""``)."""

    def get(name: str) -> str:
        return (row.get(name) or "").strip()

    def fail(message: str, name: str) -> GlossaryError:
        return GlossaryError(message, file=file, line=line, field=name)

    deprecated = tuple(d.strip() for d in get("deprecated").split("|") if d.strip())
    if not deprecated:
        raise fail("no deprecated rendering", "deprecated")
    preferred = get("preferred")
    if not preferred:
        raise fail("no preferred rendering", "preferred")
    category = get("category") or DEFAULT_CATEGORY
    if category not in KNOWN_CATEGORIES:
        raise fail(f"unknown MQM category {category!r} (allowed: {', '.join(sorted(KNOWN_CATEGORIES))})",
                   "category")
    src_lang = get("src_lang").lower() or (default_src_lang or "")
    if get("source_term") and not src_lang:
        raise fail("a source term needs its language: add a src_lang column (zh, ru, de, fr...)"
                   " or give the source language explicitly", "src_lang")
    try:
        severity = Severity.parse(get("severity")) if get("severity") else DEFAULT_SEVERITY
    except ValueError as exc:
        raise fail(str(exc), "severity") from None
    patterns: dict[str, re.Pattern[str] | None] = {}
    for name in ("context", "not_context"):
        source = get(name)
        try:
            patterns[name] = re.compile(source, re.IGNORECASE) if source else None
        except re.error as exc:
            raise fail(f"invalid regular expression: {exc}", name) from None
    return GlossaryEntry(
        id=get("id") or default_id,
        deprecated=deprecated,
        preferred=preferred,
        src_lang=src_lang,
        tgt_lang=get("tgt_lang").lower() or "en",
        source_term=get("source_term"),
        category=category,
        severity=severity,
        note=get("note"),
        domain=get("domain"),
        context=get("context"),
        not_context=get("not_context"),
        admitted=tuple(a.strip() for a in get("admitted").split("|") if a.strip()),
        context_re=patterns["context"],
        not_context_re=patterns["not_context"],
    )


def read_delimited(text: str, name: str, delimiter: str = ",", default_src_lang: str | None = None) -> Glossary:
    """Parse CSV (or TSV with ``delimiter='\\t'``) glossary text."""
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise GlossaryError(f"missing column(s) {', '.join(missing)}; header is {header}", file=name, line=1)
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        raise GlossaryError(f"unknown column(s) {', '.join(unknown)}", file=name, line=1)
    entries: list[GlossaryEntry] = []
    seen: set[str] = set()
    stem = Path(name).stem
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise GlossaryError(
                    f"row has {len(header) + len(row[None])} fields, header has {len(header)}",
                    file=name,
                    line=line,
                )
            if not any((v or "").strip() for v in row.values()):
                continue
            entry = make_entry(row, file=name, line=line, default_id=f"{stem}.{len(entries) + 1}",
                               default_src_lang=default_src_lang)
            if entry.id in seen:
                raise GlossaryError(f"duplicate id {entry.id!r}", file=name, line=line, field="id")
            seen.add(entry.id)
            entries.append(entry)
    except csv.Error as exc:
        raise GlossaryError(f"malformed CSV: {exc}", file=name, line=reader.line_num) from None
    return Glossary(name=stem, entries=tuple(entries), path=name)


def write_delimited(glossary: Glossary, delimiter: str = ",") -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    for entry in glossary.entries:
        writer.writerow(entry.as_row())
    return out.getvalue()


# --- TBX ---------------------------------------------------------------------------

_EXTRA_ADMIN = {
    "x-mqm-category": "category",
    "x-severity": "severity",
    "x-context": "context",
    "x-not-context": "not_context",
    "x-src-lang": "src_lang",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(elem: ET.Element, *names: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) in names]


def read_tbx(data: bytes | str, name: str, default_src_lang: str | None = None) -> Glossary:
    """Parse TBX-Basic (v2 martif or v3 tbx) with defusedxml."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data.encode("utf-8") if isinstance(data, str) else data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise GlossaryError(f"refused unsafe XML ({type(exc).__name__})", file=name) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise GlossaryError(f"malformed XML: {exc}", file=name, line=line) from None
    if _local(root.tag) not in ("martif", "tbx"):
        raise GlossaryError(f"not a TBX document (root element <{_local(root.tag)}>)", file=name, line=1)
    entries: list[GlossaryEntry] = []
    stem = Path(name).stem
    for position, concept in enumerate(root.iter(), start=1):
        if _local(concept.tag) not in ("termEntry", "conceptEntry"):
            continue
        row = _tbx_concept_row(concept)
        row.setdefault("id", concept.get("id", ""))
        entries.append(
            make_entry(row, file=name, line=position, default_id=f"{stem}.{len(entries) + 1}",
                       default_src_lang=default_src_lang)
        )
    return Glossary(name=stem, entries=tuple(entries), path=name)


def _lang_of(lang_set: ET.Element) -> str:
    return (lang_set.get(_XML_LANG) or lang_set.get("lang") or "").split("-")[0].lower()


def _tbx_concept_row(concept: ET.Element) -> dict[str, str]:
    row: dict[str, str] = {}
    deprecated: list[str] = []
    preferred: list[str] = []
    admitted: list[str] = []
    notes: list[str] = []
    for elem in concept.iter():
        tag, kind = _local(elem.tag), elem.get("type", "")
        if tag == "descrip" and kind == "subjectField":
            row["domain"] = (elem.text or "").strip()
        elif tag == "admin" and kind in _EXTRA_ADMIN:
            row[_EXTRA_ADMIN[kind]] = (elem.text or "").strip()
    for child in concept:
        if _local(child.tag) == "note":
            notes.append((child.text or "").strip())
    lang_sets = _children(concept, "langSet", "langSec")
    # The target side is the langSet whose terms carry a status (preferred/admitted/deprecated);
    # without any status, English is taken as the target.
    rated = {_lang_of(ls) for ls in lang_sets
             if any(_local(n.tag) == "termNote" and n.get("type") == "normativeAuthorization" for n in ls.iter())}
    for lang_set in lang_sets:
        lang = _lang_of(lang_set)
        for term_group in _children(lang_set, "tig", "ntig", "termSec"):
            term_elems = [t for t in term_group.iter() if _local(t.tag) == "term"]
            if not term_elems:
                continue
            term = "".join(term_elems[0].itertext()).strip()
            status = ""
            for note in term_group.iter():
                if _local(note.tag) == "termNote" and note.get("type") == "normativeAuthorization":
                    status = (note.text or "").strip()
            if lang in rated if rated else lang == "en":
                row["tgt_lang"] = lang
                if status in ("deprecatedTerm", "supersededTerm"):
                    deprecated.append(term)
                elif status == "admittedTerm":
                    admitted.append(term)
                else:
                    preferred.append(term)
            else:
                row["src_lang"] = lang
                row["source_term"] = term
    row["deprecated"] = " | ".join(deprecated)
    row["preferred"] = preferred[0] if preferred else ""
    # A second preferred term is acceptable too: kept as admitted rather than dropped.
    row["admitted"] = " | ".join([*preferred[1:], *admitted])
    row["note"] = " ".join(n for n in notes if n)
    return row


def write_tbx(glossary: Glossary) -> str:
    """Serialise as TBX-Basic (TBX 2, ``martif``), which CAT tools import."""
    root = ET.Element("martif", {"type": "TBX-Basic", _XML_LANG: "en"})
    header = ET.SubElement(root, "martifHeader")
    file_desc = ET.SubElement(header, "fileDesc")
    source_desc = ET.SubElement(file_desc, "sourceDesc")
    ET.SubElement(source_desc, "p").text = f"mt-audit glossary {glossary.name}"
    body = ET.SubElement(ET.SubElement(root, "text"), "body")
    for entry in glossary.entries:
        concept = ET.SubElement(body, "termEntry", {"id": entry.id})
        if entry.domain:
            ET.SubElement(concept, "descrip", {"type": "subjectField"}).text = entry.domain
        extras = {"x-mqm-category": entry.category, "x-severity": entry.severity.value,
                  "x-context": entry.context, "x-not-context": entry.not_context,
                  # With no source term there is no source langSet to carry the pair's source language.
                  "x-src-lang": "" if entry.source_term else entry.src_lang}
        for kind, value in extras.items():
            if value:
                ET.SubElement(concept, "admin", {"type": kind}).text = value
        if entry.note:
            ET.SubElement(concept, "note").text = entry.note
        if entry.source_term:
            src = ET.SubElement(concept, "langSet", {_XML_LANG: entry.src_lang})
            ET.SubElement(ET.SubElement(src, "tig"), "term").text = entry.source_term
        tgt = ET.SubElement(concept, "langSet", {_XML_LANG: entry.tgt_lang})
        renderings = [(entry.preferred, "preferredTerm"), *((a, "admittedTerm") for a in entry.admitted),
                      *((d, "deprecatedTerm") for d in entry.deprecated)]
        for term, status in renderings:
            tig = ET.SubElement(tgt, "tig")
            ET.SubElement(tig, "term").text = term
            ET.SubElement(tig, "termNote", {"type": "normativeAuthorization"}).text = status
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- files -------------------------------------------------------------------------


def parse_glossary(data: bytes, name: str, default_src_lang: str | None = None) -> Glossary:
    """Parse glossary bytes by the file name's suffix (.csv, .tsv, .tbx); ``default_src_lang`` is
    the source language of entries that do not name one (see :func:`make_entry`)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".tbx":
        return read_tbx(data, name, default_src_lang)
    if suffix not in (".csv", ".tsv"):
        raise GlossaryError(f"unknown glossary format {suffix or '(none)'}; use .csv, .tsv or .tbx", file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise GlossaryError("invalid UTF-8", file=name, line=line, byte_offset=exc.start) from None
    return read_delimited(text, name, "\t" if suffix == ".tsv" else ",", default_src_lang)


def load_glossary(path: str | Path, default_src_lang: str | None = None) -> Glossary:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GlossaryError(f"cannot read glossary: {exc.strerror}", file=str(path)) from None
    return parse_glossary(data, str(path), default_src_lang)


def save_glossary(glossary: Glossary, path: str | Path) -> None:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".tbx":
        text = write_tbx(glossary)
    elif suffix in (".csv", ".tsv"):
        text = write_delimited(glossary, "\t" if suffix == ".tsv" else ",")
    else:
        raise GlossaryError(f"unknown glossary format {suffix or '(none)'}", file=str(path))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def default_glossary_dir() -> Path:
    """The shipped glossaries: packaged copy in a wheel, the repository's folder otherwise."""
    packaged = Path(__file__).parent / "_data" / "glossaries"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "glossaries"


def glossary_files(directory: str | Path) -> list[Path]:
    directory = Path(directory)
    return sorted(p for p in directory.iterdir() if p.suffix.lower() in GLOSSARY_SUFFIXES)


def merge(glossaries: Sequence[Glossary], name: str = "merged") -> Glossary:
    entries: list[GlossaryEntry] = []
    for glossary in glossaries:
        entries.extend(glossary.entries)
    return Glossary(name=name, entries=tuple(entries))


def for_pair(glossaries: Iterable[Glossary], src_lang: str | None, tgt_lang: str) -> list[GlossaryEntry]:
    """Entries for one language pair (any source language when ``src_lang`` is None); entries
    without a source language (``""``: target-language entries) serve every source language."""
    return [
        e
        for g in glossaries
        for e in g.entries
        if e.tgt_lang == tgt_lang and (src_lang is None or e.src_lang in (src_lang, ""))
    ]


def other_pairs(glossaries: Iterable[Glossary], src_lang: str | None, tgt_lang: str) -> dict[tuple[str, str], int]:
    """How many entries each language pair other than ``src_lang``→``tgt_lang`` holds: the entries
    :func:`for_pair` leaves out, to report rather than ignore silently."""
    counts: dict[tuple[str, str], int] = {}
    for glossary in glossaries:
        for e in glossary.entries:
            if not (e.tgt_lang == tgt_lang and (src_lang is None or e.src_lang in (src_lang, ""))):
                key = (e.src_lang or "*", e.tgt_lang)
                counts[key] = counts.get(key, 0) + 1
    return counts
