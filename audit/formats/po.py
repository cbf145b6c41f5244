"""Gettext PO: translator comments (``# mt-audit: ...``) and the ``fuzzy`` flag.

Each flag becomes one translator comment after the entry's existing translator comments (the
first comment lines of an entry, gettext's order), and the proposal one more
(``# mt-audit proposal: ...``). Where the proposal differs from ``msgstr`` the entry is marked
``fuzzy``: added to its ``#,`` line (``#, fuzzy, c-format``) or as a new ``#, fuzzy`` line before
``#|``/``msgctxt``/``msgid``. ``msgstr`` itself is never touched: the translator decides.
Entries are found by a line scan that follows gettext's grammar (an entry starts with a comment,
``msgctxt`` or ``msgid`` after a ``msgstr``; obsolete ``#~`` entries count, as for translate-toolkit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import InputError
from .its import issue_line
from .model import UnitAudit
from .splice import POINT, Insertion, apply

_LINE = re.compile(r"[^\n]*\n|[^\n]+$")
_KEYWORD = re.compile(r"(#~\s*)?(msgctxt|msgid|msgid_plural|msgstr(\[\d+\])?)\b")


@dataclass
class Entry:
    start: int  # position of the entry's first line
    lines: list[tuple[int, str]] = field(default_factory=list)  # (position, line with its end)
    has_msgid: bool = False
    has_msgstr: bool = False


def _kind(line: str) -> str:
    stripped = line.strip()
    if not stripped:
        return "blank"
    match = _KEYWORD.match(stripped)
    if match:
        return "msgstr" if match.group(2).startswith("msgstr") else match.group(2)
    if stripped.startswith("#~"):
        return "obsolete-other"
    if stripped.startswith("#"):
        return "comment"
    return "continuation"


def entries(text: str) -> list[Entry]:
    """The entries of a PO file in order (header and obsolete entries included)."""
    found: list[Entry] = []
    current: Entry | None = None
    for match in _LINE.finditer(text):
        line = match.group(0)
        kind = _kind(line)
        if kind == "blank":
            if current is not None and current.has_msgid:
                found.append(current)
                current = None
            continue
        if current is not None and current.has_msgstr and kind in ("comment", "msgctxt", "msgid"):
            found.append(current)
            current = None
        if current is None:
            current = Entry(match.start())
        current.lines.append((match.start(), line))
        current.has_msgid |= kind == "msgid"
        current.has_msgstr |= kind == "msgstr"
    if current is not None and current.has_msgid:
        found.append(current)
    return found


def _is_translator_comment(line: str) -> bool:
    return line.startswith("#") and (len(line) == 1 or line[1] in " \t\r\n")


def _entry_insertions(entry: Entry, audit: UnitAudit, order: int) -> list[Insertion]:
    first_line = entry.lines[0][1]
    newline = "\r\n" if first_line.endswith("\r\n") else "\n"
    comments = [issue_line(issue) for issue in audit.issues]
    if audit.proposal is not None:
        comments.append("mt-audit proposal: " + " ".join(audit.proposal.split()))
    position = entry.start
    for pos, line in entry.lines:
        if not _is_translator_comment(line):
            position = pos
            break
    out = [Insertion(position, POINT, (order, 0), "".join(f"# {c}{newline}" for c in comments))]
    if audit.proposal is None:
        return out
    for pos, line in entry.lines:
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",")]
            if "fuzzy" not in flags:
                out.append(Insertion(pos + 2, POINT, (order, 1), " fuzzy,"))
            return out
    for pos, line in entry.lines:
        if line.startswith("#|") or _KEYWORD.match(line):
            out.append(Insertion(pos, POINT, (order, 1), f"#, fuzzy{newline}"))
            break
    return out


def annotate_po(text: str, unit_count: int, audits: dict[int, UnitAudit], name: str) -> str:
    found = entries(text)
    if len(found) != unit_count:
        raise InputError(f"found {len(found)} entries where translate-toolkit read {unit_count} units; "
                         "cannot place the flags", file=name)
    insertions: list[Insertion] = []
    for position, audit in sorted(audits.items()):
        insertions.extend(_entry_insertions(found[position], audit, position))
    return apply(text, insertions) if insertions else text
