"""Numeric quantities with spans, normalised so that equal amounts compare equal across languages.

``3.5万`` and ``35,000``, ``两亿`` and ``200 million``, ``百分之五十`` and ``50%``, ``半`` and
``half``, ``2021年10月16日`` and ``October 16, 2021``, ``три миллиона`` and ``3 million`` all
extract the same values. Chinese numerals are converted by ``cn2an``; Russian and English
number words come from an inverse table built with ``num2words`` (the maintained generator),
not from hand-written lists, and Russian numerals in oblique cases (трёх, пяти, двумя) are
lemmatised by ``pymorphy3`` before the lookup.

A quantity is *salient* when it is worth a flag if unmatched: digits always; number words and
Chinese numerals from 2 up (and only with a classifier or a scale for one-character Chinese
numerals, which are common inside words: 两国, 三国, 一带一路). Non-salient quantities (``one``,
``both``, ``一``) can still satisfy a match; they are never flagged themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

#: Relative tolerance when comparing two values (rounding in the translation).
NUMBER_TOLERANCE = 0.001


@dataclass(frozen=True, slots=True)
class Quantity:
    """A normalised amount found at ``text[start:end]``."""

    value: float
    kind: str  # number | percent | year | month | day
    start: int
    end: int
    text: str
    salient: bool = True
    alternatives: tuple[float, ...] = ()

    def values(self) -> tuple[float, ...]:
        return (self.value, *self.alternatives)


def same_value(a: float, b: float, tolerance: float = NUMBER_TOLERANCE) -> bool:
    """Equal up to rounding; whole numbers under 10,000 (years, counts, days) must be equal:
    1992 is not 1993."""
    if a.is_integer() and b.is_integer() and max(abs(a), abs(b)) < 10_000:
        return a == b
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))


def matches(a: Quantity, b: Quantity) -> bool:
    return any(same_value(x, y) for x in a.values() for y in b.values())


# --- Chinese ---------------------------------------------------------------------------
_ZH_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7,
              "捌": 8, "玖": 9}
_ZH_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_ZH_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_ZH_NUMERAL_CHARS = "".join([*_ZH_DIGITS, *_ZH_SMALL_UNITS, *_ZH_BIG_UNITS])
#: Characters after a one-character numeral that make it a count (三人, 五年, 两架).
_ZH_CLASSIFIERS = set("个人名位次年岁天日月周届项家条件台架辆艘吨米元倍份度秒起例座所只头批场轮种股")
#: Before a numeral these make it approximate (数万 tens of thousands, 几十 dozens).
_ZH_APPROXIMATE = set("数几")
_ZH_ARABIC = re.compile(
    r"(?<![\d.])(?<![A-Za-z]-)(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![A-Z\d])"
    r"\s*(?:多|余)?\s*(?P<scale>万亿|亿|万|千|百)?"
    r"\s*(?P<suffix>%|％|年|月|日|号|多)?"
)
_ZH_NUMERAL = re.compile(
    rf"(?P<pct>百分之)?(?P<num>[{_ZH_NUMERAL_CHARS}]+(?:[点點][{''.join(_ZH_DIGITS)}]+[万萬亿億]*)?)(?P<suffix>年|月|日|号)?"
)
_ZH_RANGE = re.compile(r"([一二两三四五六七八九])([二三四五六七八九])([十百千万亿]+)")
#: A clock time written with H (08H00, Macao style): the hour counts, the minutes do not.
_ZH_CLOCK = re.compile(r"(?<![\dA-Za-z])(\d{1,2})[Hh](\d{2})(?![\dA-Za-z])")
_ZH_HALF = re.compile(r"半(?=[个年天月小]|$)|一半|[一两三四五六七八九十](?=个半)")


def _cn2an(text: str) -> float | None:
    import cn2an

    try:
        return float(cn2an.cn2an(text, "normal"))
    except (ValueError, KeyError):  # cn2an's answers to strings that are not one numeral
        return None


def parse_zh_numeral(text: str) -> float | None:
    """Value of a Chinese numeral: 三千五百 -> 3500, 两亿 -> 2e8, 二〇二一 -> 2021, 三点五 -> 3.5.

    The conversion is ``cn2an`` (maintained, offline); this adds what it refuses: a decimal
    followed by a scale (三点五万 -> 35,000) and scales written alone (万 -> 1e4, 千万 -> 1e7).
    """
    if not text:
        return None
    if all(c in _ZH_SMALL_UNITS or c in _ZH_BIG_UNITS for c in text):
        value = 1.0
        for c in text:
            value *= _ZH_SMALL_UNITS.get(c) or _ZH_BIG_UNITS[c]
        return value
    scale = 1.0
    if "点" in text or "點" in text:
        while text and text[-1] in _ZH_BIG_UNITS:
            scale *= _ZH_BIG_UNITS[text[-1]]
            text = text[:-1]
    parsed = _cn2an(text.replace("點", "点").replace("億", "亿").replace("萬", "万").replace("兩", "两"))
    return None if parsed is None else parsed * scale


def _kind_for_suffix(suffix: str | None, value: float) -> str:
    if suffix in ("%", "％"):
        return "percent"
    if suffix == "年" and 1000 <= value <= 2200:
        return "year"
    if suffix == "月":
        return "month"
    if suffix in ("日", "号"):
        return "day"
    return "number"


def _clock_times(text: str, taken: list[tuple[int, int]]) -> list[Quantity]:
    """08H00: the hour counts, the minutes do not (they satisfy a match only)."""
    out = []
    for m in _ZH_CLOCK.finditer(text):
        out.append(Quantity(float(m.group(1)), "number", m.start(1), m.end(1), m.group(1)))
        out.append(Quantity(float(m.group(2)), "number", m.start(2), m.end(2), m.group(2), salient=False))
        taken.append((m.start(), m.end()))
    return out


#: After a century numeral: its decade (20世纪90年代).
_ZH_DECADE = re.compile(rf"世纪([{''.join(_ZH_DIGITS)}十]+|\d{{1,2}})年代")


def _digit_readings(numeral: str) -> tuple[float, ...]:
    """Values a string of Chinese digits without units may stand for: each digit (a range, 四五),
    the digits read together (九二 92, and as a year 1992 or 2092), and each split in two (九一一:
    9 and 11, 91 and 1)."""
    digits = "".join(str(_ZH_DIGITS[c]) for c in numeral)
    values = [float(d) for d in digits] + [float(digits)]
    if len(digits) == 2:
        values += [1900.0 + int(digits), 2000.0 + int(digits)]
    for cut in range(1, len(digits)):
        values += [float(digits[:cut]), float(digits[cut:])]
    return tuple(dict.fromkeys(values))


def _zh_abbreviation(numeral: str, start: int) -> Quantity | None:
    """A numeral cn2an refuses that is a numeral followed by one more digit: the abbreviations of
    plans and congresses (十三五 "the 13th Five-Year Plan", 十四五): both parts match, none is flagged."""
    for cut in range(len(numeral) - 1, 0, -1):
        head, tail = parse_zh_numeral(numeral[:cut]), parse_zh_numeral(numeral[cut:])
        if head is not None and tail is not None:
            return Quantity(head, "number", start, start + len(numeral), numeral, False, (tail,))
    return None


def extract_zh(text: str) -> list[Quantity]:
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    out.extend(_clock_times(text, taken))
    for m in _ZH_ARABIC.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if re.match(r"[A-Za-z]", text[m.start() - 1:m.start()]) and m.group("suffix") != "年":
            continue  # digits of a code or name (G20, 08H00, COVID-19); APEC2020年 is a year
        value = float(m.group("num").replace(",", ""))
        scale = m.group("scale")
        if scale:
            value *= {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2}[scale]
        suffix = m.group("suffix")
        multiplier = text[m.end():m.end() + 1] == "倍"  # 1倍多 "more than doubled"
        end = m.end() if suffix in ("%", "％") else m.end("scale") if scale else m.end("num")
        if not suffix and not scale and text[m.end():m.end() + 1] == "成" and value <= 10:
            suffix, value, end = "%", value * 10, m.end() + 1  # 6成 = 60%
        # 1 is often "a", "per", "the" in the translation (1美元兑7元: 7 yuan per dollar); it
        # still satisfies a "1" in the target, but is not flagged when missing.
        salient = not multiplier and value != 1
        alts: tuple[float, ...] = ()
        century = None if scale or suffix else _ZH_DECADE.match(text, m.end("num"))
        if century is not None:
            # 20世纪90年代 "the 1990s" (or "the 90s of the 20th century").
            decade = parse_zh_numeral(century.group(1)) or 0.0
            value, alts, salient = (value - 1) * 100 + decade, (value, decade), False
        out.append(Quantity(value, _kind_for_suffix(suffix, value), m.start(), end, text[m.start():end],
                            salient=salient, alternatives=alts))
        taken.append((m.start(), m.end()))
    for m in _ZH_NUMERAL.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        numeral = m.group("num")
        parsed = parse_zh_numeral(numeral)
        approx = _ZH_RANGE.fullmatch(numeral)
        if parsed is None and approx is not None:
            # 五六百 "five or six hundred": either end satisfies a match, neither is flagged.
            unit = parse_zh_numeral(approx.group(3)) or 1.0
            low, high = _ZH_DIGITS[approx.group(1)] * unit, _ZH_DIGITS[approx.group(2)] * unit
            out.append(Quantity(low, "number", m.start(), m.end("num"), numeral, False, (high,)))
            taken.append((m.start(), m.end()))
            continue
        if parsed is None:
            abbreviation = _zh_abbreviation(numeral, m.start())
            if abbreviation is not None:
                out.append(abbreviation)
                taken.append((m.start(), m.end()))
            continue
        value = parsed
        pct = bool(m.group("pct"))
        if not pct and text[m.end("num"):m.end("num") + 1] == "成" and value <= 10:
            pct, value = True, value * 10  # 六成 = 60%
        suffix = "%" if pct else m.group("suffix")
        start = m.start()
        end = m.end("num")
        nxt = text[end:end + 1]
        one_char = len(numeral) == 1 and not pct
        salient = value >= 2 and (not one_char or nxt in _ZH_CLASSIFIERS or bool(m.group("suffix")))
        if numeral in ("十",) and not m.group("suffix"):
            salient = salient and nxt in _ZH_CLASSIFIERS
        # Scales written alone inside words (千万 "by all means", 万一 "in case") are not amounts.
        # A scale alone is an idiom even before a classifier (百年 "centenary", 万人 "crowds").
        scale_word = numeral in ("千万", "万一", "一一", "百万", "万", "亿", "千", "百")
        if scale_word and not pct and (nxt not in _ZH_CLASSIFIERS or len(numeral) == 1):
            salient = False
        if numeral == "一" and text[end:end + 1] == "半":
            continue
        alts = ()
        if numeral == "十" or text[start - 1:start] in _ZH_APPROXIMATE or nxt == "倍":
            salient = False
        if 2 <= len(numeral) <= 3 and all(c in _ZH_DIGITS for c in numeral) and m.group("suffix") != "年":
            # 四五天, 七八个: "four or five days", an approximate range, not the number 45; 九二共识
            # "the 1992 Consensus", 九一一 "9/11", 五四运动 "the May Fourth Movement": digits
            # read one by one name a year or a date. Any reading satisfies a match; none is flagged.
            alts = _digit_readings(numeral)
            salient = False
        century = _ZH_DECADE.match(text, end)
        if century is not None and m.group("suffix") is None:
            # 20世纪90年代 "the 1990s" (or "the 90s of the 20th century").
            decade = parse_zh_numeral(century.group(1)) or 0.0
            alts = (value, decade)
            value = (value - 1) * 100 + decade
            salient = False
        if text[end:end + 2] == "个半":
            alts = (value + 0.5,)
        out.append(Quantity(value, _kind_for_suffix(suffix, value), start, end, text[start:end], salient, alts))
        taken.append((start, m.end()))
    for m in _ZH_HALF.finditer(text):
        if m.group() in ("半", "一半"):
            if any(s <= m.start() < e for s, e in taken):
                continue
            out.append(Quantity(0.5, "number", m.start(), m.end(), m.group(), salient=False))
    return sorted(out, key=lambda q: (q.start, q.end))


# --- English and Russian number words (inverse num2words tables) ---------------------------
@lru_cache(maxsize=4)
def _word_table(lang: str) -> dict[str, float]:
    from num2words import num2words

    table: dict[str, float] = {}
    for n in range(0, 100):
        words = num2words(n, lang=lang)
        if " " not in words and "-" not in words:
            table[words] = float(n)
    if lang == "en":
        table.update({"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
                      "dozen": 12})
    else:  # ru: hundreds and the scale words in the cases they take after numerals
        for n in range(100, 1000, 100):
            table[num2words(n, lang="ru")] = float(n)
        for base, scale in ((1000, 1e3), (10**6, 1e6), (10**9, 1e9), (10**12, 1e12)):
            for count in (1, 2, 5):
                word = num2words(count * base, lang="ru").split()[-1]
                table[word] = scale
        table.update({"тыс": 1e3, "тыс.": 1e3, "млн": 1e6, "млн.": 1e6, "млрд": 1e9, "млрд.": 1e9,
                      "трлн": 1e12, "трлн.": 1e12, "ноль": 0, "нуль": 0, "одна": 1, "две": 2, "полтора": 1.5,
                      "полторы": 1.5})
        table.update(_RU_EXTRA_LEMMAS)
    return table


_SCALES = {1e3, 1e6, 1e9, 1e12}
_EN_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_RU_MONTHS = {stem: i for i, stem in enumerate(
    ["январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр"],
    start=1)}
_EN_SCALE_ABBR = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "millions": 1e6, "bn": 1e9,
                  "billion": 1e9, "billions": 1e9, "trillion": 1e12, "tn": 1e12, "hundred": 100}
_EN_DIGITS = re.compile(
    r"(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<ord>st|nd|rd|th)?"
    r"(?:\s*(?P<pct>%|percent\b|per cent\b)"
    r"|[\s-]*(?P<scale>thousand|millions?|billions?|trillion|hundred|bn|mn|tn|k|m)\b)?"
    r"(?:\s*(?P<pm>p\.?m\.?|a\.?m\.?)(?!\w))?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z]+")
_RU_DIGITS = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:[\u00a0\u202f ]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
    r"(?:\s*(?P<pct>%|процент\w*)|\s*(?P<scale>тыс\.?|тысяч\w*|млн\.?|миллион\w*|млрд\.?|миллиард\w*|трлн\.?|триллион\w*))?",
    re.IGNORECASE,
)
_RU_WORD = re.compile(r"[а-яё]+\.?", re.IGNORECASE)


def _scale_of(word: str) -> float:
    w = word.lower().rstrip(".")
    if w.startswith("тыс"):
        return 1e3
    if w.startswith("млн") or w.startswith("миллион"):
        return 1e6
    if w.startswith("млрд") or w.startswith("миллиард"):
        return 1e9
    if w.startswith("трлн") or w.startswith("триллион"):
        return 1e12
    return _EN_SCALE_ABBR.get(w, 1.0)


def _words_value(values: Sequence[float]) -> float:
    """Combine a run of number-word values: two hundred million -> 2e8, двадцать пять -> 25."""
    total = 0.0
    current = 0.0
    for v in values:
        if v == 100:
            current = (current or 1) * 100
        elif v in _SCALES:
            total += (current or 1) * v
            current = 0.0
        else:
            current += v
    return total + current


def _word_runs(text: str, pattern: re.Pattern[str], table: dict[str, float], joiners: set[str],
               lemma: Callable[[str], str | None] | None = None) -> Iterable[tuple[int, int, list[float]]]:
    run: list[float] = []
    start = end = -1
    for m in pattern.finditer(text):
        word = m.group().lower()
        value = table.get(word)
        if value is None:
            value = table.get(word.rstrip("."))
        if value is None and lemma is not None:
            base = lemma(word.rstrip("."))
            value = None if base is None else table.get(base)
        if value is not None and (not run or text[end:m.start()].strip(" -") in ("", *joiners)):
            if not run:
                start = m.start()
            run.append(value)
            end = m.end()
            continue
        if run and word in joiners and text[end:m.start()].strip() == "":
            continue
        if run:
            yield start, end, run
            run = []
        if value is not None:
            start, end, run = m.start(), m.end(), [value]
    if run:
        yield start, end, run


#: Currency codes glued to an amount (USD11 billion): blanked before the digits are read.
_CURRENCY_PREFIX = re.compile(r"\b(?:USD|RMB|CNY|EUR|HKD|GBP|JPY|US)(?=\d)")
#: The word before a hyphen that makes the digits part of a name (COVID-19, MH-17, SARS-CoV-2).
_NAME_BEFORE_HYPHEN = re.compile(r"(?:\w*[A-Z]\w*[A-Z]\w*|(?=\w*[A-Za-z])\w*\d\w*|(?i:covid|sars|mers))-$")
#: Words that render a count without a numeral: "scored twice" (梅开二度), "the couple" (两人),
#: "second place" (第2). They satisfy a source number; they are never flagged themselves.
_EN_COUNT_WORDS = {"once": 1.0, "twice": 2.0, "thrice": 3.0, "double": 2.0, "doubled": 2.0, "triple": 3.0,
                   "tripled": 3.0, "couple": 2.0, "pair": 2.0, "dual": 2.0, "single": 1.0, "decade": 10.0,
                   "decades": 10.0, "century": 100.0, "centenary": 100.0, "centennial": 100.0,
                   "hundreds": 100.0, "thousands": 1e3, "millions": 1e6, "billions": 1e9,
                   "secondary": 2.0, "primary": 1.0}


@lru_cache(maxsize=1)
def _en_ordinals() -> dict[str, float]:
    from num2words import num2words

    return {num2words(n, to="ordinal", lang="en"): float(n) for n in range(1, 101)}


def _en_name_digits(text: str, m: re.Match[str]) -> bool:
    """Digits that belong to a name or code, not an amount: COVID-19, G-7, 5G, 3D."""
    if _NAME_BEFORE_HYPHEN.search(text[max(0, m.start() - 16):m.start()]):
        return True
    money = text[m.start() - 1:m.start()] in ("$", "£", "€", "¥")
    return not money and not m.group("ord") and bool(re.match(r"[A-Z]", text[m.end("num"):m.end("num") + 1]))


def extract_en(text: str) -> list[Quantity]:
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    scan = _CURRENCY_PREFIX.sub(lambda c: " " * len(c.group()), text)
    out.extend(_clock_times(text, taken))
    for m in _EN_DIGITS.finditer(scan):
        if _en_name_digits(text, m) or any(s <= m.start() < e for s, e in taken):
            continue
        raw = m.group("num")
        value = float(raw.replace(",", ""))
        scale = m.group("scale")
        if scale:
            if scale.lower() in ("m", "k") and text[m.start() - 1:m.start()] not in ("$", "£", "€", "¥"):
                scale = None  # 5m is five metres, 4K a resolution, unless money
            else:
                value *= _scale_of(scale)
        kind = "percent" if m.group("pct") else "number"
        if m.group("ord"):
            kind = "day" if 1 <= value <= 31 else "number"
        elif kind == "number" and not scale and "," not in raw and "." not in raw and 1000 <= value <= 2200:
            kind = "year"
        alts: tuple[float, ...] = ()
        pm = m.group("pm")
        if pm and pm.lower().startswith("p") and value < 12:
            alts = (value + 12,)
        if text[m.end("num"):m.end("num") + 1] == "s" and value % 10 == 0 and value >= 10 and not scale:
            alts = (value % 100,)  # the 1980s = 80年代
        last = "pct" if m.group("pct") else "scale" if scale else "ord" if m.group("ord") else "num"
        end = m.end(last)
        salient = not (len(raw) > 1 and set(raw) == {"0"})  # the minutes of 14:00
        if re.search(r"\d\s?[:：]\s?$", text[max(0, m.start() - 4):m.start()]):
            salient = False  # the minutes of 4:30 (四点半)
        out.append(Quantity(value, kind, m.start(), end, text[m.start():end], salient, alts))
        taken.append((m.start(), m.end()))
    table = _word_table("en")
    for start, end, run in _word_runs(text, _WORD, table, {"and", "a"}):
        if any(s <= start < e for s, e in taken):
            continue
        value = _words_value(run)
        tail = text[end:end + 12].lower()
        kind = "number"
        pm = re.match(r"\s*(percent|per cent)\b", tail)
        if pm:
            kind, end = "percent", end + pm.end()
        single = len(run) == 1
        salient = value >= 2 and not (single and run[0] in _SCALES)
        out.append(Quantity(value, kind, start, end, text[start:end], salient))
        taken.append((start, end))
    for m in re.finditer(r"\b(?:a\s+)?(half|quarter|both|dozens?)\b", text, re.IGNORECASE):
        word = m.group(1).lower()
        if any(s <= m.start(1) < e for s, e in taken):
            continue
        value = {"half": 0.5, "quarter": 0.25, "both": 2.0}.get(word, 12.0)
        out.append(Quantity(value, "number", m.start(1), m.end(1), m.group(1), salient=False))
    ordinals = _en_ordinals()
    for m in _WORD.finditer(text):
        word = m.group().lower()
        count = ordinals.get(word, _EN_COUNT_WORDS.get(word))
        if count is None or any(s <= m.start() < e for s, e in taken):
            continue
        out.append(Quantity(count, "number", m.start(), m.end(), m.group(), salient=False))
    for m in re.finditer(r"\b(January|February|March|April|May|June|July|August|September|October|November|"
                         r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?\b", text):
        word = m.group(1).lower()
        month = next((i for name, i in _EN_MONTHS.items() if name.startswith(word[:3])), None)
        if month is None or (word == "may" and not _may_is_month(text, m.start(), m.end())):
            continue
        out.append(Quantity(float(month), "month", m.start(), m.end(), m.group(), salient=False))
    return sorted(out, key=lambda q: (q.start, q.end))


def _may_is_month(text: str, start: int, end: int) -> bool:
    """"May 5", "in May", "since May 2020", "of May": the month, not the modal verb."""
    if re.match(r"\s+\d", text[end:]):
        return True
    return bool(re.search(r"\b(?:in|since|until|till|by|of|from|to|early|late|mid|end|before|after|during|"
                          r"and|or|last|next|this|between)[\s-]+$", text[max(0, start - 12):start], re.IGNORECASE))


@lru_cache(maxsize=1)
def ru_morph() -> Any:
    """pymorphy3's analyser with its Russian dictionary (a package: no download), or None."""
    try:
        import pymorphy3
    except ImportError:
        return None
    return pymorphy3.MorphAnalyzer(lang="ru")


#: Lemmas pymorphy3 gives numerals that num2words does not produce: collective numerals
#: (двое, трое) and the nominative of the scale nouns.
_RU_EXTRA_LEMMAS = {"двое": 2.0, "трое": 3.0, "четверо": 4.0, "пятеро": 5.0, "шестеро": 6.0, "семеро": 7.0,
                    "тысяча": 1e3, "миллион": 1e6, "миллиард": 1e9, "триллион": 1e12}


@lru_cache(maxsize=8192)
def _ru_number_lemma(word: str) -> str | None:
    """The dictionary form of a Russian numeral in an oblique case (трёх -> три, пяти -> пять,
    двумя -> два, тысячами -> тысяча), from pymorphy3's most likely analysis; None when that
    analysis is not a numeral (семью is "family" before it is "seven")."""
    morph = ru_morph()
    if morph is None:
        return None
    parses = morph.parse(word)
    if not parses:
        return None
    best = parses[0]
    tag = best.tag
    if "NUMR" in tag or ("Anum" in tag and best.normal_form == "один"):
        return str(best.normal_form).replace("ё", "е")
    if "NOUN" in tag and best.normal_form in _RU_EXTRA_LEMMAS:
        return str(best.normal_form)
    return None


def extract_ru(text: str) -> list[Quantity]:
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for m in _RU_DIGITS.finditer(text):
        raw = re.sub(r"[\u00a0\u202f ]", "", m.group("num")).replace(",", ".")
        value = float(raw)
        scale = m.group("scale")
        if scale:
            value *= _scale_of(scale)
        kind = "percent" if m.group("pct") else "number"
        year_like = not scale and "." not in raw and 1000 <= value <= 2200
        if kind == "number" and year_like and re.match(r"\s*г", text[m.end():]):
            kind = "year"
        out.append(Quantity(value, kind, m.start(), m.end(), m.group()))
        taken.append((m.start(), m.end()))
    table = _word_table("ru")
    for start, end, run in _word_runs(text, _RU_WORD, table, {"и"}, _ru_number_lemma):
        if any(s <= start < e for s, e in taken):
            continue
        value = _words_value(run)
        kind = "number"
        pm = re.match(r"\s*процент\w*", text[end:])
        if pm:
            kind, end = "percent", end + pm.end()
        salient = value >= 2 and not (len(run) == 1 and run[0] in _SCALES)
        out.append(Quantity(value, kind, start, end, text[start:end], salient))
    for m in re.finditer(r"\b(январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*",
                         text, re.IGNORECASE):
        stem = m.group(1).lower()
        month = _RU_MONTHS.get("ма" if stem.startswith("ма") and stem != "март" else stem)
        if month:
            out.append(Quantity(float(month), "month", m.start(), m.end(), m.group(), salient=False))
    return sorted(out, key=lambda q: (q.start, q.end))


def extract_generic(text: str) -> list[Quantity]:
    """Digits only (de, fr, es, ja, ...): decimal comma and dot thousands are both read."""
    out = []
    for m in re.finditer(r"(?<![\w.,])(\d{1,3}(?:[.\u00a0\u202f ]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)\s*(%|％)?", text):
        raw = m.group(1)
        if re.search(r"[.\u00a0\u202f ]\d{3}", raw) and not re.fullmatch(r"\d+\.\d{1,2}", raw):
            raw = re.sub(r"[.\u00a0\u202f ]", "", raw)
        value = float(raw.replace(",", "."))
        end = m.end() if m.group(2) else m.end(1)
        out.append(Quantity(value, "percent" if m.group(2) else "number", m.start(), end, text[m.start():end]))
    return out


#: Full-width digits and number punctuation (common in Chinese and Japanese text) -> ASCII, one
#: character for one, so offsets into the original text stay valid.
#: (The full-width comma is left alone: in Chinese it mostly separates clauses, not thousands.)
_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "．": ".", "％": "%"})


def extract(text: str, lang: str | None) -> list[Quantity]:
    """The quantities of ``text`` with offsets into it; ``text`` fields keep the original characters."""
    folded = text.translate(_FULL_WIDTH)
    if folded == text:
        return _extract(text, lang)
    return [replace(q, text=text[q.start:q.end]) for q in _extract(folded, lang)]


def _extract(text: str, lang: str | None) -> list[Quantity]:
    if lang in ("zh", "ja"):
        return extract_zh(text)
    if lang == "en":
        return extract_en(text)
    if lang == "ru":
        return extract_ru(text)
    return extract_generic(text)


@dataclass(frozen=True, slots=True)
class NumberMismatch:
    source: Quantity | None
    target: Quantity | None


def compare(source: Sequence[Quantity], target: Sequence[Quantity]) -> list[NumberMismatch]:
    """Salient quantities on either side without an equal one on the other (multiset match).

    An unmatched source quantity and an unmatched target quantity are paired in reading
    order (a mistranslated number: both spans); the rest stand alone.
    """
    free_target = list(target)
    missing: list[Quantity] = []
    for q in source:
        hit = next((t for t in free_target if matches(q, t)), None)
        if hit is not None:
            free_target.remove(hit)
        elif q.salient and not any(matches(q, t) for t in target):  # a repeated number said once is fine
            missing.append(q)
    # A target quantity equal to a source one already matched (a number repeated) is fine.
    # Only digits count as added: number words in the MT often render a classifier or a word
    # that is not a numeral in the source (两国 "both", 一些 "some", 三国 "three kingdoms").
    extra = [t for t in free_target if t.salient and not any(matches(t, s) for s in source)]
    out: list[NumberMismatch] = []
    while missing and extra:
        out.append(NumberMismatch(missing.pop(0), extra.pop(0)))
    # A day of the month alone (25日) is often rendered as a weekday or "yesterday", or left to
    # the dateline: it is flagged only against a different number, not as missing.
    out.extend(NumberMismatch(q, None) for q in missing if q.kind != "day")
    out.extend(NumberMismatch(None, t) for t in extra if any(c.isdigit() for c in t.text))
    return out
