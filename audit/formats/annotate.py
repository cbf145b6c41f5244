"""Read a translator's file, audit its units, write it back with the flags.

Reading is the batch readers' (:mod:`audit.batch.readers`: translate-toolkit after the
defusedxml screen), so ``check`` and ``batch`` see the same units with the same ids. Writing
splices markup into the original text (see :mod:`audit.formats`).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .model import Issue, UnitAudit, by_position

if TYPE_CHECKING:
    from ..pipeline import Auditor

#: Formats that are written back, by the batch readers' format name.
TRANSLATOR_FORMATS = ("xliff", "xliff2", "po", "tmx")
_XML_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}


def translator_format(name: str, forced: str | None = None) -> str | None:
    """The batch reader's format of ``name`` when it is a translator's file (XLIFF, PO, TMX)."""
    from ..batch.readers import format_of

    fmt = forced or format_of(name)
    return fmt if fmt in TRANSLATOR_FORMATS else None


@dataclass
class Loaded:
    """A translator's file read: its text, format and translate-toolkit's units."""

    name: str
    fmt: str
    text: str
    units: Any
    segments: list[tuple[int, Any]]  # (position, BatchSegment) of the audited units


def decode(data: bytes, name: str, fmt: str) -> str:
    """The file as text, for splicing: UTF-8 only (a BOM is kept); any other encoding is refused."""
    if fmt != "po":
        declared = _XML_ENCODING.match(data)
        if declared and declared.group(1).decode("ascii").lower() not in _UTF8:
            raise InputError(f"declares encoding {declared.group(1).decode('ascii')}; only UTF-8 files can be "
                             "written back", file=name, line=1, field="encoding")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("is UTF-16; only UTF-8 files can be written back", file=name, line=1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("invalid UTF-8", file=name, line=line, byte_offset=exc.start) from None


def load(data: bytes, name: str, fmt: str) -> Loaded:
    from ..batch.readers import parse_units, toolkit_segments

    text = decode(data, name, fmt)
    units = parse_units(fmt, data, name)
    return Loaded(name, fmt, text, units, list(toolkit_segments(fmt, units, name)))


def audit_units(auditor: Auditor, loaded: Loaded, source_checks: bool = True) -> list[UnitAudit]:
    """Audit every unit with a target, with its source when it has one (as ``batch`` does)."""
    from ..batch.worker import audit_segments, compose_proposal

    segments = [segment for _, segment in loaded.segments]
    results = audit_segments(auditor, segments, source_checks)
    out = []
    for (position, segment), result in zip(loaded.segments, results, strict=True):
        issues = tuple(Issue.from_flag(f) for r in result.segments for f in r.flags)
        out.append(UnitAudit(position, segment.seg_id, segment.source, segment.mt, issues,
                             compose_proposal(segment.mt, result.segments)))
    return out


def units_from_records(loaded: Loaded, records: Iterable[dict[str, Any]]) -> list[UnitAudit]:
    """The units of a batch run's records of this file (``index``: the n-th audited unit)."""
    out = []
    for record in records:
        index = int(record["index"])
        if not 0 <= index < len(loaded.segments):
            raise InputError(f"the batch records name unit {index + 1} but the file has {len(loaded.segments)} "
                             "audited units (was it changed since the run?)", file=loaded.name, field="index")
        position, segment = loaded.segments[index]
        proposal = (record.get("proposal") or {}).get("text")
        out.append(UnitAudit(position, segment.seg_id, segment.source, segment.mt,
                             tuple(Issue.from_dict(f) for f in record["flags"]), proposal))
    return out


def _writer(fmt: str) -> Callable[[str, int, dict[int, UnitAudit], str], str]:
    if fmt in ("xliff", "xliff2"):
        from .xliff import annotate_xliff

        return annotate_xliff
    if fmt == "tmx":
        from .tmx import annotate_tmx

        return annotate_tmx
    from .po import annotate_po

    return annotate_po


def annotate(loaded: Loaded, audits: Iterable[UnitAudit]) -> bytes:
    """The file's bytes with the flags and proposals of ``audits`` added, nothing else changed."""
    wanted = by_position(audits)
    if not wanted:
        return loaded.text.encode("utf-8")
    try:
        written = _writer(loaded.fmt)(loaded.text, len(loaded.units), wanted, loaded.name)
    except ValueError as exc:
        raise InputError(f"cannot write the flags back: {exc}", file=loaded.name) from None
    return written.encode("utf-8")
