"""Latin-script tokens that must survive translation: names written in Latin script inside a
non-Latin source (iPhone, NBA), acronyms, URLs and e-mail addresses, codes with digits (5G, A380).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Units and abbreviations that a translation legitimately spells out or converts.
UNIT_TOKENS = frozenset({
    "km", "kg", "m", "cm", "mm", "g", "mg", "t", "h", "min", "s", "ms", "l", "ml", "gb", "mb", "tb", "kb",
    "hz", "khz", "mhz", "ghz", "kw", "mw", "gw", "kwh", "v", "a", "w", "pm", "am", "no", "vs", "etc", "ok",
    "x", "ha", "km2", "m2", "m3",
})
_URL = re.compile(r"(?:https?://|www\.)[^\s，。、；）)\"'“”]+|[\w.+-]+@[\w-]+\.[\w.-]+", re.IGNORECASE)
_LATIN_TOKEN = re.compile(r"(?<![A-Za-z0-9@/.])[A-Za-z][A-Za-z0-9]*(?:[-&.'][A-Za-z0-9]+)*(?![A-Za-z0-9@])")
_ACRONYM = re.compile(r"^(?:[A-Z]{2,}[0-9]*s?|[A-Z]+[0-9]+[A-Z0-9]*|[0-9]+[A-Z]+[A-Z0-9]*)$")
_CODE = re.compile(r"(?<![A-Za-z0-9@/.,])(?:[A-Za-z]+\d+[A-Za-z\d-]*|\d+[A-Za-z]+[A-Za-z\d]*)(?![A-Za-z0-9@])")
_LATIN_SCRIPTS = frozenset({"en", "de", "fr", "es", "it", "nl", "pt", "pl"})


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    kind: str  # url | acronym | code | latin


def _normal(token: str) -> str:
    return re.sub(r"[^0-9a-z]", "", token.lower())


def source_tokens(text: str, src_lang: str | None) -> list[Token]:
    """Tokens of the source that the target must contain."""
    out: list[Token] = [Token(m.start(), m.end(), m.group().rstrip(".,;:"), "url") for m in _URL.finditer(text)]
    taken = [(t.start, t.end) for t in out]
    latin_source = src_lang in _LATIN_SCRIPTS
    for m in _LATIN_TOKEN.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        word = m.group()
        if _normal(word) in UNIT_TOKENS or len(_normal(word)) < 2:
            continue
        if _ACRONYM.match(word):
            kind = "code" if any(c.isdigit() for c in word) else "acronym"
        elif latin_source:
            continue  # ordinary words of a Latin-script source are translated
        else:
            kind = "latin"
        if latin_source and kind == "acronym":
            continue  # de/fr/es acronyms are often translated (UNO -> UN, OTAN -> NATO)
        out.append(Token(m.start(), m.end(), word, kind))
    return sorted(out, key=lambda t: t.start)


def target_tokens(text: str) -> list[Token]:
    """Tokens of the target that the source must contain: URLs, e-mail addresses, codes with digits."""
    out = [Token(m.start(), m.end(), m.group().rstrip(".,;:"), "url") for m in _URL.finditer(text)]
    taken = [(t.start, t.end) for t in out]
    for m in _CODE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        word = m.group()
        if re.fullmatch(r"\d+(?:st|nd|rd|th|s|m|bn|mn|tn|k|km|kg|cm|mm|pm|am|g|t|h)", word, re.IGNORECASE):
            continue  # ordinals, decades, amounts with units
        out.append(Token(m.start(), m.end(), word, "code"))
    return out


def _fold(text: str) -> str:
    spaced = re.sub(r"[-_/\s]+", " ", text.lower())
    return re.sub(r"[.'’&]", "", spaced)


def contains(text: str, token: str) -> bool:
    """Whether ``token`` occurs in ``text`` as a word (case and inner punctuation folded,
    plural s allowed), or, for an acronym, as the initials of capitalised words
    (WTO = World Trade Organization)."""
    needle = _fold(token).rstrip(":,;")
    if not needle:
        return True
    hay = _fold(text)
    pattern = rf"(?<![a-z0-9]){re.escape(needle)}s?(?![a-z0-9])"
    if re.search(pattern, hay):
        return True
    if needle.endswith("s") and re.search(rf"(?<![a-z0-9]){re.escape(needle[:-1])}(?![a-z0-9])", hay):
        return True
    if token.isupper() and token.isalpha() and len(token) >= 2:
        words = [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() not in ("of", "and", "the", "for", "on", "in")]
        initials = "".join(w[0] for w in words if w[0].isupper())
        return token.upper() in initials
    return False


@dataclass(frozen=True, slots=True)
class MissingToken:
    token: Token
    side: str  # "source": in the source, missing from the target; "target": the other way


def compare(source: str, target: str, src_lang: str | None) -> list[MissingToken]:
    out = [MissingToken(t, "source") for t in source_tokens(source, src_lang) if not contains(target, t.text)]
    out.extend(MissingToken(t, "target") for t in target_tokens(target) if not contains(source, t.text))
    return out
