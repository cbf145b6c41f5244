"""The founding text, read as an experienced editor would: every awkward or wrong
rendering is flagged and corrected; fluent sentences and correct uses stay unflagged."""

from pathlib import Path

import pytest

from audit.config import AuditConfig
from audit.pipeline import Auditor

SEED = Path(__file__).resolve().parent.parent / "seeds" / "lavrov-kommersant.en.txt"

# (rendering in the MT, text the proposal must contain, text the proposal must no longer contain)
EDITOR_MARKS = [
    ("Russia RT", "Russia's RT", None),
    ("broke the last hope", "dashed the last hope", None),
    ("Russian-China fantasy", None, "Russian-China fantasy"),
    ("Chinese-Russian fragmentation theory", "split", "fragmentation theory"),
    ("international status", "international standing", None),
    ("Russia has flatly rejected it", "Russia has flatly rejected the olive branch extended by the United States.",
     "rejected it"),
    ("It can be seen that", "Trump has been trying to reshape", "It can be seen that"),
    ("one of the important directions", None, "important directions"),
    ("stepping up withdrawal", "decoupling", "withdrawal"),
    ("security and other fields", None, "and other fields"),
    ("pull Russia", "win over Russia", "pull Russia"),
    ("counter-Nixon strategy", "reverse Nixon strategy", None),
    ("strategy - when", "strategy – when", None),
    ("the pattern of the Cold War", None, "pattern of the Cold War"),
    ("through the United China anti-Soviet Union", "allying with China against the Soviet Union", "United China"),
    ("as a trick", "pawn", "trick"),
    ("China-U.S. game", "rivalry", "game"),
    ("His series of actions", None, "series of actions"),
    ("between China and the US and Russia", "among China, the US and Russia", None),
    ("releasing space for Russia", None, "releasing space"),
    ("are all embodiments of", "all reflect", "embodiments"),
    ("alienate China", "distance itself from China", "alienate"),
    ("check and balance", "counterbalance", "check and balance"),
    ("encountered a comprehensive failure", "failed", "comprehensive failure"),
    ("in actual advancement", "in practice", "actual advancement"),
    ("not limited to the tactical level, but to", None, "level, but to"),
    ("cannot and is willing to", "neither can nor will", "cannot and is willing"),
    ("make a real impression on Russia", "offer Russia real benefits", "impression"),
    ("bottom line", "red line", "bottom line"),
    ("did not try, but did not", None, "did not try, but did not"),
    ("is high-profile on the surface", None, "high-profile on the surface"),
    ("is not sincere and impossible", "neither sincere nor", "not sincere and impossible"),
    ("anti-China alliance of Russia", None, "alliance of Russia"),
    ("cannot be grounded", "materialize", "grounded"),
    ("very aware", "well aware", "very aware"),
    ("use Russia's hand", "use Russia to contain", "hand"),
    ("dissipate the strength", None, "dissipate"),
    ("no real goodwill in exchange for the United States", None, "in exchange for the United States"),
    ("so-called acceptance of Russia", "embrace", "acceptance of Russia"),
    ("a more violent crackdown", None, "violent crackdown"),
    ("extreme pressure", "maximum pressure", "extreme pressure"),
    ("has suffered enough from being exploited", None, "suffered enough from being exploited"),
    ("is no longer stupid", None, "stupid"),
    ("relations-from", "relations – from", None),
    ("discourse power", None, "discourse power"),
    ("chess player", "pawn", "chess player"),
    ("layouter", "strategist", "layouter"),
    ("triangle game", None, "triangle game"),
    ("to be considered to be", "to be seen as", None),
    ("the American companion", "junior partner", "American companion"),
]

FLUENT = [
    "When asked whether it was possible to work with the United States to pressure China",
    "Moreover, both China and Russia interact deeply within multilateral mechanisms",
    "In fact, whether in terms of institutional commitments, practical interests or strategic judgment",
]

CORRECT_USES = [
    "The chess player resigned after forty moves.",
    "His testimony made a real impression on the committee.",
    "The company's bottom line improved in the third quarter.",
    "The claim must be grounded in facts.",
    "She accepted the award on behalf of her team.",
    "He pulled the rope and the bell rang.",
    "The troops' withdrawal from the border was completed on Monday.",
    "Engineers tested the hull under extreme pressure at great depth.",
]


@pytest.fixture(scope="module")
def seed_text():
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def auditor():
    return Auditor(AuditConfig())


@pytest.fixture(scope="module")
def seed_result(auditor, seed_text):
    return auditor.audit(seed_text, str(SEED))


def segment_with(result, needle):
    for segment in result.segments:
        if needle in segment.segment.text:
            return segment
    raise AssertionError(f"{needle!r} is not in the seed")


@pytest.mark.parametrize(("needle", "wanted", "unwanted"), EDITOR_MARKS, ids=[m[0] for m in EDITOR_MARKS])
def test_editor_mark_is_flagged_and_corrected(seed_result, seed_text, needle, wanted, unwanted):
    segment = segment_with(seed_result, needle)
    start = seed_text.index(needle, segment.segment.start)
    end = start + len(needle)
    overlapping = [f for f in segment.flags if f.start < end and f.end > start]
    assert overlapping, f"{needle!r} is not flagged; flags: {[f.text for f in segment.flags]}"
    assert all(f.message for f in overlapping)
    proposal = segment.proposal
    assert proposal is not None, f"no proposal for the sentence with {needle!r}"
    if wanted:
        assert wanted in proposal.text, proposal.text
    if unwanted:
        assert unwanted not in proposal.text, proposal.text
    assert proposal.edit.char_distance > 0


def test_fluent_sentences_stay_unflagged(seed_result):
    for opening in FLUENT:
        segment = segment_with(seed_result, opening)
        assert segment.flags == (), [f.rule for f in segment.flags]
        assert segment.proposal is None


@pytest.mark.parametrize("sentence", CORRECT_USES)
def test_correct_uses_of_the_same_words_are_not_flagged(auditor, sentence):
    result = auditor.audit(sentence)
    assert [f.rule for s in result.segments for f in s.flags] == []


def test_proposals_change_only_the_flagged_spans(seed_result):
    """Every word the proposal deletes or inserts lies in (or touches) a flagged span."""
    from audit.diff import word_diff

    for segment in seed_result.segments:
        if not segment.proposal:
            continue
        base = segment.segment.start
        spans = [(f.start - base, f.end - base) for f in segment.flags]
        cursor = 0
        for piece in word_diff(segment.segment.text, segment.proposal.text):
            if piece.op == "insert":
                assert any(s - 1 <= cursor <= e + 1 for s, e in spans), (piece, segment.segment.text)
                continue
            end = cursor + len(piece.text)
            if piece.op == "delete" and piece.text.strip():
                assert any(s - 1 <= cursor and end <= e + 1 for s, e in spans) or cursor == 0, (
                    piece, segment.segment.text)
            cursor = end


def test_summary_counts(seed_result):
    summary = seed_result.summary.to_dict()
    assert summary["segments"] == 26
    assert summary["flagged"] == sum(1 for s in seed_result.segments if s.flags)
    total = sum(len(s.flags) for s in seed_result.segments)
    assert sum(summary["flags_by_category"].values()) == total
    assert summary["mqm_penalty"] == pytest.approx(100 * summary["penalty_points"] / summary["words"], abs=1e-3)
