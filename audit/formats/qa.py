"""The QA report of a translator's file, Xbench style: one row per flag, CSV or XLSX.

Columns: file, unit id, source, target, span, start, end, category, severity, ITS type, rule,
message, suggestion, proposal. The CSV is UTF-8 with a byte-order mark (so spreadsheet programs
read it as UTF-8); a cell that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``,
``@``) gets a leading apostrophe there. The XLSX (openpyxl) stores every cell as a string, with a
bold frozen header row, filters and wrapped text, and adds a ``Summary`` sheet: the flags counted by
severity, by category and by rule (:func:`summary_rows`), as a reviewer's first look.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .its import its_type
from .model import UnitAudit

COLUMNS = ("file", "unit", "source", "target", "span", "start", "end", "category", "severity", "its_type",
           "rule", "message", "suggestion", "proposal")
HEADINGS = ("File", "Unit ID", "Source", "Target", "Span", "Start", "End", "Category", "Severity",
            "ITS type", "Rule", "Message", "Suggestion", "Proposal")
WIDTHS = (18, 12, 45, 45, 20, 6, 6, 24, 9, 14, 28, 50, 28, 45)
REPORT_SUFFIXES = (".csv", ".xlsx")


def rows(name: str, units: Iterable[UnitAudit]) -> list[dict[str, Any]]:
    out = []
    for unit in units:
        for issue in unit.issues:
            out.append({
                "file": name, "unit": unit.unit_id, "source": unit.source or "", "target": unit.target,
                "span": issue.text, "start": issue.start, "end": issue.end, "category": issue.category,
                "severity": issue.severity, "its_type": its_type(issue.category, issue.rule), "rule": issue.rule,
                "message": issue.message, "suggestion": issue.suggestion or "", "proposal": unit.proposal or "",
            })
    return out


SUMMARY_GROUPS = (("severity", "Severity"), ("category", "Category"), ("rule", "Rule"))
SEVERITY_ORDER = ("critical", "major", "minor")


def summary_rows(report_rows: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(group, value, flags): the flags counted by severity (critical first), then by category and by
    rule (most first, then by name), then the total."""
    out: list[tuple[str, str, int]] = []
    for key, heading in SUMMARY_GROUPS:
        counts = Counter(str(row[key]) for row in report_rows)
        if key == "severity":
            order = sorted(counts, key=lambda v: (SEVERITY_ORDER.index(v) if v in SEVERITY_ORDER else 9, v))
        else:
            order = sorted(counts, key=lambda v: (-counts[v], v))
        out.extend((heading, value, counts[value]) for value in order)
    out.append(("Total", "flags", len(report_rows)))
    return out


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_bytes(report_rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    for row in report_rows:
        writer.writerow([_csv_cell(row[c]) for c in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(report_rows: list[dict[str, Any]], title: str = "QA") -> bytes:
    try:
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter
    except ImportError as exc:
        raise ConfigError(f"an XLSX report needs openpyxl (pip install 'mt-audit[batch]'): {exc}") from None
    book = Workbook()
    sheet = book.active
    sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "QA"
    sheet.append(HEADINGS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, row in enumerate(report_rows, start=2):
        for column, key in enumerate(COLUMNS, start=1):
            value = row[key]
            cell = sheet.cell(row=number, column=column)
            if isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
                cell.data_type = "s"  # never a formula, whatever the text starts with
            else:
                cell.value = value
            cell.alignment = wrap
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(1, len(report_rows) + 1)}"
    totals = book.create_sheet("Summary")
    totals.append(("Group", "Value", "Flags"))
    for cell in totals[1]:
        cell.font = Font(bold=True)
    for group, value, count in summary_rows(report_rows):
        totals.append((group, ILLEGAL_CHARACTERS_RE.sub("\ufffd", value), count))
        totals.cell(row=totals.max_row, column=2).data_type = "s"
    for column, width in ((1, 12), (2, 40), (3, 8)):
        totals.column_dimensions[get_column_letter(column)].width = width
    totals.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_bytes(path: str | Path, report_rows: list[dict[str, Any]], title: str = "QA") -> bytes:
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return csv_bytes(report_rows)
    if suffix == ".xlsx":
        return xlsx_bytes(report_rows, title)
    raise ConfigError(f"a QA report is .csv or .xlsx, not {suffix or 'no suffix'!r}", file=str(path),
                      field="qa-report")
