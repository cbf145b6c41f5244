from audit.glossary import GlossaryEntry, make_entry
from audit.matcher import GlossaryMatcher, expand_variants


def entry(deprecated, preferred="X", **extra):
    row = {"deprecated": deprecated, "preferred": preferred, **extra}
    return make_entry(row, file="t.csv", line=2, default_id=f"t.{deprecated.split()[0]}")


def found(matcher, sentence):
    return [(sentence[m.start:m.end], m.entry.preferred, m.tag) for m in matcher.find(sentence)]


def test_case_and_word_boundaries():
    matcher = GlossaryMatcher([entry("layouter", "strategist")])
    assert found(matcher, "Russia would rather be a Layouter.") == [("Layouter", "strategist", "")]
    assert found(matcher, "A layouters' guild") == [("layouters", "strategist", "NNS")]
    assert found(matcher, "The relayouter tool") == []
    assert found(matcher, "layouterx") == []


def test_inflection_of_first_and_last_word():
    matcher = GlossaryMatcher([entry("pull Russia", "win over Russia"), entry("chess player", "pawn")])
    assert found(matcher, "he tried to pull Russia") == [("pull Russia", "win over Russia", "")]
    assert found(matcher, "he is pulling Russia closer") == [("pulling Russia", "win over Russia", "VBG")]
    assert found(matcher, "he pulled Russia") == [("pulled Russia", "win over Russia", "VBD")]
    assert found(matcher, "they pulls Russia") == [("pulls Russia", "win over Russia", "VBZ")]
    assert found(matcher, "both are chess players") == [("chess players", "pawn", "NNS")]


def test_apostrophes_hyphens_and_spaces_are_alike():
    matcher = GlossaryMatcher([entry("counter-Nixon strategy"), entry("Trump's Russian-China fantasy")])
    assert len(matcher.find("the counter Nixon strategy")) == 1
    assert len(matcher.find("the counter–Nixon strategy")) == 1
    assert len(matcher.find("Trump’s Russian China fantasy")) == 1
    assert len(matcher.find("Trump's Russian-China  fantasy")) == 0  # two spaces: not the same words


def test_context_conditions():
    real_impression = entry("make a real impression on", "offer real benefits to",
                            context=r"\b(cannot|can't|unwilling|neither)\b")
    matcher = GlossaryMatcher([real_impression])
    assert found(matcher, "the U.S. cannot and is willing to make a real impression on Russia")
    assert not found(matcher, "his testimony made a real impression on the committee")
    grounded = entry("be grounded", "materialize", not_context=r"grounded\s+(in|on|by)")
    matcher = GlossaryMatcher([grounded])
    assert found(matcher, "the alliance cannot be grounded as a plan")
    assert not found(matcher, "the claim must be grounded in facts")


def test_longest_match_wins_and_hits_do_not_overlap():
    matcher = GlossaryMatcher([
        entry("United China anti-Soviet Union", "alliance with China against the Soviet Union"),
        entry("through the United China anti-Soviet Union", "by allying with China against the Soviet Union"),
        entry("Soviet Union", "USSR"),
    ])
    sentence = "changed the Cold War through the United China anti-Soviet Union, now"
    assert found(matcher, sentence) == [
        ("through the United China anti-Soviet Union", "by allying with China against the Soviet Union", "")]


def test_expand_variants_keeps_the_written_form_first():
    variants = expand_variants("make a real impression on")
    assert variants[0] == ("make a real impression on", "", "first")
    assert ("made a real impression on", "VBD", "first") in variants


def test_offsets_survive_characters_that_lowercase_to_two():
    matcher = GlossaryMatcher([entry("layouter")])
    sentence = "İstanbul is a layouter."
    (hit,) = matcher.find(sentence)
    assert sentence[hit.start:hit.end] == "layouter"


def test_many_entries_match_through_one_automaton():
    entries = [entry(f"term{i} phrase{i}", f"good{i}") for i in range(20_000)]
    entries.append(entry("layouter", "strategist"))
    matcher = GlossaryMatcher(entries, inflect=False)
    assert matcher.pattern_count == 20_001
    hits = found(matcher, "Russia is a layouter and term19999 phrase19999 and term5 phrase")
    assert hits == [("layouter", "strategist", ""), ("term19999 phrase19999", "good19999", "")]


def test_empty_glossary_matches_nothing():
    assert GlossaryMatcher([]).find("anything") == []


def test_entries_are_value_objects():
    a = entry("layouter", "strategist")
    assert isinstance(a, GlossaryEntry)
    assert a == entry("layouter", "strategist")


def test_deprecated_chinese_rendering_is_found_between_chinese_characters_as_a_whole_word():
    from audit.glossary import GlossaryEntry
    from audit.matcher import GlossaryMatcher
    from audit.normalize import fold

    matcher = GlossaryMatcher([GlossaryEntry(id="zh.vent", deprecated=("风口",), preferred="机遇", src_lang="en",
                                             tgt_lang="zh")])
    for text, found in (("企业站在风口上。", [(4, 6)]), ("空调出风口坏了。", []), ("风口", [(0, 2)])):
        assert [(h.start, h.end) for h in matcher.find(text, fold(text))] == found


def test_zh_target_audit_flags_a_deprecated_chinese_term(tmp_path):
    from audit.config import AuditConfig
    from audit.pipeline import Auditor

    path = tmp_path / "en-zh.csv"
    path.write_text("id,src_lang,tgt_lang,source_term,deprecated,preferred\nez.1,en,zh,computer,电脑,计算机\n",
                    encoding="utf-8")
    auditor = Auditor(AuditConfig(src_lang="en", tgt_lang="zh", glossaries=(str(path),)))
    result = auditor.audit("他买了一台新电脑。")
    (flag,) = [f for s in result.segments for f in s.flags]
    assert (flag.rule, flag.text, flag.suggestion) == ("glossary.ez.1", "电脑", "计算机")
    assert result.segments[0].proposal.text == "他买了一台新计算机。"
