"""Word-level diff between an MT sentence and its correction (for reports and review pages)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")


@dataclass(frozen=True, slots=True)
class DiffPiece:
    """``op`` is ``equal``, ``delete`` or ``insert``."""

    op: str
    text: str


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[DiffPiece]:
    """Pieces that rebuild ``old`` (equal+delete) and ``new`` (equal+insert)."""
    a, b = tokenize(old), tokenize(new)
    pieces: list[DiffPiece] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(DiffPiece("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(DiffPiece("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(DiffPiece("insert", "".join(b[j1:j2])))
    return pieces
