import pytest

from audit.grammar import GrammarChecker, _is_dialect_variant


@pytest.fixture(scope="module")
def checker():
    return GrammarChecker()


def test_grammar_errors_are_flagged_with_offsets(checker):
    text = "This is an test of the the linter."
    hits = checker.check(text)
    article = [h for h in hits if text[h.start:h.end] == "an"]
    assert article and article[0].replacement == "a"
    assert any("the the" in text[h.start:h.end] for h in hits)
    assert all(h.rule.startswith("grammar.harper.") for h in hits)


def test_proper_names_and_dialect_spellings_are_not_flagged(checker):
    text = "Lavrov told Kommersant that defence ties with the SCO and BRICS are multipolar."
    assert checker.check(text) == []


def test_long_sentences_are_not_translation_errors(checker):
    text = " ".join(["Russia and China agreed on trade"] * 12) + "."
    assert not [h for h in checker.check(text) if "long" in h.rule]


def test_check_many_maps_lints_back_to_each_paragraph(checker):
    texts = ["Fine sentence here.", "This is an test.", "Another the the one."]
    per_text = checker.check_many(texts)
    assert per_text[0] == []
    assert [texts[1][h.start:h.end] for h in per_text[1]] == ["an"]
    assert [texts[2][h.start:h.end] for h in per_text[2]] == ["the the"]


def test_dialect_variant():
    assert _is_dialect_variant("defence", "defense")
    assert _is_dialect_variant("favourable", "favorable")
    assert not _is_dialect_variant("layouter", "layout's")


def test_only_runs_the_listed_lints_and_disabled_still_wins():
    text = 'He said "hello to the the crowd and recieved a warm welcome.'
    every = {h.rule for h in GrammarChecker(disabled=()).check(text)}
    assert {"grammar.harper.unclosed-quotes", "grammar.harper.repeated-words", "grammar.harper.spell-check"} <= every
    only = GrammarChecker(disabled=(), only=["SpellCheck", "UnclosedQuotes"]).check(text)
    assert {h.rule for h in only} == {"grammar.harper.spell-check", "grammar.harper.unclosed-quotes"}
    both = GrammarChecker(disabled=("UnclosedQuotes",), only=["SpellCheck", "UnclosedQuotes"]).check(text)
    assert {h.rule for h in both} == {"grammar.harper.spell-check"}


def test_the_shipped_evidence_lints_are_real_harper_lints_and_kept():
    from harper import Dialect, Linter

    from audit.config import AuditConfig, shipped_calibration

    calibration = shipped_calibration()
    names = set(Linter(Dialect.AMERICAN).get_lint_config())
    assert calibration.harper_evidence, "the calibration lists the evidence-backed Harper lints"
    assert set(calibration.harper_evidence) <= names
    assert not set(calibration.harper_evidence) & set(calibration.harper_disabled)
    assert AuditConfig(grammar_rules="evidence").harper_only() == calibration.harper_evidence
    assert AuditConfig().harper_only() is None


def test_an_unknown_grammar_rule_set_names_the_field():
    from audit.config import AuditConfig
    from audit.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        AuditConfig(grammar_rules="some")
    assert info.value.field == "grammar_rules"
