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

Precision (zh, measured on the development data, benchmarks/name_precision.py): jieba's HMM tags
many words nr that are not names (张力 "tension", 陈展 "on display", 金爵奖 "Golden Goblet Award",
陶氏化学 "Dow Chemical", 向菲 "to the Philippines") and cuts transliterated foreign names (杜特|尔特,
叶夫梅|诺夫). A Chinese name is therefore checked only in a name context: after a title or a list
mark (司长张建宗, 记者刘贤, 、苏青) or before a speech verb, a title or a photo credit (张建宗表示,
邱礼涛导演, 莫京娜摄); not when a transliteration syllable (尔, 诺, 夫...) or a naming suffix (奖, 杯,
路...) follows; not with 氏 (陶氏, 郑氏: "Mrs/the firm of"). And the surname counts as rendered in
its Cantonese, Wade-Giles, Hokkien, Korean or Vietnamese romanization too (张建宗 "Matthew Cheung",
许正宇 "Christopher Hui", 蔡英文 "Tsai Ing-wen", 金正恩 "Kim Jong-un", 阮 "Nguyen").
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
COMMON_SURNAMES = COMMON_SURNAMES | frozenset("朴阮萧傅柳")
#: Romanizations of a surname other than Mandarin pinyin: Cantonese (Hong Kong, Macau), Wade-Giles
#: (Taiwan), Hokkien/Teochew (Singapore, Malaysia), Korean and Vietnamese readings. A target that has
#: one of them as a word has rendered the name (Hong Kong officials go by English given names).
_SURNAME_TABLE = """
王 wong ong vuong; 李 lee lei ly yi rhee lie
张 cheung chang chong teo jang truong; 刘 lau lao yoo luu lew; 陈 chan chen tan chin tran
杨 yeung yong duong yeo; 黄 wong hwang ng ooi huynh hoang wee
赵 chiu chao chew cho jo trieu; 吴 ng goh ngo oh woo; 周 chow chou chau chu joo chew
徐 tsui hsu chui seo tsu chee; 孙 suen son soon ton; 马 mah be; 朱 chu choo joo chow; 胡 wu woo oh ho foo
郭 kwok kuo kwak quach kok; 何 ho ha hoh; 高 ko kao koh go cao; 林 lam lim im rim; 罗 law lo loh la na lor
郑 cheng chang tay chung jung trinh teh; 梁 leung liang neo luong leong
谢 tse hsieh chia sia ta; 宋 sung song tong; 唐 tong tang dang
许 hui hsu koh khoo heo hua hii; 韩 hon han; 冯 fung phung foong; 邓 tang teng dang; 曹 tso tsao cho tao
彭 pang phang; 曾 tsang tseng chan tsen; 肖 siu hsiao seow tieu; 萧 siu hsiao seow xiao; 田 tin tien dien
董 tung tong; 袁 yuen wan vien; 潘 poon phan pua; 于 yu yue vu; 蒋 cheung chiang tuong
蔡 choi tsai chua choy thai; 余 yu yee ee; 杜 to tu do; 叶 yip yeh yap ip diep; 程 ching cheng
苏 so soh to; 魏 ngai wei ngui; 吕 lui lu lyu; 丁 ting dinh; 任 yam jen yum
沈 shum sim sham; 姚 yiu yao; 卢 lo lu lou loo; 姜 keung chiang kang khuong; 崔 chui tsui choi thoi
钟 chung cheong chong; 谭 tam tan tham; 陆 luk lu loke luc; 汪 wong wang; 范 fan pham faan
金 kam chin kim king; 石 shek shih thach; 廖 liu liao leow lieu; 贾 ka chia; 夏 ha hsia
韦 wai wei vi; 付 foo fu; 傅 foo fu poh; 方 fong fang phuong hong; 白 pak pai bach baek paek
邹 chau tsou chow; 孟 mang maeng manh; 熊 hung hsiung; 秦 chun chin tan; 邱 yau chiu khoo khau khu
江 kong chiang giang; 尹 wan yoon doan; 薛 sit hsueh tiet; 闫 yim yen; 段 tuen tuan doan
雷 lui loi; 侯 hau; 龙 lung; 史 sze shih su; 陶 to tao dao
黎 lai le; 贺 ho ha; 顾 ku koo co; 毛 mo mau; 郝 kok
龚 kung cung; 邵 shiu shao thieu; 万 man wan van; 钱 chin chien tien; 严 yim yen nghiem
覃 tam chin; 武 mo vu vo; 戴 tai; 莫 mok mac; 孔 hung kung khong
向 heung hsiang; 汤 tong thang; 常 sheung; 温 wan wen un on; 康 hong khang
施 sze shih sy si thi; 文 man moon van; 牛 ngau; 樊 phan; 葛 kot ko cat
邢 ying hsing; 安 on ahn; 朴 park pak bak; 阮 nguyen yuen yuan; 柳 yoo ryu yu lau
欧阳 auyeung owyang auyong; 司马 szema sima; 诸葛 chukot chuko
"""
SURNAME_VARIANTS: dict[str, tuple[str, ...]] = {
    surname: tuple(forms) for item in _SURNAME_TABLE.replace("\n", ";").split(";") if item.strip()
    for surname, *forms in [item.split()]
}
#: Before a name: titles and list marks (司长张建宗, 记者刘贤, 、苏青, 与邱达强).
_TITLE_BEFORE = re.compile(
    r"(?:长|记者|总统|主席|总理|首相|委员|书记|大使|参赞|部长|局长|市长|省长|县长|主任|代表|经理|董事|理事|教授|博士|医生|"
    r"院士|专家|导演|演员|歌手|作家|画家|艺术家|运动员|选手|教练|队员|球员|学生|老师|律师|法官|议员|发言人|官员|领导|"
    r"总裁|总监|司令|将军|军长|主持人|编剧|制片人|冠军|网友|居民|村民|市民|先生|女士|、|与|和|及|同|（|\(|：|:)$")
#: After a name: speech verbs, titles after the name, photo credits, list marks.
_AFTER = re.compile(
    r"^(?:表示|说|称|指出|认为|强调|介绍|透露|坦言|告诉|回忆|呼吁|希望|宣布|发表|提到|解释|补充|回应|建议|主持|出席|会见|"
    r"会晤|致辞|讲话|导演|主演|执导|担任|先生|女士|教授|博士|同志|等人|等|摄|、|）|\)|和|与|及|，|,)")
#: After a name, a following syllable of a transliterated foreign name (杜特|尔特, 叶夫梅|诺夫) or a
#: suffix that makes it something else (金爵|奖, 中山|路).
_NOT_A_NAME_AFTER = re.compile(r"^[尔夫诺斯娃基克德维奇耶茨瓦托罗拉纳里亚奥索丽莎妮娜蒂特勒普森曼逊顿姆莱恩埃"
                               r"奖杯路街号村镇桥楼体式]")


def in_name_context(source: str, start: int, end: int) -> bool:
    """Whether the characters around ``source[start:end]`` make it a person's name (see above)."""
    after = source[end:end + 4]
    if _NOT_A_NAME_AFTER.match(after):
        return False
    before = source[max(0, start - 4):start]
    return bool(_TITLE_BEFORE.search(before) or _AFTER.match(after) or not before.strip())


def surname_forms(surname: str, pinyin: str) -> set[str]:
    """The plain romanizations of a surname: its pinyin and the variants of :data:`SURNAME_VARIANTS`."""
    return {pinyin, *SURNAME_VARIANTS.get(surname, ())}


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


def check_zh(source: str, target: str, skip: Collection[str] = (), elsewhere: str = "") -> list[NameIssue]:
    """Chinese names of ``source`` not rendered in ``target``; a rendering in ``elsewhere`` (the
    neighbouring MT sentences: a name moved across a sentence break) counts too."""
    words = _latin_words(target)
    plain = [_plain(w.group()) for w in words + _latin_words(elsewhere)]
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
        if "氏" in name.text or not in_name_context(source, name.start, name.end):
            continue
        syllables = [s.replace("v", "u") for s in zh.pinyin_syllables(name.text)]
        if len(syllables) != len(name.text):
            continue
        split = 2 if name.text[:2] in _COMPOUND_SURNAMES else 1
        surname, given = "".join(syllables[:split]), "".join(syllables[split:])
        if not given or given in vocabulary or surname + given in vocabulary:
            continue
        if surname_forms(name.text[:split], surname) & vocabulary:
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


def check_ru(source: str, target: str, skip: Collection[str] = (), elsewhere: str = "") -> list[NameIssue]:
    words = _latin_words(target)
    plain = [_plain(w.group()) for w in words + _latin_words(elsewhere) if w.group()[0].isupper()]
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


def compare(source: str, target: str, src_lang: str | None, skip: Collection[str] = (),
            elsewhere: str = "") -> list[NameIssue]:
    """Names of the source without a rendering in the target (or in ``elsewhere``, the neighbouring
    MT sentences) (zh and ru sources; else none)."""
    if src_lang == "zh":
        return check_zh(source, target, skip, elsewhere)
    if src_lang == "ru":
        return check_ru(source, target, skip, elsewhere)
    return []
