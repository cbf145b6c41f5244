"""Numeric quantities with spans, normalised so that equal amounts compare equal across languages.

``3.5万`` and ``35,000``, ``两亿`` and ``200 million``, ``百分之五十`` and ``50%``, ``半`` and
``half``, ``2021年10月16日`` and ``October 16, 2021``, ``три миллиона`` and ``3 million`` all
extract the same values. Russian and English number words come from an inverse table built
with ``num2words`` (the maintained generator), not from hand-written lists.

A quantity is *salient* when it is worth a flag if unmatched: digits always; number words and
Chinese numerals from 2 up (and only with a classifier or a scale for one-character Chinese
numerals, which are common inside words: 两国, 三国, 一带一路). Non-salient quantities (``one``,
``both``, ``一``) can still satisfy a match; they are never flagged themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

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
    r"(?<![\d.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?:多|余)?\s*(?P<scale>万亿|亿|万|千|百)?"
    r"\s*(?P<suffix>%|％|年|月|日|号|多)?"
)
_ZH_NUMERAL = re.compile(
    rf"(?P<pct>百分之)?(?P<num>[{_ZH_NUMERAL_CHARS}]+(?:[点點][{''.join(_ZH_DIGITS)}]+[万萬亿億]*)?)(?P<suffix>年|月|日|号)?"
)
_ZH_HALF = re.compile(r"半(?=[个年天月小]|$)|一半|[一两三四五六七八九十](?=个半)")


def parse_zh_numeral(text: str) -> float | None:
    """Value of a Chinese numeral: 三千五百 -> 3500, 两亿 -> 2e8, 二〇二一 -> 2021, 三点五 -> 3.5."""
    if not text:
        return None
    for sep in ("点", "點"):
        if sep in text:
            whole, _, frac = text.partition(sep)
            scale = 1.0
            while frac and frac[-1] in _ZH_BIG_UNITS:
                scale *= _ZH_BIG_UNITS[frac[-1]]
                frac = frac[:-1]
            if scale != 1.0:
                inner = parse_zh_numeral(whole + sep + frac)
                return None if inner is None else inner * scale
            w = parse_zh_numeral(whole)
            if w is None or not frac or any(c not in _ZH_DIGITS for c in frac):
                return None
            return w + float("0." + "".join(str(_ZH_DIGITS[c]) for c in frac))
    if all(c in _ZH_DIGITS for c in text):
        if len(text) == 1:
            return float(_ZH_DIGITS[text])
        # Digit by digit (years, codes): 二〇二一 -> 2021.
        return float("".join(str(_ZH_DIGITS[c]) for c in text))
    for big, unit in (("亿", 1e8), ("億", 1e8), ("万", 1e4), ("萬", 1e4)):
        if big in text:
            left, _, right = text.partition(big)
            high = parse_zh_numeral(left) if left else 1.0
            if high is None:
                return None
            if right and right[0] in "零〇":
                right = right[1:]
            low = parse_zh_numeral(right) if right else 0.0
            if low is None:
                return None
            return high * unit + low
    section = 0.0
    digit: float | None = None
    for char in text:
        if char in _ZH_DIGITS:
            if _ZH_DIGITS[char] == 0:
                continue
            digit = _ZH_DIGITS[char]
        elif char in _ZH_SMALL_UNITS:
            section += (1 if digit is None else digit) * _ZH_SMALL_UNITS[char]
            digit = None
        else:
            return None
    return section + (digit or 0)


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


def extract_zh(text: str) -> list[Quantity]:
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for m in _ZH_ARABIC.finditer(text):
        value = float(m.group("num").replace(",", ""))
        scale = m.group("scale")
        if scale:
            value *= {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2}[scale]
        suffix = m.group("suffix")
        multiplier = text[m.end():m.end() + 1] == "倍"  # 1倍多 "more than doubled"
        end = m.end() if suffix in ("%", "％") else m.end("scale") if scale else m.end("num")
        out.append(Quantity(value, _kind_for_suffix(suffix, value), m.start(), end, text[m.start():end],
                            salient=not multiplier))
        taken.append((m.start(), m.end()))
    for m in _ZH_NUMERAL.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        numeral = m.group("num")
        parsed = parse_zh_numeral(numeral)
        if parsed is None:
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
        scale_word = numeral in ("千万", "万一", "一一", "百万", "万", "亿", "千", "百")
        if scale_word and not pct and nxt not in _ZH_CLASSIFIERS:
            salient = False
        if numeral == "一" and text[end:end + 1] == "半":
            continue
        alts: tuple[float, ...] = ()
        if numeral == "十" or text[start - 1:start] in _ZH_APPROXIMATE or nxt == "倍":
            salient = False
        if (2 <= len(numeral) <= 3 and all(c in _ZH_DIGITS for c in numeral) and m.group("suffix") != "年"
                and len({_ZH_DIGITS[c] for c in numeral}) == len(numeral)):
            # 四五天, 七八个: "four or five days", an approximate range, not the number 45.
            alts = tuple(float(_ZH_DIGITS[c]) for c in numeral)
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
    r"(?<![\w.])(?<!(?-i:[A-Z])-)(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
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


def _word_runs(text: str, pattern: re.Pattern[str], table: dict[str, float], joiners: set[str]
               ) -> Iterable[tuple[int, int, list[float]]]:
    run: list[float] = []
    start = end = -1
    for m in pattern.finditer(text):
        word = m.group().lower()
        value = table.get(word)
        if value is None:
            value = table.get(word.rstrip("."))
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


def extract_en(text: str) -> list[Quantity]:
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for m in _EN_DIGITS.finditer(text):
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
        last = "pct" if m.group("pct") else "scale" if scale else "ord" if m.group("ord") else "num"
        end = m.end(last)
        salient = not (len(raw) > 1 and set(raw) == {"0"})  # the minutes of 14:00
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
    for m in re.finditer(r"\b(January|February|March|April|May|June|July|August|September|October|November|"
                         r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?\b", text):
        word = m.group(1).lower()
        month = next((i for name, i in _EN_MONTHS.items() if name.startswith(word[:3])), None)
        if month is None or (word == "may" and not re.match(r"\s+\d", text[m.end():])):
            continue
        out.append(Quantity(float(month), "month", m.start(), m.end(), m.group(), salient=False))
    return sorted(out, key=lambda q: (q.start, q.end))


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
    for start, end, run in _word_runs(text, _RU_WORD, table, {"и"}):
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


def extract(text: str, lang: str | None) -> list[Quantity]:
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
    out.extend(NumberMismatch(q, None) for q in missing)
    out.extend(NumberMismatch(None, t) for t in extra if any(c.isdigit() for c in t.text))
    return out
