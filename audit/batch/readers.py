"""One reader per format, each yielding documents of :class:`BatchSegment`.

TMX, XLIFF 1.2, XLIFF 2.x and Gettext PO go through translate-toolkit (after a defusedxml
screen of the XML: no DTDs, no entities); CSV/TSV and JSONL take their column/field names
from :class:`ReaderOptions`; plain text is ``name.mt.txt`` with optional ``name.src.txt`` /
``name.ref.txt`` siblings aligned by line, or a lone ``.txt`` (MT only). A bad file raises
:class:`audit.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import codecs
import csv
import json
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..errors import InputError
from ..limits import DEFAULT_MAX_TEXT_CHARS

#: A document longer than this is cut into chunks (units of work and of checkpointing).
DEFAULT_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class BatchSegment:
    doc_id: str
    seg_id: str
    source: str | None
    mt: str
    reference: str | None


@dataclass(slots=True)
class BatchDocument:
    """One unit of work: a document (or one chunk of a long one)."""

    doc_id: str
    chunk: int
    first_index: int  # ordinal of the first segment within the document
    segments: list[BatchSegment]
    member: str = ""
    last: bool = True  # the member's last document

    @property
    def key(self) -> str:
        import hashlib

        return hashlib.sha1(f"{self.doc_id}\x00{self.chunk}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class ReaderOptions:
    source_col: str = "source"
    mt_col: str = "mt"
    ref_col: str = "reference"
    doc_col: str | None = "doc"
    id_col: str | None = "id"
    chunk: int = DEFAULT_CHUNK
    fmt: str | None = None  # force one format for every member
    #: A segment whose MT or source is longer (characters) is not audited: it is reported as skipped
    #: (``summary.json`` and the report) and the rest of its document goes on (audit.limits; None: no limit).
    max_chars: int | None = DEFAULT_MAX_TEXT_CHARS


TEXT_ROLES = {".mt.txt": "mt", ".src.txt": "source", ".ref.txt": "reference"}
FORMATS = ("tmx", "xliff", "xliff2", "po", "csv", "tsv", "jsonl", "txt")


def format_of(name: str) -> str | None:
    lower = name.lower()
    for ext, fmt in ((".tmx", "tmx"), (".xlf", "xliff"), (".xliff", "xliff"), (".sdlxliff", "xliff"),
                     (".po", "po"), (".pot", "po"), (".csv", "csv"), (".tsv", "tsv"), (".jsonl", "jsonl"),
                     (".ndjson", "jsonl"), (".txt", "txt")):
        if lower.endswith(ext):
            return fmt
    return None


def text_group(name: str) -> tuple[str, str]:
    """(stem, role) of a plain-text member: ``a/b.mt.txt`` -> (``a/b``, ``mt``); lone ``.txt`` is MT."""
    lower = name.lower()
    for ext, role in TEXT_ROLES.items():
        if lower.endswith(ext):
            return name[: -len(ext)], role
    return name[: -len(".txt")], "mt"


# --- helpers ------------------------------------------------------------------------------
def _decode(data: bytes, name: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("invalid UTF-8", file=name, line=line, byte_offset=exc.start) from None


def _text_lines(stream: BinaryIO, name: str) -> Iterator[tuple[int, str]]:
    """(line number, line without its newline), decoding strictly."""
    offset = 0
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("invalid UTF-8", file=name, line=number, byte_offset=offset + exc.start) from None
        offset += len(raw)
        yield number, line.rstrip("\r\n")


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _chunked(rows: Iterable[tuple[str, BatchSegment]], member: str, chunk: int) -> Iterator[BatchDocument]:
    """Group consecutive rows by document id and cut long documents into chunks.

    A document id met again after another one continues with the next chunk number, so keys stay unique.
    """
    chunks_seen: dict[str, int] = {}
    counts: dict[str, int] = {}
    current: BatchDocument | None = None
    for doc_id, segment in rows:
        if current is None or current.doc_id != doc_id or len(current.segments) >= chunk:
            if current is not None:
                current.last = False
                yield current
            number = chunks_seen.get(doc_id, 0)
            chunks_seen[doc_id] = number + 1
            current = BatchDocument(doc_id, number, counts.get(doc_id, 0), [], member, True)
        current.segments.append(segment)
        counts[doc_id] = counts.get(doc_id, 0) + 1
    if current is not None:
        current.last = True
        yield current


# --- XML formats (translate-toolkit) --------------------------------------------------------
def _screen_xml(data: bytes, name: str) -> None:
    """Refuse DTDs/entities and report malformed XML with its line (defusedxml)."""
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        SafeET.fromstring(data, forbid_dtd=True)  # any DOCTYPE, external ones included
    except DefusedXmlException as exc:
        raise InputError(f"unsafe XML refused ({type(exc).__name__})", file=name) from None
    except SafeET.ParseError as exc:
        line = getattr(exc, "position", (None, None))[0]
        raise InputError(f"malformed XML: {exc}", file=name, line=line) from None


def _toolkit_units(fmt: str, data: bytes, name: str) -> Any:
    from translate.storage import po, tmx, xliff, xliff2

    try:
        if fmt == "tmx":
            return tmx.tmxfile.parsestring(data).units
        if fmt == "xliff2" or (fmt == "xliff" and b"urn:oasis:names:tc:xliff:document:2." in data[:4096]):
            return xliff2.Xliff2File.parsestring(data).units
        if fmt == "xliff":
            return xliff.xlifffile.parsestring(data).units
        return po.pofile.parsestring(data).units
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - the toolkit raises lxml, ValueError, PoParseError...
        line = getattr(exc, "lineno", None)
        if line is None:
            found = re.search(r"line (\d+)", str(exc))
            line = int(found.group(1)) if found else None
        raise InputError(f"cannot parse {fmt.upper()}: {exc}", file=name, line=line) from None


def parse_units(fmt: str, data: bytes, name: str) -> Any:
    """translate-toolkit's units of a TMX, XLIFF or PO file (the XML screened first)."""
    if fmt != "po":
        _screen_xml(data, name)
    return _toolkit_units(fmt, data, name)


def toolkit_segments(fmt: str, units: Any, name: str) -> Iterator[tuple[int, BatchSegment]]:
    """(position in ``units``, segment) of each unit that is audited: not a header, not obsolete,
    with a target. The n-th pair is the segment with ``index`` n of the document's batch records."""
    for number, unit in enumerate(units, start=1):
        if getattr(unit, "isheader", lambda: False)() or getattr(unit, "isobsolete", lambda: False)():
            continue
        mt = _clean(unit.target)
        if mt is None:
            continue
        locations = unit.getlocations() if fmt == "po" else []
        uid = ",".join(locations) if locations else (unit.getid() or str(number))
        uid = uid.replace("\x04", ":")
        yield number - 1, BatchSegment(name, uid, _clean(unit.source), mt, None)


def read_toolkit(fmt: str, data: bytes, name: str, options: ReaderOptions) -> Iterator[BatchDocument]:
    units = parse_units(fmt, data, name)
    rows = ((name, segment) for _, segment in toolkit_segments(fmt, units, name))
    yield from _chunked(rows, name, options.chunk)


# --- delimited and JSONL --------------------------------------------------------------------
def read_delimited(stream: BinaryIO, name: str, delimiter: str, options: ReaderOptions) -> Iterator[BatchDocument]:
    lines = _text_lines(stream, name)
    current = [0]

    def numbered() -> Iterator[str]:
        for number, line in lines:
            current[0] = number
            yield line

    reader = csv.reader(numbered(), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("empty file", file=name) from None
    except csv.Error as exc:
        raise InputError(f"bad header: {exc}", file=name, line=current[0]) from None
    columns = {h.strip(): i for i, h in enumerate(header)}
    if options.mt_col not in columns:
        raise InputError(f"no MT column {options.mt_col!r} in the header (columns: {', '.join(columns)})",
                         file=name, line=1)

    def get(row: list[str], col: str | None) -> str | None:
        if col is None or col not in columns:
            return None
        index = columns[col]
        return row[index] if index < len(row) else None

    def rows() -> Iterator[tuple[str, BatchSegment]]:
        number = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"bad row: {exc}", file=name, line=current[0]) from None
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputError(f"{len(row)} fields, the header has {len(header)}", file=name, line=current[0])
            number += 1
            mt = _clean(get(row, options.mt_col))
            if mt is None:
                continue
            doc = get(row, options.doc_col)
            doc_id = f"{name}#{doc}" if doc else name
            seg_id = get(row, options.id_col) or str(number)
            yield doc_id, BatchSegment(doc_id, seg_id, _clean(get(row, options.source_col)), mt,
                                       _clean(get(row, options.ref_col)))

    yield from _chunked(rows(), name, options.chunk)


def read_jsonl(stream: BinaryIO, name: str, options: ReaderOptions) -> Iterator[BatchDocument]:
    def rows() -> Iterator[tuple[str, BatchSegment]]:
        for number, line in _text_lines(stream, name):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON: {exc.msg}", file=name, line=number) from None
            if not isinstance(obj, dict):
                raise InputError("expected a JSON object", file=name, line=number)
            mt = obj.get(options.mt_col)
            if mt is not None and not isinstance(mt, str):
                raise InputError("must be a string", file=name, line=number, field=options.mt_col)
            mt = _clean(mt)
            if mt is None:
                continue
            doc = obj.get(options.doc_col) if options.doc_col else None
            doc_id = f"{name}#{doc}" if doc not in (None, "") else name
            seg = obj.get(options.id_col) if options.id_col else None
            yield doc_id, BatchSegment(doc_id, str(seg) if seg is not None else str(number),
                                       _clean(obj.get(options.source_col)), mt, _clean(obj.get(options.ref_col)))

    yield from _chunked(rows(), name, options.chunk)


# --- plain text -----------------------------------------------------------------------------
def read_text_group(stem: str, files: dict[str, tuple[str, bytes]], options: ReaderOptions) -> Iterator[BatchDocument]:
    """``files``: role -> (member name, bytes); aligned by line (blank MT lines are skipped)."""
    if "mt" not in files:
        other = next(iter(files.values()))[0]
        raise InputError("no MT file for this source/reference file (expected a .mt.txt sibling)", file=other)
    mt_name, mt_data = files["mt"]
    mt_lines = _decode(mt_data, mt_name).splitlines()
    side: dict[str, list[str]] = {}
    for role in ("source", "reference"):
        if role in files:
            other_name, data = files[role]
            lines = _decode(data, other_name).splitlines()
            if len(lines) != len(mt_lines):
                raise InputError(f"{len(lines)} lines but the MT file {posixpath.basename(mt_name)} has "
                                 f"{len(mt_lines)}", file=other_name, line=min(len(lines), len(mt_lines)) + 1)
            side[role] = lines
    doc_id = mt_name

    def rows() -> Iterator[tuple[str, BatchSegment]]:
        for index, line in enumerate(mt_lines):
            mt = _clean(line)
            if mt is None:
                continue
            yield doc_id, BatchSegment(doc_id, str(index + 1), _clean(side.get("source", [None] * (index + 1))[index]),
                                       mt, _clean(side.get("reference", [None] * (index + 1))[index]))

    yield from _chunked(rows(), mt_name, options.chunk)


def read_member(name: str, opener: Callable[[], BinaryIO], options: ReaderOptions) -> Iterator[BatchDocument]:
    """Documents of one (non plain-text) member; raises InputError for a bad one."""
    fmt = options.fmt or format_of(name)
    with opener() as stream:
        if fmt in ("tmx", "xliff", "xliff2", "po"):
            data = stream.read()
            yield from read_toolkit(fmt, data, name, options)
        elif fmt in ("csv", "tsv"):
            yield from read_delimited(stream, name, "\t" if fmt == "tsv" else ",", options)
        elif fmt == "jsonl":
            yield from read_jsonl(stream, name, options)
        else:
            raise InputError(f"unknown format {fmt!r}", file=name)


@dataclass
class Skipped:
    file: str
    line: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass
class ReadStats:
    files: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # members of no known format


def iter_documents(members: Iterable[Any], options: ReaderOptions, stats: ReadStats) -> Iterator[BatchDocument]:
    """Documents of every member; a bad member is recorded in ``stats.skipped`` and the rest goes on.

    Plain-text members are grouped by stem (``x.mt.txt`` + ``x.src.txt`` + ``x.ref.txt``): they are
    held (capped by the archive limits) until the end of the archive, then read in name order.
    """
    texts: dict[str, dict[str, tuple[str, bytes]]] = {}
    for member in members:
        fmt = options.fmt or format_of(member.name)
        if member.error is not None:
            stats.files += 1
            stats.skipped.append(Skipped(member.name, None, member.error.describe()))
            continue
        if fmt is None:
            stats.ignored.append(member.name)
            continue
        stats.files += 1
        if fmt == "txt":
            stem, role = text_group(member.name)
            try:
                with member.open() as stream:
                    texts.setdefault(stem, {})[role] = (member.name, stream.read())
            except InputError as exc:
                stats.skipped.append(Skipped(member.name, exc.line, exc.describe()))
            continue
        try:
            yield from within_limit(read_member(member.name, member.open, options), options, stats)
        except InputError as exc:
            stats.skipped.append(Skipped(exc.file or member.name, exc.line, exc.describe()))
    for stem in sorted(texts):
        try:
            yield from within_limit(read_text_group(stem, texts[stem], options), options, stats)
        except InputError as exc:
            stats.skipped.append(Skipped(exc.file or stem, exc.line, exc.describe()))


def within_limit(docs: Iterable[BatchDocument], options: ReaderOptions, stats: ReadStats) -> Iterator[BatchDocument]:
    """Each document without its segments over ``options.max_chars`` (MT or source), each one recorded
    in ``stats.skipped`` with the reason; the rest of the document is audited (its segment indices
    keep their order, with a gap where a segment was left out). A document left with no segment is
    still passed on, empty, so it is listed with 0 segments beside the reason."""
    limit = options.max_chars
    for doc in docs:
        if limit is None:
            yield doc
            continue
        kept: list[BatchSegment] = []
        for segment in doc.segments:
            over = [(name, len(text)) for name, text in (("MT", segment.mt), ("source", segment.source))
                    if text is not None and len(text) > limit]
            if not over:
                kept.append(segment)
                continue
            what = ", ".join(f"{name} of {length:,} characters" for name, length in over)
            stats.skipped.append(Skipped(doc.member or doc.doc_id, None,
                                         f"{doc.doc_id}: segment {segment.seg_id} not audited: {what}, over the "
                                         f"limit of {limit:,} (max_text_chars, --max-chars); the rest of the "
                                         "document is audited"))
        if len(kept) != len(doc.segments):
            doc.segments = kept
        yield doc
