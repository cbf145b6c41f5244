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
