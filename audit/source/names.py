"""Person names written in the source's own script (Chinese characters, Cyrillic) that the
translation should carry over in Latin script.

* zh: jieba's tagger marks person names (nr, nrfg; not nrt, transliterated foreign names, whose
  pinyin is far from the original spelling). Only names of 2-3 characters starting with one of
  the hundred commonest surnames are checked, and not the dictionary words jieba tags nr (白宫,
  高峰, 王子) unless tagged as a full name (nrfg). pypinyin gives the romanization (习近平 -> Xi
  Jinping). The name counts as rendered when the target has the surname or the given name as a
  word (President Xi; Jinping), or both run together (Dapeng), case and hyphens folded.
* ru: pymorphy3 marks first names and surnames (Name, Surn) and gives the lemma of an oblique
  form (Путина -> путин); cyrtranslit's romanization of lemma and form is compared with the
  target's Latin words by similarity, since romanization systems differ (Zelenskij/Zelensky).

A name is reported only when no such form is found (and it is not a glossary source term);
places are not checked (exonyms: 乌鲁木齐 is Urumqi, Москва is Moscow).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from rapidfuzz import fuzz

from . import zh
from .numbers import ru_morph

_LATIN_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_RU_WORD = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?")
_CJK_ONLY = re.compile(r"[\u3400-\u9fff]{2,4}")
#: Two-character surnames (欧阳 Ouyang): the given name starts after them.
_COMPOUND_SURNAMES = frozenset({"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒",
                                "夏侯", "长孙", "宇文", "端木", "澹台", "轩辕"})
#: The hundred commonest Chinese surnames (about 85% of people): jieba's nr tag also lands on
#: transliterated foreign names (特朗普, 福奇) and on plain words, so a name must start with one.
COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安"
)
#: Similarity (0-100) from which a Latin word is taken for a Russian name's romanization.
RU_MATCH = 75
#: Below the match, a capitalised word at least this similar is taken as a misspelt rendering.
NEAR_MISS = 60


@dataclass(frozen=True, slots=True)
class NameIssue:
    """A source name (``start``/``end`` in the source) with no rendering in the target; where a
    misspelt rendering was found, its target span."""

    start: int
    end: int
    text: str
    expected: str
    target_start: int | None = None
    target_end: int | None = None


def _plain(word: str) -> str:
    """Lower-case ASCII letters only: Lü -> lu, Kin-chung -> kinchung."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if "a" <= c <= "z")


def _latin_words(target: str) -> list[re.Match[str]]:
    return list(_LATIN_WORD.finditer(target))


def _near_miss(target: str, words: list[re.Match[str]], expected: str) -> tuple[int, int] | None:
    """The capitalised run of one or two target words most like ``expected``, if close enough."""
    wanted = _plain(expected)
    best: tuple[float, int, int] | None = None
    for size in (1, 2):
        for i in range(len(words) - size + 1):
            run = words[i:i + size]
            if not all(w.group()[0].isupper() for w in run):
                continue
            score = fuzz.ratio(_plain(" ".join(w.group() for w in run)), wanted)
            if score >= NEAR_MISS and (best is None or score > best[0]):
                best = (score, run[0].start(), run[-1].end())
    return None if best is None else (best[1], best[2])


def check_zh(source: str, target: str, skip: Collection[str] = ()) -> list[NameIssue]:
    words = _latin_words(target)
    plain = [_plain(w.group()) for w in words]
    vocabulary = set(plain) | {a + b for a, b in itertools.pairwise(plain)}
    out: list[NameIssue] = []
    for name in zh.names(source):
        if name.kind != "person" or not _CJK_ONLY.fullmatch(name.text) or name.text in skip:
            continue
        if len(name.text) > 3 or (name.text[0] not in COMMON_SURNAMES and name.text[:2] not in _COMPOUND_SURNAMES):
            continue
        if name.in_dictionary and name.tag != "nrfg":
            continue  # jieba's dictionary tags words such as 白宫, 高峰, 王子 nr; its full names are nrfg
        if "某" in name.text:
            continue  # 黄某某: an anonymised name
        syllables = [s.replace("v", "u") for s in zh.pinyin_syllables(name.text)]
        if len(syllables) != len(name.text):
            continue
        split = 2 if name.text[:2] in _COMPOUND_SURNAMES else 1
        surname, given = "".join(syllables[:split]), "".join(syllables[split:])
        if not given or surname in vocabulary or given in vocabulary or surname + given in vocabulary:
            continue
        if any(surname + given in w for w in plain):
            continue  # a transliterated foreign name: 杜特 in Duterte
        expected = f"{surname.capitalize()} {given.capitalize()}"
        span = _near_miss(target, words, expected)
        out.append(NameIssue(name.start, name.end, name.text, expected, *(span or (None, None))))
    return out


def _ru_names(source: str) -> list[tuple[int, int, str, str]]:
    """(start, end, form, lemma) of the first names and surnames pymorphy3 recognises."""
    morph = ru_morph()
    if morph is None:
        return []
    out = []
    for m in _RU_WORD.finditer(source):
        parse = morph.parse(m.group())[0]
        if {"Name", "Surn"} & set(str(parse.tag).replace(" ", ",").split(",")):
            out.append((m.start(), m.end(), m.group(), str(parse.normal_form)))
    return out


def _romanize_ru(text: str) -> str:
    try:
        import cyrtranslit
    except ImportError:
        return ""
    return _plain(cyrtranslit.to_latin(text, "ru"))


def check_ru(source: str, target: str, skip: Collection[str] = ()) -> list[NameIssue]:
    words = _latin_words(target)
    plain = [_plain(w.group()) for w in words if w.group()[0].isupper()]
    out: list[NameIssue] = []
    for start, end, form, lemma in _ru_names(source):
        if form.lower() in skip or lemma in skip:
            continue
        forms = {f for f in (_romanize_ru(lemma), _romanize_ru(form)) if f}
        if not forms:
            continue
        if any(fuzz.ratio(w, f) >= RU_MATCH for w in plain for f in forms):
            continue
        expected = _romanize_ru(lemma).capitalize()
        span = _near_miss(target, words, expected)
        out.append(NameIssue(start, end, form, expected, *(span or (None, None))))
    return out


def compare(source: str, target: str, src_lang: str | None, skip: Collection[str] = ()) -> list[NameIssue]:
    """Names of the source without a rendering in the target (zh and ru sources; else none)."""
    if src_lang == "zh":
        return check_zh(source, target, skip)
    if src_lang == "ru":
        return check_ru(source, target, skip)
    return []
