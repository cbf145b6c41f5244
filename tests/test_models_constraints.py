"""The constrained-decoding logits processor, on hand-made score tensors."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from audit.models.constraints import ForcedPhrasesProcessor, _contains, _in_progress, phrases_met  # noqa: E402

torch.set_num_threads(1)
EOS = 1


def _step(processor, generated, vocab=10, prompt=(0,)):
    ids = torch.tensor([[*prompt, *row] for row in generated])
    scores = torch.zeros((len(generated), vocab))
    return processor(ids, scores)


def test_helpers():
    assert _contains([5, 6, 7], [6, 7])
    assert not _contains([5, 6], [6, 7])
    assert _in_progress([3, 6], [6, 7, 8]) == 1
    assert _in_progress([6, 7], [6, 7, 8]) == 2
    assert _in_progress([6, 7, 8], [6, 7, 8]) == 0  # complete is not "in progress"
    assert phrases_met("Russia is a Strategist", ["strategist"])


def test_started_phrase_is_continued():
    proc = ForcedPhrasesProcessor([[[6, 7, 8]]], max_length=50, eos_token_id=EOS)
    scores = _step(proc, [[3, 6]])
    assert scores[0].argmax().item() == 7
    assert torch.isinf(scores[0, 3]) and scores[0, 3] < 0


def test_eos_blocked_until_met_and_first_token_boosted():
    proc = ForcedPhrasesProcessor([[[6, 7]]], max_length=50, eos_token_id=EOS, start_bonus=2.0)
    scores = _step(proc, [[3]])
    assert scores[0, EOS] == -math.inf
    assert scores[0, 6] == 2.0
    done = _step(proc, [[6, 7, 3]])
    assert done[0, EOS] == 0.0  # met: nothing changes


def test_budget_forces_the_start():
    # max_length 6, prompt 1, three generated -> 2 tokens left for a 2-token phrase: start now
    proc = ForcedPhrasesProcessor([[[6, 7]]], max_length=6, eos_token_id=EOS, start_bonus=0.0)
    scores = _step(proc, [[3, 4, 5]])
    assert scores[0].argmax().item() == 6
    assert torch.isinf(scores[0, 3])


def test_rows_map_to_their_inputs_under_beam_search():
    # two inputs, two beams each: rows 0-1 belong to input 0, rows 2-3 to input 1
    proc = ForcedPhrasesProcessor([[[6, 7]], [[8, 9]]], max_length=50, eos_token_id=EOS)
    scores = _step(proc, [[6], [3], [8], [3]])
    assert scores[0].argmax().item() == 7
    assert scores[2].argmax().item() == 9
    assert not torch.isinf(scores[1, 3]) and not torch.isinf(scores[3, 3])


def test_inputs_without_constraints_are_untouched():
    proc = ForcedPhrasesProcessor([[], [[6]]], max_length=50, eos_token_id=EOS)
    scores = _step(proc, [[3], [3]])
    assert torch.equal(scores[0], torch.zeros(10))
