"""Untranslated text: runs of source-script characters left in the target."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Script ranges per language; a target must not contain runs of another language's script.
SCRIPTS = {
    "han": r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
    "kana": r"\u3040-\u30ff",
    "hangul": r"\uac00-\ud7af\u1100-\u11ff",
    "cyrillic": r"\u0400-\u04ff",
}
#: Scripts that are native to each target language (never "untranslated" there).
NATIVE = {"zh": {"han"}, "ja": {"han", "kana"}, "ko": {"hangul", "han"}, "ru": {"cyrillic"}}
_RUNS = {name: re.compile(rf"[{ranges}]+(?:[\s·・-]*[{ranges}]+)*") for name, ranges in SCRIPTS.items()}


@dataclass(frozen=True, slots=True)
class Untranslated:
    start: int
    end: int
    text: str
    script: str
    source_start: int | None = None
    source_end: int | None = None


def find_untranslated(target: str, tgt_lang: str = "en", source: str | None = None) -> list[Untranslated]:
    native = NATIVE.get(tgt_lang, set())
    out: list[Untranslated] = []
    for name, pattern in _RUNS.items():
        if name in native:
            continue
        for m in pattern.finditer(target):
            s_start = s_end = None
            if source:
                at = source.find(m.group())
                if at >= 0:
                    s_start, s_end = at, at + len(m.group())
            out.append(Untranslated(m.start(), m.end(), m.group(), name, s_start, s_end))
    return sorted(out, key=lambda u: u.start)
