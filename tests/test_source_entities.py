import pytest

from audit.source.checks import SourceChecker
from audit.source.embed import LengthOnly
from audit.source.entities import compare, contains


def checker(lang="zh"):
    return SourceChecker((), lang, "en", embedder=LengthOnly(), checks=frozenset({"entities"}))


@pytest.mark.parametrize(("source", "target"), [
    ("苹果发布了iPhone 15。", "Apple released the iPhone 15."),
    ("WTO表示欢迎。", "The World Trade Organization welcomed it."),
    ("NBA比赛取消。", "NBA games were cancelled."),
    ("5G网络覆盖全国。", "The 5G network covers the country."),
    ("详见www.gov.cn。", "See www.gov.cn for details."),
    ("全长5km。", "It is 5 kilometres long."),
])
def test_entities_present_do_not_flag(source, target):
    assert checker().check(source, target) == []


@pytest.mark.parametrize(("source", "target", "token"), [
    ("苹果发布了iPhone 15。", "Apple released the new phone.", "iPhone"),
    ("NBA比赛取消。", "The unbalanced games were cancelled.", "NBA"),
    ("详见www.gov.cn。", "See the website for details.", "www.gov.cn"),
])
def test_missing_source_entity_flags(source, target, token):
    (flag,) = checker().check(source, target)
    assert flag.rule == "source.entity" and source[flag.source_start:flag.source_end] == token


def test_added_code_in_target_flags():
    source, target = "飞机坠毁。", "The A380 plane crashed."
    (flag,) = checker().check(source, target)
    assert target[flag.start:flag.end] == "A380" and flag.category == "Accuracy/Addition"


def test_latin_source_words_are_not_required():
    assert compare("Die Regierung hat das Gesetz beschlossen.", "The government passed the law.", "de") == []
    assert [m.token.text for m in compare("BMW stellt den X5 vor.", "BMW presents the new model.", "de")] == ["X5"]


def test_contains_folds_case_and_punctuation():
    assert contains("covid 19 cases", "COVID-19")
    assert not contains("unbalanced", "NBA")
