"""Human MQM error annotations: value objects and readers.

Two formats are read:

* JSONL, one segment a line (the development data in ``../shared/benchmarks/``)::

      {"system": str, "doc": str, "seg_id": int|null, "rater": str|null,
       "source": str, "target": str,
       "spans": [{"start": int, "end": int, "severity": "major"|"minor", "text": str, "category": str?}]}

  Only ``target`` and ``spans`` are required; an empty ``spans`` list means "no error".

* The MQM TSV of google/wmt-mqm-human-evaluation (``system doc doc_id seg_id rater source target
  category severity``): one row per error per rater, the error marked ``<v>…</v>`` in the target.
  Rows are grouped by (system, doc, seg_id, rater) into one segment. A ``No-error`` row, a
  ``Neutral`` severity and a ``Source error``/``Source issue`` category mark no translation error;
  an error whose markers enclose nothing (or that has none, e.g. an omission or a whole-segment
  ``Non-translation``) counts as an error of the segment without a span.

Severities are normalised to lower case: ``minor``, ``major``, ``critical``. Every malformed
row raises :class:`audit.errors.InputError` naming the file, the line and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..textio import open_binary

#: Severities that count as an error; "neutral" (a purely subjective remark) does not.
ERROR_SEVERITIES = ("minor", "major", "critical")
MAJOR_SEVERITIES = frozenset({"major", "critical"})
NO_ERROR_SEVERITIES = frozenset({"neutral", "no-error", "no error", "none"})
_NO_ERROR_CATEGORIES = frozenset({"no-error", "no error", "none"})
_SOURCE_CATEGORY = re.compile(r"^source[ _-]?(error|issue)", re.IGNORECASE)
TSV_COLUMNS = ("system", "doc", "doc_id", "seg_id", "rater", "source", "target", "category", "severity")
_MARK_OPEN, _MARK_CLOSE = "<v>", "</v>"


@dataclass(frozen=True, slots=True)
class GoldSpan:
    """One human-marked error: ``target[start:end]`` with its MQM severity (and category if known)."""

    start: int
    end: int
    severity: str
    category: str | None = None

    @property
    def is_major(self) -> bool:
        return self.severity in MAJOR_SEVERITIES


@dataclass(frozen=True, slots=True)
class AnnotatedSegment:
    """One rated translation: its text and the errors one rater marked in it.

    ``spans`` are the located errors; ``unlocated`` holds errors with no target span
    (omissions, whole-segment errors), which count at segment level only.
    """

    system: str
    doc: str
    seg_id: int | None
    rater: str | None
    source: str
    target: str
    spans: tuple[GoldSpan, ...] = ()
    unlocated: tuple[GoldSpan, ...] = field(default=())

    @property
    def has_error(self) -> bool:
        return bool(self.spans or self.unlocated)

    @property
    def has_major(self) -> bool:
        return any(s.is_major for s in self.spans) or any(s.is_major for s in self.unlocated)


def normalise_severity(value: Any, *, file: str, line: int, name: str = "severity") -> str | None:
    """Lower-case severity; ``None`` for a no-error severity (Neutral, No-error)."""
    text = str(value or "").strip().lower()
    if text in NO_ERROR_SEVERITIES:
        return None
    if text not in ERROR_SEVERITIES:
        raise InputError(
            f"unknown severity {value!r} (allowed: Minor, Major, Critical, Neutral, No-error)",
            file=file,
            line=line,
            field=name,
        )
    return text


# --- JSONL --------------------------------------------------------------------------------


def _opt_str(obj: dict[str, Any], key: str, *, file: str, line: int, default: str | None) -> str | None:
    value = obj.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InputError(f"must be a string, got {type(value).__name__}", file=file, line=line, field=key)
    return str(value)


def _parse_json_segment(obj: Any, *, file: str, line: int) -> AnnotatedSegment:
    if not isinstance(obj, dict):
        raise InputError("each line must be a JSON object", file=file, line=line)
    target = obj.get("target")
    if not isinstance(target, str):
        raise InputError("missing or not a string", file=file, line=line, field="target")
    seg_id = obj.get("seg_id")
    if seg_id is not None and (isinstance(seg_id, bool) or not isinstance(seg_id, int)):
        if isinstance(seg_id, str) and seg_id.strip().isdigit():
            seg_id = int(seg_id)
        else:
            raise InputError(f"must be an integer or null, got {seg_id!r}", file=file, line=line, field="seg_id")
    raw_spans = obj.get("spans")
    if not isinstance(raw_spans, list):
        raise InputError(
            "missing or not a list (use [] for an error-free segment)", file=file, line=line, field="spans"
        )
    spans = []
    for index, item in enumerate(raw_spans):
        where = f"spans[{index}]"
        if not isinstance(item, dict):
            raise InputError("must be an object with start, end, severity", file=file, line=line, field=where)
        start, end = item.get("start"), item.get("end")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
            raise InputError("start and end must be integers", file=file, line=line, field=f"{where}.start")
        assert isinstance(start, int) and isinstance(end, int)
        if not 0 <= start <= end <= len(target):
            raise InputError(
                f"span {start}..{end} outside the target (length {len(target)})",
                file=file,
                line=line,
                field=where,
            )
        severity = normalise_severity(item.get("severity"), file=file, line=line, name=f"{where}.severity")
        text = item.get("text")
        if text is not None and text != target[start:end]:
            raise InputError(
                f"text {text!r} is not target[{start}:{end}] = {target[start:end]!r}",
                file=file,
                line=line,
                field=f"{where}.text",
            )
        category = item.get("category")
        if severity is None:
            continue
        span = GoldSpan(start, end, severity, None if category is None else str(category))
        spans.append(span)
    located = tuple(s for s in spans if s.end > s.start)
    unlocated = tuple(s for s in spans if s.end == s.start)
    return AnnotatedSegment(
        system=_opt_str(obj, "system", file=file, line=line, default="") or "",
        doc=_opt_str(obj, "doc", file=file, line=line, default="") or "",
        seg_id=seg_id,
        rater=_opt_str(obj, "rater", file=file, line=line, default=None),
        source=_opt_str(obj, "source", file=file, line=line, default="") or "",
        target=target,
        spans=located,
        unlocated=unlocated,
    )


def iter_jsonl(path: str | Path) -> Iterator[AnnotatedSegment]:
    name = str(path)
    for number, text in _lines(path):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=name, line=number) from None
        yield _parse_json_segment(obj, file=name, line=number)


def read_jsonl(path: str | Path) -> list[AnnotatedSegment]:
    """Every segment of a JSONL annotation file."""
    return list(iter_jsonl(path))


# --- MQM TSV ------------------------------------------------------------------------------


def strip_markers(marked: str, *, file: str, line: int, name: str = "target") -> tuple[str, list[tuple[int, int]]]:
    """Remove ``<v>``/``</v>`` markers; return the plain text and each marked span in it."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    cursor = 0
    open_at: int | None = None
    for match in re.finditer(r"</?v>", marked):
        piece = marked[cursor : match.start()]
        plain.append(piece)
        length += len(piece)
        cursor = match.end()
        if match.group() == _MARK_OPEN:
            if open_at is not None:
                raise InputError(f"nested {_MARK_OPEN} at character {match.start()}", file=file, line=line, field=name)
            open_at = length
        else:
            if open_at is None:
                raise InputError(
                    f"{_MARK_CLOSE} without {_MARK_OPEN} at character {match.start()}",
                    file=file,
                    line=line,
                    field=name,
                )
            spans.append((open_at, length))
            open_at = None
    if open_at is not None:
        raise InputError(f"{_MARK_OPEN} is never closed", file=file, line=line, field=name)
    plain.append(marked[cursor:])
    return "".join(plain), spans


@dataclass
class _Group:
    line: int
    system: str
    doc: str
    seg_id: int | None
    rater: str | None
    source: str
    target: str
    spans: list[GoldSpan] = field(default_factory=list)
    unlocated: list[GoldSpan] = field(default_factory=list)


def _seg_id(value: str, *, file: str, line: int) -> int | None:
    value = value.strip()
    if not value or value.lower() in ("none", "null", "nan"):
        return None
    try:
        return int(value)
    except ValueError:
        raise InputError(f"must be an integer, got {value!r}", file=file, line=line, field="seg_id") from None


def read_mqm_tsv(path: str | Path) -> list[AnnotatedSegment]:
    """Segments of a google/wmt-mqm-human-evaluation TSV, one per (system, doc, seg_id, rater)."""
    name = str(path)
    groups: dict[tuple[str, str, int | None, str | None], _Group] = {}
    columns: dict[str, int] | None = None
    for number, text in _lines(path):
        if not text.strip():
            continue
        cells = text.rstrip("\r\n").split("\t")
        if columns is None:
            lowered = [c.strip().lower() for c in cells]
            if "target" in lowered and "severity" in lowered:
                missing = [c for c in TSV_COLUMNS if c not in lowered and c != "doc_id"]
                if missing:
                    raise InputError(f"header lacks column(s) {missing}", file=name, line=number, field=missing[0])
                columns = {c: lowered.index(c) for c in TSV_COLUMNS if c in lowered}
                continue
            columns = {c: i for i, c in enumerate(TSV_COLUMNS)}  # no header: the standard column order
        if len(cells) < len(columns):
            raise InputError(
                f"expected {len(columns)} tab-separated fields, found {len(cells)}",
                file=name,
                line=number,
                field=TSV_COLUMNS[len(cells)] if len(cells) < len(TSV_COLUMNS) else None,
            )
        row = {c: cells[i] for c, i in columns.items()}
        category = row["category"].strip()
        raw_severity = row["severity"]
        no_error = category.lower() in _NO_ERROR_CATEGORIES or bool(_SOURCE_CATEGORY.match(category))
        if no_error:
            severity = None
        elif category.lower().startswith("non-translation") and raw_severity.strip().lower() not in (
            *ERROR_SEVERITIES,
            *NO_ERROR_SEVERITIES,
        ):
            severity = "major"  # the whole segment is unusable, whatever the severity column says
        else:
            severity = normalise_severity(raw_severity, file=name, line=number)
        target, marked = strip_markers(row["target"], file=name, line=number)
        source, _ = strip_markers(row["source"], file=name, line=number, name="source")
        rater = row["rater"].strip() or None
        seg_id = _seg_id(row["seg_id"], file=name, line=number)
        key = (row["system"], row["doc"], seg_id, rater)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(number, row["system"], row["doc"], seg_id, rater, source, target)
        elif group.target != target:
            raise InputError(
                f"target differs from the one on line {group.line} for the same system, doc, "
                "seg_id and rater (after removing <v> markers)",
                file=name,
                line=number,
                field="target",
            )
        if severity is None:
            continue
        label = category or None
        located = [(s, e) for s, e in marked if e > s]
        if located:
            group.spans.extend(GoldSpan(s, e, severity, label) for s, e in located)
        else:
            group.unlocated.append(GoldSpan(0, 0, severity, label))
    return [
        AnnotatedSegment(g.system, g.doc, g.seg_id, g.rater, g.source, g.target, tuple(g.spans), tuple(g.unlocated))
        for g in groups.values()
    ]


# --- common -------------------------------------------------------------------------------


def _lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Numbered lines, each decoded on its own so a decoding error names its line."""
    name = str(path)
    with open_binary(path, "an annotation file") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"invalid UTF-8 ({exc.reason}) at byte {exc.start} of the line", file=name, line=number
                ) from None
            yield number, text.rstrip("\r\n")


def detect_format(path: str | Path) -> str:
    """``jsonl`` or ``tsv`` from the file suffix."""
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if suffix in (".tsv", ".txt"):
        return "tsv"
    raise InputError(f"cannot tell the format from the suffix {suffix!r}: use --input-format jsonl|tsv", file=str(path))


def read_annotations(path: str | Path, fmt: str | None = None) -> list[AnnotatedSegment]:
    """Read JSONL or MQM TSV (``fmt`` None: by suffix)."""
    fmt = fmt or detect_format(path)
    if fmt == "jsonl":
        return read_jsonl(path)
    if fmt == "tsv":
        return read_mqm_tsv(path)
    raise InputError(f"unknown input format {fmt!r} (jsonl or tsv)", file=str(path))
