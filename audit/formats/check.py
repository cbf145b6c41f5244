"""``mt-audit check FILE.xlf|.xliff|.po|.tmx``: audit a translator's file, report its flags, and
write the file back with them (``--annotate OUT``) and a QA report (``--qa-report R.csv|R.xlsx``)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from ..config import AuditConfig
from ..errors import ConfigError
from .annotate import annotate, audit_units, load, translator_format
from .model import UnitAudit
from .qa import report_bytes, rows

SEVERITY_RANK = {"minor": 1, "major": 2, "critical": 3}


def write_atomic(path: str | Path, data: bytes) -> None:
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def _summary(units: list[UnitAudit]) -> dict[str, Any]:
    issues = [i for u in units for i in u.issues]
    return {
        "units": len(units), "flagged": sum(1 for u in units if u.issues), "flags": len(issues),
        "proposals": sum(1 for u in units if u.proposal is not None),
        "flags_by_category": dict(sorted(Counter(i.category for i in issues).items())),
        "flags_by_severity": dict(sorted(Counter(i.severity for i in issues).items())),
    }


def write_json(name: str, fmt: str, units: list[UnitAudit], out: TextIO) -> None:
    data = {
        "file": name, "format": fmt,
        "units": [{"id": u.unit_id, "source": u.source, "target": u.target,
                   "flags": [{"start": i.start, "end": i.end, "text": i.text, "rule": i.rule, "category": i.category,
                              "severity": i.severity, "message": i.message, "suggestion": i.suggestion}
                             for i in u.issues],
                   "proposal": u.proposal} for u in units],
        "summary": _summary(units),
    }
    json.dump(data, out, ensure_ascii=False, indent=1)
    out.write("\n")


def write_text(name: str, units: list[UnitAudit], out: TextIO, show_all: bool = False) -> None:
    for unit in units:
        if not unit.issues and not show_all:
            continue
        out.write(f"unit {unit.unit_id}\n")
        if unit.source:
            out.write(f"  source:   {unit.source}\n")
        out.write(f"  target:   {unit.target}\n")
        for issue in unit.issues:
            out.write(f'  [{issue.severity}] {issue.category} {issue.rule} "{issue.text}" '
                      f"({issue.start}-{issue.end}): {issue.message}\n")
            if issue.suggestion:
                out.write(f"      suggestion: {issue.suggestion}\n")
        if unit.proposal is not None:
            out.write(f"  proposal: {unit.proposal}\n")
    s = _summary(units)
    out.write(f"{name}: {s['units']} units, {s['flagged']} flagged, {s['flags']} flags, "
              f"{s['proposals']} proposals\n")


def check_translator_file(path: str, config: AuditConfig, *, fmt: str = "text", output: TextIO,
                          annotate_to: str | None = None, qa_report: str | None = None,
                          show_all: bool = False, source_checks: bool = True, source_file: str | None = None,
                          store: bool = False) -> int:
    """Audit ``path``; print the flags to ``output`` (text or JSON), write the annotated file and the
    QA report where asked. Returns the worst severity rank found (0: none)."""
    from ..pipeline import Auditor
    from ..textio import open_binary

    kind = translator_format(path)
    if kind is None:
        raise ConfigError("--annotate and --qa-report need an XLIFF (.xlf, .xliff), PO or TMX file", file=path)
    if source_file is not None or store:
        raise ConfigError(f"--{'source' if source_file is not None else 'store'} is for plain text: an XLIFF, PO or "
                          "TMX file carries its source in each unit", file=path)
    if fmt == "html":
        raise ConfigError("--format html is for plain text; use text or json for XLIFF, PO and TMX", file=path,
                          field="format")
    if annotate_to is not None and Path(annotate_to).resolve() == Path(path).resolve():
        raise ConfigError("--annotate would overwrite the input file; write to another path", file=annotate_to,
                          field="annotate")
    with open_binary(path) as handle:
        data = handle.read()
    loaded = load(data, path, kind)
    units = audit_units(Auditor(config), loaded, source_checks)
    if annotate_to is not None:
        write_atomic(annotate_to, annotate(loaded, units))
    if qa_report is not None:
        write_atomic(qa_report, report_bytes(qa_report, rows(Path(path).name, units), Path(path).name))
    if fmt == "json":
        write_json(path, kind, units, output)
    else:
        write_text(path, units, output, show_all)
    return max((SEVERITY_RANK.get(i.severity, 1) for u in units for i in u.issues), default=0)
