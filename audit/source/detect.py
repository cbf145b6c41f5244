"""Offline language detection of a submitted text (lingua-language-detector: models bundled in
the wheel, no download), restricted to the languages mt-audit handles so it is fast and sure."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

#: ISO 639-1 codes the detector chooses among.
DETECTABLE = ("zh", "ru", "de", "fr", "ja", "es", "en", "ko")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in DETECTABLE]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def detect_language(text: str, default: str | None = None) -> str | None:
    """ISO 639-1 code of ``text``'s language, or ``default`` when it cannot be told."""
    sample = text[:2000]
    if not sample.strip():
        return default
    # Script first: decisive and free for CJK.
    if _KANA.search(sample):
        return "ja"
    if _HANGUL.search(sample):
        return "ko"
    if len(_HAN.findall(sample)) >= max(2, len(sample.strip()) // 10):
        return "zh"
    try:
        with _LOCK:
            language = _detector().detect_language_of(sample)
    except ImportError:
        return default
    if language is None:
        return default
    return str(language.iso_code_639_1.name).lower()
