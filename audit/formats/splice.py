"""Insertions into the original text, and where a flagged span's markup can go.

The writers never rewrite a character of the file: they collect :class:`Insertion` s (a position
and the text to add there) and :func:`apply` them. At one position, closing tags go first, then
self-contained markup, then opening tags, each group in an order that keeps the added tags nested.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .xmlscan import Char, Element

CLOSE, POINT, OPEN = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Insertion:
    pos: int
    phase: int
    order: tuple[int, ...]
    text: str


def apply(text: str, insertions: Iterable[Insertion]) -> str:
    pieces: list[str] = []
    last = 0
    for item in sorted(insertions, key=lambda i: (i.pos, i.phase, i.order)):
        pieces.append(text[last:item.pos])
        pieces.append(item.text)
        last = item.pos
    pieces.append(text[last:])
    return "".join(pieces)


@dataclass(frozen=True, slots=True)
class Span:
    """Where a span's opening and closing markup go: ``start``/``end`` are file positions with
    ``start_path``/``end_path`` the elements open there (inside the annotated element)."""

    start: int
    end: int
    start_path: tuple[Element, ...]
    end_path: tuple[Element, ...]

    @property
    def balanced(self) -> bool:
        return len(self.start_path) == len(self.end_path) and all(
            a is b for a, b in zip(self.start_path, self.end_path, strict=True))

    def partly_overlaps(self, other: Span) -> bool:
        return (self.start < other.start < self.end < other.end) or (other.start < self.start < other.end < self.end)


def _outside_atomic(pos: int, path: tuple[Element, ...], atomic: frozenset[str], at_end: bool
                    ) -> tuple[int, tuple[Element, ...]]:
    """A position inside an element whose content is code, not text (XLIFF 1.2 ``ph``, ``bpt``...),
    moved just before (or after) that element."""
    for depth, element in enumerate(path):
        if element.local in atomic:
            return (element.end if at_end else element.start), path[:depth]
    return pos, path


def locate(chars: list[Char], content: tuple[int, int], start: int, end: int,
           atomic: frozenset[str] = frozenset()) -> Span:
    """The file positions of the character span ``start``..``end`` of an element's text (``chars``,
    from :func:`audit.formats.xmlscan.element_text`); ``content``: the element's content range.
    An empty span is a point (``start == end``)."""
    count = len(chars)
    if start >= end:
        if start < count:
            pos, path = chars[start].start, chars[start].path
        elif count:
            pos, path = chars[-1].end, chars[-1].path
        else:
            pos, path = content[0], ()
        pos, path = _outside_atomic(pos, path, atomic, at_end=False)
        return Span(pos, pos, path, path)
    first, last = chars[min(start, count - 1)], chars[min(end, count) - 1]
    pos1, path1 = _outside_atomic(first.start, first.path, atomic, at_end=False)
    pos2, path2 = _outside_atomic(last.end, last.path, atomic, at_end=True)
    return Span(pos1, pos2, path1, path2)


def balance(span: Span) -> Span:
    """The smallest span around ``span`` whose two ends are in the same element: an end inside a
    deeper element moves outside it."""
    common = 0
    for a, b in zip(span.start_path, span.end_path, strict=False):
        if a is not b:
            break
        common += 1
    start = span.start_path[common].start if len(span.start_path) > common else span.start
    end = span.end_path[common].end if len(span.end_path) > common else span.end
    parent = span.start_path[:common]
    return Span(start, end, parent, parent)


def union(a: Span, b: Span) -> Span:
    first = a if a.start <= b.start else b
    last = a if a.end >= b.end else b
    return balance(Span(first.start, last.end, first.start_path, last.end_path))


def nest(spans: list[Span]) -> list[Span]:
    """Each span widened (and balanced) until no two of them partly overlap, so that one element
    each can mark them; the order of ``spans`` is kept."""
    placed: list[Span] = []
    for span in spans:
        current = balance(span)
        changed = True
        while changed:
            changed = False
            for other in placed:
                if current.partly_overlaps(other):
                    current = union(current, other)
                    changed = True
        placed.append(current)
    return placed
