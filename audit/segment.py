"""Step 1, segment: document -> paragraphs -> sentences with document offsets.

Sentence boundaries come from pysbd (rule-based, language-aware); it keeps
abbreviations such as "U.S." and hyphenated compounds such as
"Sino-American-Russian" whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from .errors import ConfigError
from .records import Paragraph, Segment

#: Languages pysbd segments; codes are ISO 639-1.
SUPPORTED_LANGUAGES = frozenset(
    {"en", "zh", "ru", "de", "fr", "es", "ja", "it", "nl", "pl", "ar", "hi", "fa", "el", "da", "my",
     "am", "hy", "bg", "kk", "mr", "ur", "sk"}
)


#: A possible sentence boundary: an end mark, closing quotes, space, then a capital, digit or
#: opening quote; or a CJK end mark (no space needed). A paragraph without one before its last
#: character is a single sentence, and pysbd (the slow, careful splitter) is not needed.
_POSSIBLE_BOUNDARY = re.compile(r"[.!?…][\"'”’)\]]*\s+[\"'“‘(\[]*[A-Z0-9\u00c0-\u024f\u0400-\u04ff]|[。！？]|\n")


@lru_cache(maxsize=16)
def _pysbd(language: str) -> Any:
    import pysbd  # imported lazily: its rule tables take a moment to build

    # pysbd builds ~3 regexes per abbreviation from strings on every call, more than the
    # re module's 512-entry cache holds, so the cache thrashed and recompiled them every
    # sentence (a third of check's time outside Harper). A larger cache keeps them compiled.
    re._MAXCACHE = max(getattr(re, "_MAXCACHE", 512), 4096)  # type: ignore[attr-defined]
    return pysbd.Segmenter(language=language, clean=False, char_span=True)


class SentenceSplitter:
    """Splits paragraphs into sentences for one language."""

    def __init__(self, language: str = "en") -> None:
        if language not in SUPPORTED_LANGUAGES:
            raise ConfigError(f"no sentence splitter for language {language!r}", field="language")
        self.language = language

    def split(self, text: str) -> list[tuple[int, int]]:
        """Return ``(start, end)`` offsets of the sentences of ``text``, whitespace trimmed."""
        spans: list[tuple[int, int]] = []
        stripped = text.strip()
        if not stripped:
            return spans
        if not _POSSIBLE_BOUNDARY.search(stripped[:-1]):
            # No sentence-end mark before the last character: one sentence, pysbd not needed.
            start = len(text) - len(text.lstrip())
            return [(start, start + len(stripped))]
        for piece in _pysbd(self.language).segment(text):
            start, end = piece.start, piece.end
            # pysbd includes trailing whitespace; offsets must frame the sentence only.
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                spans.append((start, end))
        return _verified(text, spans)


def _verified(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """pysbd's char spans can drift on unusual whitespace; fall back to a find()."""
    fixed: list[tuple[int, int]] = []
    cursor = 0
    for start, end in spans:
        if start >= cursor:
            fixed.append((start, end))
            cursor = end
        else:
            fixed.append((cursor, max(cursor, end)))
            cursor = max(cursor, end)
    return [(s, e) for s, e in fixed if s < e]


def segment_paragraphs(
    paragraphs: Iterable[Paragraph], splitter: SentenceSplitter, first_id: int = 0
) -> Iterator[Segment]:
    """Yield sentences of each paragraph with document offsets and running ids."""
    next_id = first_id
    for paragraph in paragraphs:
        for start, end in splitter.split(paragraph.text):
            yield Segment(
                id=next_id,
                start=paragraph.start + start,
                end=paragraph.start + end,
                text=paragraph.text[start:end],
                paragraph=paragraph.index,
            )
            next_id += 1


def segment_text(text: str, language: str = "en") -> list[Segment]:
    """Convenience: all sentences of an in-memory text."""
    from .textio import iter_paragraphs

    return list(segment_paragraphs(iter_paragraphs([text]), SentenceSplitter(language)))
