"""Model candidate generators (they implement :class:`audit.propose.CandidateGenerator`).

* :class:`RoundTripGenerator`: MT (English) -> source language -> English, with the
  glossary's and rules' replacements forced into the back-translation;
* :class:`RetranslationGenerator`: the source sentence translated again, same constraints
  (needs the source sentence: ``source_for(segment)``);
* :class:`InstructRewriteGenerator`: an instruct LM asked for a fluent rewrite, with the
  glossary hints in the prompt.

Every candidate carries the segment's flags in ``applied`` so the guards know which spans
were meant to change; the ranker rejects those that fail the guards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..records import Candidate, Flag, Segment


class Translates(Protocol):
    """What the generators need of a translator: :class:`audit.models.seq2seq.Translator` (transformers)
    or :class:`audit.models.ctranslate.CT2Translator` (CTranslate2)."""

    def translate(self, texts: Sequence[str], constraints: Sequence[Sequence[str]] | None = None, *,
                  src_lang: str | None = None, tgt_lang: str | None = None, num_beams: int = 4,
                  max_new_tokens: int = 128, num_return_sequences: int = 1) -> list[list[str]]: ...


class Generates(Protocol):
    """What the instruct rewriter needs of a language model (:class:`audit.models.causal.LanguageModel`)."""

    def generate(self, prompts: Sequence[str], max_new_tokens: int = 64) -> list[str]: ...


def constraints_of(flags: Sequence[Flag]) -> list[str]:
    """The replacements a candidate must contain: glossary and rule corrections of one or more
    words (deletions and punctuation-only fixes cannot be forced)."""
    seen: list[str] = []
    for flag in flags:
        replacement = (flag.replacement or "").strip()
        if flag.origin in ("glossary", "rule") and any(c.isalpha() for c in replacement) \
                and replacement not in seen and len(replacement.split()) <= 4:
            seen.append(replacement)
    return seen


def _dedupe(texts: Sequence[str], original: str) -> list[str]:
    out: list[str] = []
    for text in texts:
        if text and text != original and text not in out:
            out.append(text)
    return out


@dataclass
class RoundTripGenerator:
    forward: Translates  # target -> source language (``--mt-back``)
    back: Translates  # source -> target language (``--mt``)
    src_lang: str | None
    tgt_lang: str = "en"
    num_beams: int = 4
    max_new_tokens: int = 128
    n: int = 2
    name: str = "model.roundtrip"

    def generate(self, segment: Segment, flags: Sequence[Flag]) -> list[Candidate]:
        pivots = self.forward.translate([segment.text], src_lang=self.tgt_lang,
                                        tgt_lang=self.src_lang, num_beams=self.num_beams,
                                        max_new_tokens=self.max_new_tokens)[0]
        backs = self.back.translate(pivots[:1], [constraints_of(flags)],
                                    src_lang=self.src_lang, tgt_lang=self.tgt_lang,
                                    num_beams=max(self.num_beams, self.n), max_new_tokens=self.max_new_tokens,
                                    num_return_sequences=self.n)[0]
        return [Candidate(text, (self.name,), tuple(flags)) for text in _dedupe(backs, segment.text)]


@dataclass
class RetranslationGenerator:
    translator: Translates  # source -> target language (``--mt``)
    source_for: Callable[[Segment], str | None]
    src_lang: str | None
    tgt_lang: str = "en"
    num_beams: int = 4
    max_new_tokens: int = 128
    n: int = 2
    name: str = "model.retranslation"

    def generate(self, segment: Segment, flags: Sequence[Flag]) -> list[Candidate]:
        source = self.source_for(segment)
        if not source:
            return []
        outs = self.translator.translate([source], [constraints_of(flags)],
                                         src_lang=self.src_lang, tgt_lang=self.tgt_lang,
                                         num_beams=max(self.num_beams, self.n), max_new_tokens=self.max_new_tokens,
                                         num_return_sequences=self.n)[0]
        return [Candidate(text, (self.name,), tuple(flags)) for text in _dedupe(outs, segment.text)]


def rewrite_prompt(sentence: str, flags: Sequence[Flag]) -> str:
    hints = []
    for flag in flags:
        if flag.replacement:
            hints.append(f'- replace "{flag.text}" with "{flag.replacement}"')
        else:
            hints.append(f'- "{flag.text}" reads awkwardly: {flag.message}')
    lines = ["Rewrite this machine-translated sentence as fluent English. Keep its meaning, names, numbers "
             "and negations. Change only what the notes ask.", "Notes:", *hints, f"Sentence: {sentence}",
             "Answer with the rewritten sentence only."]
    return "\n".join(lines)


@dataclass
class InstructRewriteGenerator:
    lm: Generates  # with a chat template
    max_new_tokens: int = 96
    name: str = "model.instruct"

    def generate(self, segment: Segment, flags: Sequence[Flag]) -> list[Candidate]:
        answer = self.lm.generate([rewrite_prompt(segment.text, flags)],
                                  max_new_tokens=self.max_new_tokens)[0]
        line = answer.strip().splitlines()[0].strip().lstrip("-*• ").strip().strip('"') if answer.strip() else ""
        if line.lower().startswith("sentence:"):
            line = line.split(":", 1)[1].strip()
        return [Candidate(line, (self.name,), tuple(flags))] if line and line != segment.text else []
