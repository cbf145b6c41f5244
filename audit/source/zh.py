"""Chinese word segmentation and names for the source-aware checks: jieba (dictionary and HMM,
bundled in the wheel: offline) for word boundaries and person/place tags, pypinyin for the
romanization of names.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _jieba() -> tuple[Any, Any] | None:
    """(jieba, jieba.posseg) initialised once, or None when jieba is not installed."""
    try:
        import jieba
        import jieba.posseg
    except ImportError:
        return None
    jieba.setLogLevel(logging.WARNING)
    with _LOCK:
        jieba.initialize()
    return jieba, jieba.posseg


@lru_cache(maxsize=4096)
def word_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The words of ``text`` as (start, end) offsets; empty when jieba is missing."""
    modules = _jieba()
    if modules is None:
        return ()
    jieba, _ = modules
    with _LOCK:
        return tuple((start, end) for _, start, end in jieba.tokenize(text))


def crosses_words(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` cuts through a word (风口 inside 出风口; 党建 across 共产党|建党)."""
    return any(s < start < e or s < end < e for s, e in word_spans(text))


@dataclass(frozen=True, slots=True)
class Name:
    start: int
    end: int
    text: str
    kind: str  # person | place
    #: Whether jieba's dictionary holds the word (its nr entries include 白宫, 高峰, 王子...),
    #: rather than its HMM having found an unknown name (周蕊, 张建宗).
    in_dictionary: bool = False
    tag: str = ""


#: jieba's tags for person names (nr; nrfg: a full name; nrt: a transliterated name) and places.
_NAME_TAGS = {"nr": "person", "nrfg": "person", "nrt": "person", "ns": "place"}


@lru_cache(maxsize=4096)
def names(text: str) -> tuple[Name, ...]:
    """Person and place names that jieba's tagger finds in ``text``."""
    modules = _jieba()
    if modules is None:
        return ()
    jieba, posseg = modules
    frequencies = jieba.dt.FREQ
    out = []
    offset = 0
    with _LOCK:
        pairs = list(posseg.cut(text))
    for pair in pairs:
        word, tag = pair.word, pair.flag
        start = text.find(word, offset)
        if start < 0:
            continue
        offset = start + len(word)
        kind = _NAME_TAGS.get(tag)
        if kind is not None:
            out.append(Name(start, offset, word, kind, bool(frequencies.get(word)), tag))
    return tuple(out)


def pinyin_syllables(text: str) -> list[str]:
    """Toneless pinyin syllables of ``text`` (习近平 -> xi, jin, ping); empty without pypinyin."""
    try:
        from pypinyin import lazy_pinyin
    except ImportError:
        return []
    return [s for s in lazy_pinyin(text) if s.isascii() and s.isalpha()]
