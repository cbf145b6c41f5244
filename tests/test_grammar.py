import pytest

from audit.grammar import EVERY_LINT, GrammarChecker, _is_dialect_variant


@pytest.fixture(scope="module")
def checker():
    # Every lint's replacement on: these tests are about mapping lints, not about which may propose.
    return GrammarChecker(proposing=EVERY_LINT)


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


# --- precision on names, and which lints may feed proposals (issue 14) ----------------------------
def test_spelling_inside_romanised_and_particle_names_is_not_flagged():
    from audit.grammar import GrammarChecker, in_a_name

    text = "Park Geun-hye met Mohammed bin Salman and Ursula von der Leyen."
    for word in ("hye", "bin", "von", "der"):
        start = text.index(word)
        assert in_a_name(text, start, start + len(word))
    start = text.index("met")
    assert not in_a_name(text, start, start + 3)
    hits = GrammarChecker(()).check(text)
    assert not [h for h in hits if h.rule == "grammar.harper.spell-check"]


def test_latin_of_english_prose_is_not_misspelt():
    from audit.grammar import GrammarChecker

    hits = GrammarChecker(()).check("Income per capita is, de facto, the only measure.")
    assert not [h for h in hits if h.rule == "grammar.harper.spell-check"]


def test_a_real_misspelling_is_still_flagged_without_a_proposal():
    from audit.grammar import GrammarChecker

    (hit,) = [h for h in GrammarChecker(()).check("The goverment resigned.") if h.rule.endswith("spell-check")]
    assert hit.suggestion == "government" and hit.replacement is None


def test_only_the_calibrated_lints_feed_proposals():
    from audit.grammar import EVERY_LINT, GrammarChecker, shipped_proposing

    text = "What new ideas did they bring?"
    everything = [h for h in GrammarChecker((), proposing=EVERY_LINT).check(text) if h.replacement]
    shipped = [h for h in GrammarChecker(()).check(text) if h.replacement]
    assert everything and not shipped  # "new" -> "knew" is offered, never written into a proposal
    assert "PronounKnew" not in shipped_proposing()
    assert [h.replacement for h in GrammarChecker((), proposing=["PronounKnew"]).check(text) if h.replacement]


def test_place_renaming_is_an_opinion_not_an_error():
    from audit.grammar import DEFAULT_HARPER_DISABLED

    assert "UpdatePlaceNames" in DEFAULT_HARPER_DISABLED
