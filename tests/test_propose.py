from audit.propose import Ranker, RewriteGenerator, apply_edits, choose_edits
from audit.records import Flag, Segment, Severity


def flag(seg, start_text, replacement, severity=Severity.MINOR, origin="glossary", occurrence=0):
    index = -1
    for _ in range(occurrence + 1):
        index = seg.text.index(start_text, index + 1)
    start = seg.start + index
    return Flag(start, start + len(start_text), start_text, f"{origin}.x", "Style/Awkward", severity, "m",
                replacement, replacement, origin)


SEG = Segment(3, 100, 100 + 58, "It can be seen that he tried to pull Russia, as a layouter.")


def test_edits_apply_inside_the_segment_and_leave_the_rest_identical():
    edits = [flag(SEG, "pull Russia", "win over Russia"), flag(SEG, "layouter", "strategist")]
    assert apply_edits(SEG, edits) == "It can be seen that he tried to win over Russia, as a strategist."


def test_deletion_at_sentence_start_recapitalises_and_takes_a_space():
    edits = [flag(SEG, "It can be seen that ", "", origin="rule")]
    assert apply_edits(SEG, edits) == "He tried to pull Russia, as a layouter."


def test_overlapping_replacements_keep_the_more_severe():
    minor = flag(SEG, "pull Russia", "draw Russia")
    major = flag(SEG, "tried to pull", "sought to court", severity=Severity.MAJOR, origin="rule")
    assert choose_edits([minor, major]) == [major]


def test_flags_without_replacement_are_not_edits():
    explain_only = flag(SEG, "layouter", None)
    assert choose_edits([explain_only]) == []
    assert RewriteGenerator().generate(SEG, [explain_only]) == []


def test_ranker_prefers_fewer_remaining_flags_then_smaller_edits():
    from audit.records import Candidate

    seg = Segment(0, 0, 10, "bad words.")
    remaining = {"bad word.": 1, "good words.": 0, "fine words here.": 0}

    def reaudit(text):
        return [flag(seg, "bad", "x")] * remaining.get(text, 0)

    ranker = Ranker(reaudit, {"minor": 1, "major": 5, "critical": 10})
    ranked = ranker.rank(seg, [Candidate("bad word.", ("a",)), Candidate("fine words here.", ("b",)),
                               Candidate("good words.", ("c",)), Candidate("bad words.", ("same",))])
    assert [c.text for c in ranked] == ["good words.", "fine words here.", "bad word."]
    assert dict(ranked[0].scores)["flags_remaining"] == 0


def test_term_inside_a_restructuring_rule_is_corrected_in_the_rewrite():
    text = "Faced with the olive branch extended by the United States, Russia has flatly rejected it."
    seg = Segment(0, 0, len(text), text)
    rule = Flag(0, len(text), seg.text, "style.resumptive", "Fluency/Grammar", Severity.MINOR, "m", None,
                "Russia has flatly rejected the olive branch extended by the United States.", "rule")
    term = flag(seg, "olive branch", "overture", severity=Severity.MAJOR)
    assert apply_edits(seg, choose_edits([rule, term])) == (
        "Russia has flatly rejected the overture extended by the United States.")


def test_deletion_whose_span_ends_in_a_space_takes_no_extra_space():
    seg = Segment(0, 0, 33, "Thus it can be seen that X holds.")
    deletion = flag(seg, "it can be seen that ", "", origin="rule")
    assert apply_edits(seg, [deletion]) == "Thus X holds."
