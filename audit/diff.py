"""Word-level diff between an MT sentence and its correction (for reports and review pages).

Words, punctuation marks and spaces are separate tokens, aligned by a weighted longest common
subsequence in which words weigh more than punctuation and spaces, so a shared full stop or space
never pulls the words out of line ("China-U.S. game" -> "China–US rivalry" diffs as ``China``,
``-U.S.`` -> ``–US``, `` ``, ``game`` -> ``rivalry``). A change that only swaps punctuation is a piece
with ``punct=True`` and a ``note`` naming the marks (``hyphen-minus → en dash``), so a page can
show it visibly.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")
#: Above this many tokens on both sides multiplied, fall back to difflib (quadratic table).
MAX_TABLE_CELLS = 250_000


@dataclass(frozen=True, slots=True)
class DiffPiece:
    """``op`` is ``equal``, ``delete`` or ``insert``; ``punct``: a punctuation-only change."""

    op: str
    text: str
    punct: bool = False
    note: str | None = None


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _weight(token: str) -> int:
    if token.isspace():
        return 1
    if token[0].isalnum() or token[0] == "_":
        return 4 + len(token)
    return 2


def _lcs_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes from a weighted LCS table (words count more than marks and spaces)."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        for j in range(m - 1, -1, -1):
            best = below[j] if below[j] >= row[j + 1] else row[j + 1]
            if a[i] == b[j]:
                best = max(best, below[j + 1] + _weight(a[i]))
            row[j] = best
    ops: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    while i < n or j < m:
        if i < n and j < m and a[i] == b[j] and table[i][j] == table[i + 1][j + 1] + _weight(a[i]):
            _append(ops, "equal", i, i + 1, j, j + 1)
            i, j = i + 1, j + 1
        elif j < m and (i == n or table[i][j + 1] >= table[i + 1][j]):
            _append(ops, "insert", i, i, j, j + 1)
            j += 1
        else:
            _append(ops, "delete", i, i + 1, j, j)
            i += 1
    return ops


def _append(ops: list[tuple[str, int, int, int, int]], op: str, i1: int, i2: int, j1: int, j2: int) -> None:
    if ops and ops[-1][0] == op:
        _, a1, _, b1, _ = ops[-1]
        ops[-1] = (op, a1, i2, b1, j2)
    else:
        ops.append((op, i1, i2, j1, j2))


def _is_punct(text: str) -> bool:
    return bool(text) and not any(c.isalnum() or c.isspace() for c in text)


def _mark_name(char: str) -> str:
    return unicodedata.name(char, f"U+{ord(char):04X}").lower()


def punct_note(old: str, new: str) -> str:
    """``hyphen-minus → en dash`` (each side's marks by Unicode name)."""
    return f"{' '.join(_mark_name(c) for c in old) or 'nothing'} → {' '.join(_mark_name(c) for c in new) or 'nothing'}"


def _grouped(a: list[str], b: list[str]) -> list[tuple[str, str, str]]:
    """(op, old text, new text) runs: ``equal``, or ``change`` with the deleted and inserted text."""
    opcodes: list[tuple[str, int, int, int, int]]
    if len(a) * len(b) > MAX_TABLE_CELLS:
        opcodes = list(difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes())
    else:
        opcodes = _lcs_opcodes(a, b)
    runs: list[tuple[str, str, str]] = []
    for op, i1, i2, j1, j2 in opcodes:
        old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            runs.append(("equal", old, new))
        elif runs and runs[-1][0] == "change":
            runs[-1] = ("change", runs[-1][1] + old, runs[-1][2] + new)
        else:
            runs.append(("change", old, new))
    return runs


def word_diff(old: str, new: str) -> list[DiffPiece]:
    """Pieces that rebuild ``old`` (equal+delete) and ``new`` (equal+insert)."""
    pieces: list[DiffPiece] = []
    for op, removed, added in _grouped(tokenize(old), tokenize(new)):
        if op == "equal":
            pieces.append(DiffPiece("equal", removed))
            continue
        punct = (_is_punct(removed) or not removed) and (_is_punct(added) or not added)
        note = punct_note(removed, added) if punct else None
        if removed:
            pieces.append(DiffPiece("delete", removed, punct, note))
        if added:
            pieces.append(DiffPiece("insert", added, punct, note))
    return pieces
