from audit.config import AuditConfig
from audit.glossary import Glossary, make_entry
from audit.pipeline import Auditor, Resources, dedupe_flags
from audit.records import Flag, Severity
from audit.rules import load_rules


def flag(start, end, text, origin, severity=Severity.MINOR, replacement=None):
    return Flag(start, end, text, f"{origin}.x", "Style/Awkward", severity, "m", replacement, replacement, origin)


def test_glossary_and_rule_on_the_same_words_count_once():
    rule = flag(10, 34, "cannot and is willing to", "rule", replacement="neither can nor will")
    term = flag(10, 34, "cannot and is willing to", "glossary", replacement="neither can nor will")
    assert dedupe_flags([rule, term]) == [term]


def test_a_flag_inside_another_that_rewrites_it_is_dropped():
    outer = flag(0, 21, "Russian-China fantasy", "glossary", replacement="fantasy of a Russia–China alliance")
    inner = flag(0, 13, "Russian-China", "rule", replacement="Russia–China")
    assert dedupe_flags([inner, outer]) == [outer]


def test_a_separate_error_inside_a_restructuring_rule_is_kept():
    outer = flag(0, 60, "Faced with the olive branch, Russia has flatly rejected it.", "rule",
                 replacement="Russia has flatly rejected the olive branch.")
    inner = flag(15, 27, "olive branch", "glossary", Severity.MAJOR, replacement="overture")
    assert dedupe_flags([outer, inner]) == [outer, inner]


def test_grammar_flag_inside_a_lexical_flag_is_dropped():
    lexical = flag(0, 10, "a layouter", "glossary", replacement="a strategist")
    grammar = flag(2, 10, "layouter", "grammar")
    outside = flag(20, 25, "teh", "grammar")
    assert dedupe_flags([grammar, lexical, outside]) == [lexical, outside]


def auditor_with(*rows):
    entries = tuple(make_entry(r, file="t.csv", line=i + 2, default_id=f"t.{i}") for i, r in enumerate(rows))
    return Auditor(AuditConfig(grammar=False), Resources([Glossary("t", entries)], load_rules()))


def test_replacement_is_reinflected_and_capitalised_only_at_sentence_start():
    auditor = auditor_with({"deprecated": "pull Russia", "preferred": "win over Russia"},
                           {"deprecated": "Trump's Russian-China fantasy",
                            "preferred": "Trump's fantasy of allying with Russia"},
                           {"deprecated": "layouter", "preferred": "strategist"})
    text = "He is pulling Russia closer. Layouters prefer this. It broke Trump's Russian-China fantasy."
    result = auditor.audit(text)
    proposals = [s.proposal.text if s.proposal else None for s in result.segments]
    assert proposals[0] == "He is winning over Russia closer."
    assert proposals[1] == "Strategists prefer this."
    assert proposals[2] == "It broke Trump's fantasy of allying with Russia."


def test_disabled_glossary_entry_does_not_fire():
    rows = [{"id": "t.layouter", "deprecated": "layouter", "preferred": "strategist"}]
    entries = tuple(make_entry(r, file="t.csv", line=2, default_id="x") for r in rows)
    auditor = Auditor(AuditConfig(grammar=False, disabled_rules=("glossary.t.layouter",)),
                      Resources([Glossary("t", entries)], []))
    assert auditor.audit("Russia would rather be a layouter.").segments[0].flags == ()
