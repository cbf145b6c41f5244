"""Numbers across languages: equal amounts written differently must not flag; mismatches flag
with both spans."""

import pytest

from audit.source import numbers
from audit.source.checks import SourceChecker
from audit.source.embed import LengthOnly


def values(text, lang):
    return [(q.value, q.kind) for q in numbers.extract(text, lang)]


@pytest.mark.parametrize(("text", "value"), [
    ("3.5万", 35_000), ("两亿", 2e8), ("三千五百", 3500), ("十万亿", 1e13), ("一万零五百", 10_500),
    ("两亿三千万", 2.3e8), ("三点五万", 35_000), ("二〇二一", 2021), ("〇", 0), ("零", 0), ("1.26亿", 1.26e8),
])
def test_chinese_values(text, value):
    assert numbers.extract(text, "zh")[0].value == pytest.approx(value)


def test_chinese_percent_and_date():
    assert values("百分之五十", "zh") == [(50.0, "percent")]
    assert values("2021年10月16日", "zh") == [(2021.0, "year"), (10.0, "month"), (16.0, "day")]
    assert values("半年", "zh")[0][0] == 0.5


@pytest.mark.parametrize(("text", "value"), [
    ("35,000", 35_000), ("3.5 million", 3.5e6), ("two hundred million", 2e8), ("twenty-five", 25),
    ("$3bn", 3e9), ("a hundred and twenty", 120),
])
def test_english_values(text, value):
    assert numbers.extract(text, "en")[0].value == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), [
    ("три миллиона", 3e6), ("3 млн", 3e6), ("1,5 млрд", 1.5e9), ("двадцать пять", 25), ("3 000", 3000),
])
def test_russian_values(text, value):
    assert numbers.extract(text, "ru")[0].value == pytest.approx(value)


@pytest.fixture
def zh():
    return SourceChecker((), "zh", "en", embedder=LengthOnly(), checks=frozenset({"numbers"}))


@pytest.mark.parametrize(("source", "target"), [
    ("全国有3.5万人参加。", "About 35,000 people took part nationwide."),
    ("投资两亿元。", "It invested 200 million yuan."),
    ("支持率为百分之五十。", "The approval rate is 50%."),
    ("支持率为百分之五十。", "The approval rate is 50 percent."),
    ("工期缩短了一半。", "The construction period was cut by half."),
    ("会议于2021年10月16日举行。", "The meeting was held on October 16, 2021."),
    ("事故造成三人死亡。", "Three people died in the accident."),
    ("两国签署了协议。", "Both countries signed the agreement."),
    ("一架小型飞机坠毁。", "A small plane crashed."),
    ("比分是〇比三。", "The score was 0 to 3."),
    ("当地时间25日下午", "On the afternoon of the 25th local time"),
])
def test_zh_equal_numbers_do_not_flag(zh, source, target):
    assert zh.check(source, target) == []


def test_ru_equal_numbers_do_not_flag():
    checker = SourceChecker((), "ru", "en", embedder=LengthOnly(), checks=frozenset({"numbers"}))
    assert checker.check("Население выросло на три миллиона человек.", "The population grew by 3 million.") == []
    assert checker.check("Рост составил 25%.", "Growth was twenty-five percent.") == []


@pytest.mark.parametrize(("source", "target", "src_text", "tgt_text"), [
    ("全国有3.5万人参加。", "About 3,500 people took part nationwide.", "3.5万", "3,500"),
    ("投资两亿元。", "It invested 20 million yuan.", "两亿", "20 million"),
    ("事故造成三人死亡。", "Four people died in the accident.", "三", "Four"),
    ("支持率为百分之五十。", "The approval rate is 15%.", "百分之五十", "15%"),
])
def test_zh_mismatches_flag_with_both_spans(zh, source, target, src_text, tgt_text):
    flags = zh.check(source, target)
    assert len(flags) == 1
    flag = flags[0]
    assert flag.rule == "source.number" and flag.category.startswith("Accuracy/")
    assert target[flag.start:flag.end] == tgt_text
    assert source[flag.source_start:flag.source_end] == src_text


def test_missing_number_flags_source_span(zh):
    source, target = "全国有3.5万人参加。", "Many people took part nationwide."
    (flag,) = zh.check(source, target)
    assert flag.start == flag.end and source[flag.source_start:flag.source_end] == "3.5万"


def test_ru_mismatch_flags():
    checker = SourceChecker((), "ru", "en", embedder=LengthOnly(), checks=frozenset({"numbers"}))
    source, target = "Население выросло на три миллиона человек.", "The population grew by 30 million."
    (flag,) = checker.check(source, target)
    assert source[flag.source_start:flag.source_end] == "три миллиона"
    assert target[flag.start:flag.end] == "30 million"
