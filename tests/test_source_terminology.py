import re

from audit.glossary import GlossaryEntry
from audit.source.checks import SourceChecker
from audit.source.embed import LengthOnly
from audit.source.terminology import TermChecker, find_rendering

ENTRIES = [
    GlossaryEntry(id="t.bri", deprecated=("One Belt One Road",), preferred="Belt and Road", source_term="一带一路"),
    GlossaryEntry(id="t.measure", deprecated=("seize measures",), preferred="take measures", source_term="采取措施"),
    GlossaryEntry(id="t.ru", deprecated=("on the territory of",), preferred="in", source_term="на территории",
                  src_lang="ru"),
]


def checker():
    return SourceChecker(ENTRIES, "zh", "en", embedder=LengthOnly(), checks=frozenset({"terminology"}))


def test_preferred_rendering_present_does_not_flag():
    assert checker().check("推进一带一路建设。", "Advance the Belt and Road.") == []
    # Inflected forms count.
    assert checker().check("政府采取措施。", "The government took measures.") == []


def test_missing_preferred_rendering_flags_with_suggestion():
    source, target = "推进一带一路建设。", "Advance the Silk Road project."
    (flag,) = checker().check(source, target)
    assert flag.rule == "source.term" and flag.suggestion == "Belt and Road"
    assert source[flag.source_start:flag.source_end] == "一带一路"


def test_deprecated_rendering_is_left_to_the_glossary_flag():
    assert checker().check("推进一带一路建设。", "Advance One Belt One Road.") == []


def test_other_source_languages_entries_are_ignored():
    assert len(TermChecker([e for e in ENTRIES if e.src_lang == "zh"])) == 2
    assert checker().check("推进建设。", "Advance construction.") == []


def test_inconsistent_renderings_in_one_document():
    entries = [
        GlossaryEntry(id="a", deprecated=("x1",), preferred="Belt and Road", source_term="一带一路"),
        GlossaryEntry(id="b", deprecated=("x2",), preferred="Silk Road Initiative", source_term="一带一路"),
    ]
    c = SourceChecker(entries, "zh", "en", embedder=LengthOnly(), checks=frozenset({"terminology"}))
    source = "推进一带一路建设。\n一带一路惠及各国。"
    target = "Advance the Belt and Road.\nThe Silk Road Initiative benefits all countries."
    flags = c.check(source, target)
    assert [f.rule for f in flags] == ["source.term-consistency"]
    assert target[flags[0].start:flags[0].end] == "Silk Road Initiative"


def test_find_rendering_whole_words():
    assert find_rendering("They take measures now.", "take measures") == (5, 18)
    assert find_rendering("retake measuresx", "take measures") is None



# --- where the MT rendered a term it got wrong; acronyms; context; Chinese word boundaries -------
DEV_ENTRIES = [
    GlossaryEntry(id="t.jinbohui", deprecated=("Jinbo Fair", "Jinbo Expo"), preferred="China International Import Expo",
                  source_term="进博会"),
    GlossaryEntry(id="t.hungai", deprecated=("mixed reform",), preferred="mixed-ownership reform", source_term="混改"),
    GlossaryEntry(id="t.fengkou", deprecated=("tuyere",), preferred="hot trend", source_term="风口",
                  context=r"(invest\w*|industr\w*|markets?)",
                  context_re=re.compile(r"(invest\w*|industr\w*|markets?)", re.IGNORECASE)),
]


def dev_checker():
    return SourceChecker(DEV_ENTRIES, "zh", "en", embedder=LengthOnly(), checks=frozenset({"terminology"}))


def test_missing_term_points_at_a_variant_of_a_wrong_rendering():
    source, target = "第三届进博会开幕。", "The third Jin-bo Expo opened."
    (flag,) = dev_checker().check(source, target)
    assert flag.rule == "source.term" and target[flag.start:flag.end] == "Jin-bo Expo"
    assert source[flag.source_start:flag.source_end] == "进博会"
    assert flag.suggestion == "China International Import Expo"


def test_missing_term_points_at_a_near_miss_of_the_preferred_rendering():
    # newstest2021 zh-en: the raters marked "mixed-use reform" as the error
    source = "绿地目前的混改方案与格力相似。"
    target = "Greenland's current mixed-use reform plan is similar to Gree's."
    (flag,) = dev_checker().check(source, target)
    assert target[flag.start:flag.end] == "mixed-use reform"


def test_missing_term_stays_zero_width_when_no_rendering_is_found():
    source, target = "推进一带一路建设。", "Advance the Silk Road project."
    (flag,) = checker().check(source, target)
    assert flag.start == flag.end and flag.text == ""


def test_acronym_of_the_preferred_rendering_counts():
    assert dev_checker().check("第三届进博会开幕。", "The third CIIE opened.") == []


def test_entry_written_for_a_context_applies_only_in_it():
    # 风口 "hot trend" is business slang; in a sentence about air vents the entry does not apply
    assert dev_checker().check("这是投资的风口。", "This is the draught for investment.") != []
    assert dev_checker().check("风口很大。", "The wind at the opening is strong.") == []


def test_term_inside_a_longer_chinese_word_is_not_a_hit():
    # 出风口 "air vent" contains 风口; jieba's words keep it whole
    source, target = "不要躺在空调出风口下投资。", "Do not lie under the air-conditioning vents to invest."
    assert dev_checker().check(source, target) == []


def test_an_admitted_rendering_satisfies_the_term_and_the_preferred_is_still_asked_for():
    entry = GlossaryEntry(id="t.lead", deprecated=("leading sheep",), preferred="front-runner",
                          source_term="领头羊", admitted=("leader", "bellwether"))
    terms = SourceChecker([entry], "zh", "en", embedder=LengthOnly(), checks=frozenset({"terminology"}))
    assert terms.check("该公司是行业领头羊。", "The company is the industry leader.") == []
    assert terms.check("该公司是行业领头羊。", "The company is the bellwether of the industry.") == []
    (flag,) = terms.check("该公司是行业领头羊。", "The company is the industry's chief.")
    assert flag.rule == "source.term" and flag.suggestion == "front-runner"


# --- entries written for one text are not general terminology (issue 14) -------------------------
CONTEXT_ENTRIES = [
    GlossaryEntry(id="t.suppress", deprecated=("a brutal beating",), preferred="ever stronger pressure",
                  source_term="压制", category="Accuracy/Mistranslation"),
    GlossaryEntry(id="t.strait", deprecated=("Formosa Sea",), preferred="Taiwan Strait", source_term="台湾海峡",
                  category="Accuracy/Mistranslation"),
    GlossaryEntry(id="t.dual", deprecated=("double cycle",), preferred="dual circulation", source_term="双循环",
                  category="Terminology/Inappropriate for context"),
]


def context_checker():
    return SourceChecker(CONTEXT_ENTRIES, "zh", "en", embedder=LengthOnly(), checks=frozenset({"terminology"}))


def test_a_rendering_fix_for_one_text_does_not_demand_its_preferred_rendering():
    assert context_checker().check("他们继续压制对手。", "They keep suppressing their rivals.") == []


def test_terminology_and_proper_names_are_still_required():
    (flag,) = context_checker().check("船只穿过台湾海峡。", "The ship crossed the strait of Formosa.")
    assert flag.suggestion == "Taiwan Strait"
    (flag,) = context_checker().check("构建双循环格局。", "Build a two-loop pattern.")
    assert flag.suggestion == "dual circulation"


def test_is_fixed_term():
    from audit.source.terminology import is_fixed_term

    assert [is_fixed_term(e) for e in CONTEXT_ENTRIES] == [False, True, True]
