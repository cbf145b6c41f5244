"""Lexically constrained decoding over ``model.generate`` (no hub code).

transformers 5 moved ``force_words_ids`` / constrained beam search to a hub repository,
which cannot be fetched offline. :class:`ForcedPhrasesProcessor` is a logits processor
that gives the same guarantee for the glossary's preferred renderings:

* once a hypothesis has started a constraint (its last tokens are a proper prefix of the
  constraint's token sequence), the constraint's next token is forced;
* while constraints are unmet, the end-of-sequence token is forbidden, and each unmet
  constraint's first token gets a bonus (``start_bonus``) so the model may start it where
  it fits best;
* when the remaining length budget is only just enough for the unmet constraints, the
  first unmet constraint is started at once, so every constraint fits before ``max_length``.

This works with greedy search, sampling and beam search (every beam row is handled on its
own), so a constraint that fits the length budget always appears in the output.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import LogitsProcessor


def _contains(seq: Sequence[int], phrase: Sequence[int]) -> bool:
    n = len(phrase)
    return any(list(seq[i:i + n]) == list(phrase) for i in range(len(seq) - n + 1))


def _in_progress(seq: Sequence[int], phrase: Sequence[int]) -> int:
    """Length of the longest proper prefix of ``phrase`` that ``seq`` ends with (0 if none)."""
    for k in range(min(len(phrase) - 1, len(seq)), 0, -1):
        if list(seq[len(seq) - k:]) == list(phrase[:k]):
            return k
    return 0


class ForcedPhrasesProcessor(LogitsProcessor):
    """Force token sequences into every output row.

    ``phrases[i]`` are the constraints of input row ``i`` (token id lists); with beam search
    or several return sequences, row ``r`` of the scores belongs to input ``r // rows_per_input``.
    ``prompt_length`` is the number of leading ids that ``input_ids`` carries before the
    generated text (1 for encoder-decoder models: the decoder start token; the prompt length
    for decoder-only models).
    """

    def __init__(self, phrases: Sequence[Sequence[Sequence[int]]], max_length: int, eos_token_id: int | None,
                 prompt_length: int = 1, start_bonus: float = 2.0) -> None:
        self.phrases = [[list(p) for p in row if p] for row in phrases]
        self.max_length = max_length
        self.eos_token_id = eos_token_id
        self.prompt_length = prompt_length
        self.start_bonus = start_bonus

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        rows = input_ids.shape[0]
        per_input = max(1, rows // max(1, len(self.phrases)))
        ids = input_ids.tolist()
        length = input_ids.shape[1]
        remaining = self.max_length - length  # tokens this row may still emit
        for r in range(rows):
            phrases = self.phrases[min(r // per_input, len(self.phrases) - 1)] if self.phrases else []
            if not phrases:
                continue
            generated = ids[r][self.prompt_length:]
            if self.eos_token_id is not None and generated and generated[-1] == self.eos_token_id:
                continue  # a finished beam row (padding follows)
            unmet = [p for p in phrases if not _contains(generated, p)]
            if not unmet:
                continue
            forced = None
            for phrase in unmet:
                k = _in_progress(generated, phrase)
                if k:
                    forced = phrase[k]
                    break
            needed = sum(len(p) for p in unmet)
            if forced is None and remaining <= needed + 1:
                forced = unmet[0][0]
            if forced is not None:
                keep = scores[r, forced].clone()
                scores[r, :] = -float("inf")
                scores[r, forced] = keep if torch.isfinite(keep) else 0.0
                continue
            if self.eos_token_id is not None:
                scores[r, self.eos_token_id] = -float("inf")
            for phrase in unmet:
                scores[r, phrase[0]] = scores[r, phrase[0]] + self.start_bonus
        return scores


def phrases_met(text: str, phrases: Sequence[str]) -> bool:
    """Whether every phrase occurs in ``text`` (case-insensitive)."""
    lowered = text.lower()
    return all(p.lower() in lowered for p in phrases)
