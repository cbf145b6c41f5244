"""Causal language model: per-token surprisal, flags on improbable words, a fluency score,
and instruction-style generation when an instruct model is configured.

Any ``AutoModelForCausalLM`` loads: a directory, a hub id (from the local cache) or a GGUF
file (``gguf_file=``; transformers dequantizes it to float32 on load and needs ``accelerate``).

Surprisal is a rough detector (see the README section): it finds odd words ("layouter",
"counter-Nixon") and misses errors made of common words, and rare names are its false alarms,
so capitalised words inside a sentence (names) and numbers are never flagged, and at most
``max_flags`` words per sentence are. Combine it with the glossary and rules.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..records import Flag, Segment, Severity
from .sources import ModelSource

WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z][A-Za-z'’]*)*")
RULE_ID = "fluency.model.surprisal"
CATEGORY = "Style/Awkward"


@dataclass(frozen=True)
class WordSurprisal:
    start: int
    end: int
    word: str
    surprisal: float  # nats, summed over the word's tokens


@dataclass(frozen=True)
class Scored:
    """One sentence's token and word surprisals."""

    text: str
    tokens: tuple[float, ...]
    words: tuple[WordSurprisal, ...]

    @property
    def mean(self) -> float:
        """Mean surprisal per token (nats): log perplexity."""
        return sum(self.tokens) / len(self.tokens) if self.tokens else 0.0


@dataclass
class LanguageModel:
    model: Any
    tokenizer: Any
    name: str

    @classmethod
    def load(cls, source: ModelSource, local_only: bool = True, **_: Any) -> LanguageModel:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:  # pragma: no cover
            raise ConfigError(f"the models extra is not installed: {exc}", field="models") from None
        kwargs: dict[str, Any] = {"local_files_only": local_only}
        if source.gguf_file:
            kwargs["gguf_file"] = source.gguf_file
        try:
            tokenizer = AutoTokenizer.from_pretrained(source.location, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(source.location, dtype=torch.float32, **kwargs)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load language model {source.name!r}: {exc}", field="models") from None
        model.eval()
        return cls(model, tokenizer, source.name)

    @property
    def start_id(self) -> int:
        tok = self.tokenizer
        for candidate in (tok.bos_token_id, tok.eos_token_id, tok.pad_token_id, 0):
            if candidate is not None:
                return int(candidate)
        return 0  # pragma: no cover

    def score(self, texts: Sequence[str], batch_size: int = 8) -> list[Scored]:
        """Token and word surprisals of each text, batched (right padding)."""
        import torch

        results: list[Scored] = []
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.start_id
        for begin in range(0, len(texts), batch_size):
            chunk = list(texts[begin:begin + batch_size])
            enc = self.tokenizer(chunk, add_special_tokens=False, return_offsets_mapping=True)
            rows = [[self.start_id, *ids] for ids in enc["input_ids"]]
            width = max(len(r) for r in rows)
            ids = torch.full((len(rows), width), pad, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for i, row in enumerate(rows):
                ids[i, :len(row)] = torch.tensor(row)
                mask[i, :len(row)] = 1
            with torch.inference_mode():
                logits = self.model(input_ids=ids, attention_mask=mask).logits.float()
            logprobs = torch.log_softmax(logits[:, :-1], dim=-1)
            gathered = -logprobs.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
            for i, text in enumerate(chunk):
                n = len(rows[i]) - 1
                surprisals = gathered[i, :n].tolist()
                results.append(Scored(text, tuple(surprisals),
                                      tuple(_words(text, enc["offset_mapping"][i], surprisals))))
        return results

    def generate(self, prompts: Sequence[str], max_new_tokens: int = 64) -> list[str]:
        """Greedy continuation of chat prompts (instruct models: the chat template is applied)."""
        import torch

        tok = self.tokenizer
        outputs = []
        for prompt in prompts:
            if getattr(tok, "chat_template", None):
                text = tok.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                               add_generation_prompt=True)
            else:
                text = prompt
            enc = tok(text, return_tensors="pt", add_special_tokens=False)
            with torch.inference_mode():
                out = self.model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                          pad_token_id=tok.pad_token_id or tok.eos_token_id)
            outputs.append(tok.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True).strip())
        return outputs


def _words(text: str, offsets: Sequence[tuple[int, int]], surprisals: Sequence[float]) -> list[WordSurprisal]:
    """Sum token surprisals over the words they fall in (a token belongs to the word holding
    its first non-space character)."""
    words = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
    totals = [0.0] * len(words)
    w = 0
    for (start, end), value in zip(offsets, surprisals, strict=False):
        while start < end and text[start].isspace():
            start += 1
        while w < len(words) and words[w][1] <= start:
            w += 1
        if w < len(words) and words[w][0] <= start < words[w][1]:
            totals[w] += value
    return [WordSurprisal(s, e, word, total) for (s, e, word), total in zip(words, totals, strict=True)]


@dataclass(frozen=True)
class SurprisalThresholds:
    """Word surprisal (nats) at which a word is flagged minor / major (``ModelsConfig``'s defaults,
    fitted on the development MQM data: README, "Surprisal as a detector")."""

    minor: float = 13.0
    major: float = 17.0
    max_flags: int = 2
    #: The first words of a sentence have little context: their surprisal says nothing.
    skip_first: int = 2


class SurprisalFlagger:
    """Turns word surprisals into :class:`Flag` records (rule ``fluency.model.surprisal``)."""

    def __init__(self, lm: LanguageModel, thresholds: SurprisalThresholds | None = None) -> None:
        self.lm = lm
        self.thresholds = thresholds or SurprisalThresholds()

    def flags(self, segments: Sequence[Segment], batch_size: int = 8) -> list[list[Flag]]:
        scored = self.lm.score([s.text for s in segments], batch_size=batch_size)
        return [self._flags(segment, result) for segment, result in zip(segments, scored, strict=True)]

    def _flags(self, segment: Segment, scored: Scored) -> list[Flag]:
        t = self.thresholds
        candidates = [w for i, w in enumerate(scored.words)
                      if i >= t.skip_first and w.surprisal >= t.minor and _flaggable(w)]
        candidates.sort(key=lambda w: -w.surprisal)
        flags = []
        for word in sorted(candidates[:t.max_flags], key=lambda w: w.start):
            severity = Severity.MAJOR if word.surprisal >= t.major else Severity.MINOR
            flags.append(Flag(
                start=segment.start + word.start, end=segment.start + word.end, text=word.word, rule=RULE_ID,
                category=CATEGORY, severity=severity,
                message=(f"Unusual word here for the language model (surprisal {word.surprisal:.1f} nats, "
                         f"{word.surprisal / math.log(2):.0f} bits): check the rendering."),
                origin="model",
            ))
        return flags


def _flaggable(word: WordSurprisal) -> bool:
    """Names (capitalised words, rare names being surprisal's false alarms) are not flagged."""
    return not word.word[:1].isupper()
