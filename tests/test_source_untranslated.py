from audit.source.checks import SourceChecker
from audit.source.embed import LengthOnly
from audit.source.untranslated import find_untranslated


def checker(src="zh", tgt="en"):
    return SourceChecker((), src, tgt, embedder=LengthOnly(), checks=frozenset({"untranslated"}))


def test_chinese_left_in_english_flags_both_spans():
    source, target = "他访问了北京。", "He visited 北京."
    (flag,) = checker().check(source, target)
    assert flag.category == "Accuracy/Untranslated"
    assert target[flag.start:flag.end] == "北京" == source[flag.source_start:flag.source_end]


def test_cyrillic_left_in_english_flags():
    source, target = "Он посетил Москву.", "He visited Москву."
    (flag,) = checker("ru").check(source, target)
    assert target[flag.start:flag.end] == "Москву"


def test_clean_translation_does_not_flag():
    assert checker().check("他访问了北京。", "He visited Beijing.") == []
    assert checker("ru").check("Он посетил Москву.", "He visited Moscow.") == []


def test_native_script_of_target_is_fine():
    assert find_untranslated("他访问了北京。", "zh") == []
    assert [u.script for u in find_untranslated("他访问了Москву。", "zh")] == ["cyrillic"]
