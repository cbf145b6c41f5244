"""The detector network (COMETKiwi's shape, small): one encoder reads ``<s> source </s></s> MT </s>``
(or ``<s> MT </s>`` in target-only mode); a token head tags each MT token OK / minor / major and a
sentence head estimates the segment's MQM penalty, trained jointly.

Inputs are built by :func:`build_inputs` from token ids; nothing here knows about text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

TAGS = ("ok", "minor", "major")
#: Content tokens kept per side; longer sides are cut (their tail tokens get no tag).
MAX_SOURCE_TOKENS = 128
MAX_TARGET_TOKENS = 192


class QEModel(nn.Module):
    def __init__(self, encoder: nn.Module, hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.tag_head = nn.Linear(hidden, len(TAGS))
        self.sentence_head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, target_mask: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Tag logits ``[batch, tokens, 3]`` and sentence scores ``[batch]`` (estimated penalty, 0-1)."""
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        states = self.dropout(states)
        tags = self.tag_head(states)
        weights = target_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        sentence = self.sentence_head(torch.cat([states[:, 0], pooled], dim=-1)).squeeze(-1)
        return tags, sentence


@dataclass(frozen=True)
class Batch:
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    target_mask: torch.Tensor
    #: Per example, the position of its first MT token (its tokens follow in order).
    target_offsets: tuple[int, ...]
    target_lengths: tuple[int, ...]


def build_inputs(targets: Sequence[Sequence[int]], sources: Sequence[Sequence[int] | None],
                 bos: int, eos: int, pad: int) -> Batch:
    """Pack pairs into padded tensors (XLM-R pair format; ``None`` source: target only)."""
    rows: list[list[int]] = []
    offsets: list[int] = []
    lengths: list[int] = []
    for target, source in zip(targets, sources, strict=True):
        tgt = list(target[:MAX_TARGET_TOKENS])
        row = [bos]
        if source is not None:
            row += [*source[:MAX_SOURCE_TOKENS], eos, eos]
        offsets.append(len(row))
        lengths.append(len(tgt))
        rows.append([*row, *tgt, eos])
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    tmask = torch.zeros((len(rows), width), dtype=torch.bool)
    for i, row in enumerate(rows):
        ids[i, :len(row)] = torch.tensor(row)
        mask[i, :len(row)] = 1
        tmask[i, offsets[i]:offsets[i] + lengths[i]] = True
    return Batch(ids, mask, tmask, tuple(offsets), tuple(lengths))
