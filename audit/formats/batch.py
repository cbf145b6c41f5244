"""``mt-audit batch``: each XLIFF, PO and TMX member written back with its flags, and its QA report.

After the merge, the run's records (``OUT/parts``) of each translator's file are joined to the
file's units by their ``index`` (the n-th audited unit, as :func:`audit.batch.readers.toolkit_segments`
counts them), the member is read again from the archive, and ``OUT/annotated/<member>`` and
``OUT/qa/<member>.qa.csv`` / ``.qa.xlsx`` are written (temporary file, then rename). A member that
cannot be written back is reported and skipped; the run goes on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import AuditError
from .annotate import annotate, load, translator_format, units_from_records
from .qa import csv_bytes, rows, xlsx_bytes

ANNOTATED_DIR = "annotated"
QA_DIR = "qa"


@dataclass
class WrittenBack:
    files: list[str] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _inside(out: Path, member: str) -> Path:
    """``out/member``, refusing a name that would leave ``out`` (archive names are already checked)."""
    relative = PurePosixPath(member)
    if relative.is_absolute() or ".." in relative.parts:
        raise AuditError("unsafe member name", file=member)
    return out.joinpath(*relative.parts)


def records_by_member(parts: Path, keys: Iterable[str], forced_format: str | None,
                      read_header: Callable[[Path], dict[str, Any]],
                      read_records: Callable[[Path], Iterable[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The records of each translator's file among the run's parts, in unit order."""
    chunks: dict[str, list[tuple[int, Path]]] = {}
    for key in set(keys):
        path = parts / f"{key}.jsonl"
        if not path.exists():
            continue
        header = read_header(path)
        member = header.get("member") or header["doc_id"]
        if translator_format(member, forced_format) is not None:
            chunks.setdefault(member, []).append((int(header["chunk"]), path))
    out: dict[str, list[dict[str, Any]]] = {}
    for member, found in chunks.items():
        out[member] = [r for _, path in sorted(found) for r in read_records(path)]
    return out


def write_back(out: Path, members: Iterable[Any], records: dict[str, list[dict[str, Any]]],
               forced_format: str | None = None) -> WrittenBack:
    """Write the annotated copy and the QA reports of each member that has records."""
    result = WrittenBack()
    for member in members:
        if member.name not in records or member.error is not None:
            continue
        fmt = translator_format(member.name, forced_format)
        try:
            with member.open() as stream:
                data = stream.read()
            loaded = load(data, member.name, fmt or "xliff")
            units = units_from_records(loaded, records[member.name])
            _write(_inside(out / ANNOTATED_DIR, member.name), annotate(loaded, units))
            report = rows(member.name, units)
            qa_base = _inside(out / QA_DIR, member.name)
            _write(qa_base.with_name(qa_base.name + ".qa.csv"), csv_bytes(report))
            _write(qa_base.with_name(qa_base.name + ".qa.xlsx"), xlsx_bytes(report, PurePosixPath(member.name).name))
        except AuditError as exc:
            result.failed.append({"file": exc.file or member.name, "line": exc.line, "message": exc.describe()})
            continue
        result.files.append(member.name)
    return result
