"""Run the trained detector: (source or None, MT) pairs in, per-token error probabilities out,
then words and spans.

* :class:`Detector` loads lazily (the base is converted on first use, see :mod:`audit.qe.base`),
  batches pairs by length, and runs torch on the CPU, with dynamic int8 quantisation of the linear
  layers by default (measured in ``benchmarks/bench_qe.py``).
* :func:`decode_spans` turns word probabilities into flagged spans with the calibrated thresholds
  (:class:`Thresholds`): a run of consecutive words whose error probability reaches ``span`` is one
  span; it is major when its highest major probability reaches ``major``. A sentence with no such
  span whose estimated penalty reaches ``segment`` gets one guess: its most likely word.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import DEFAULT_QE_LEVEL
from ..config import QEThresholds as Thresholds
from ..errors import ConfigError
from .model import MAX_TARGET_TOKENS

#: Pairs per forward pass are chosen so that batch width x count stays under this many tokens.
INFER_BATCH_TOKENS = 4096
QUANTISE_DEFAULT = True


@dataclass(frozen=True, slots=True)
class Word:
    start: int
    end: int
    p_error: float
    p_major: float


@dataclass(frozen=True, slots=True)
class Prediction:
    """One MT's words with their probabilities, and the sentence estimate (0 good - 1 bad)."""

    words: tuple[Word, ...]
    penalty: float

    @property
    def quality(self) -> float:
        return round(1.0 - self.penalty, 4)


@dataclass(frozen=True, slots=True)
class SpanGuess:
    """A flagged span; ``penalty`` is set on a sentence-level guess (the sentence's estimated penalty,
    0-1) and None on a span its words' probabilities flagged."""

    start: int
    end: int
    severity: str
    p_error: float
    p_major: float
    penalty: float | None = None


def decode_spans(prediction: Prediction, text: str, thresholds: Thresholds) -> list[SpanGuess]:
    """The flagged spans of one MT (``text``, the string the prediction was made on)."""
    spans = word_spans(prediction, text, thresholds)
    if spans or thresholds.segment is None or prediction.penalty < thresholds.segment:
        return spans
    guess = sentence_guess(prediction, text, thresholds)
    return [guess] if guess is not None else []


def sentence_guess(prediction: Prediction, text: str, thresholds: Thresholds) -> SpanGuess | None:
    """The sentence-level guess: its most likely wrong word (None when no word has a letter or digit)."""
    words = [w for w in prediction.words if any(c.isalnum() for c in text[w.start:w.end])]
    if not words:
        return None
    word = max(words, key=lambda w: w.p_error)
    severity = "major" if word.p_major >= thresholds.major else "minor"
    return SpanGuess(word.start, word.end, severity, word.p_error, word.p_major, prediction.penalty)


def word_spans(prediction: Prediction, text: str, thresholds: Thresholds) -> list[SpanGuess]:
    """Runs of words whose error probability reaches ``thresholds.span``."""
    spans: list[SpanGuess] = []
    run: list[Word] = []

    def close() -> None:
        if not run:
            return
        p_err = max(w.p_error for w in run)
        p_maj = max(w.p_major for w in run)
        start, end = run[0].start, run[-1].end
        if text[start:end].strip():
            spans.append(SpanGuess(start, end, "major" if p_maj >= thresholds.major else "minor", p_err, p_maj))
        run.clear()

    for word in prediction.words:
        if word.p_error >= thresholds.span:
            run.append(word)
        else:
            close()
    close()
    return spans


#: Inside a word (letters or digits on both sides) these join its parts: "U-turn", "don't".
WORD_JOINERS = frozenset("-'’")


def _continues_word(text: str, start: int, end: int, prev_end: int) -> bool:
    """Whether the token ``text[start:end]``, which starts where the previous one ended, goes on the
    previous token's word: letters and digits (not CJK, where each character is a word) join, and so
    does a hyphen or apostrophe between them."""
    first, last = text[start], text[prev_end - 1]
    if _is_cjk(first) or _is_cjk(last):
        return False
    if first.isalnum() and last.isalnum():
        return True
    if last in WORD_JOINERS and first.isalnum():
        return prev_end >= 2 and text[prev_end - 2].isalnum()
    if first in WORD_JOINERS and last.isalnum():
        return end == start + 1 and end < len(text) and text[end].isalnum()
    return False


def group_words(spans: Sequence[tuple[int, int]], text: str, probs: np.ndarray) -> tuple[Word, ...]:
    """Tokens -> words: a token that starts right where the previous one ended (no space) continues
    its word when :func:`_continues_word` says so; a word's probabilities are its tokens' highest."""
    words: list[Word] = []
    cur: list[int] = []

    def flush() -> None:
        if cur:
            p = probs[cur]
            s, e = spans[cur[0]][0], spans[cur[-1]][1]
            words.append(Word(s, e, float((1.0 - p[:, 0]).max()), float(p[:, 2].max())))
            cur.clear()

    for i, (start, end) in enumerate(spans):
        if start == end:
            continue
        if cur:
            prev_end = spans[cur[-1]][1]
            if start != prev_end or not _continues_word(text, start, end, prev_end):
                flush()
        cur.append(i)
    flush()
    return tuple(words)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF


class Detector:
    """The detector of one model folder (the shipped one by default); thread-safe, loads once."""

    def __init__(self, model_dir: Path | None = None, base_dir: Path | None = None,
                 quantise: bool = QUANTISE_DEFAULT, threads: int | None = None) -> None:
        from .weights import shipped_detector_dir

        self.model_dir = Path(model_dir) if model_dir is not None else shipped_detector_dir()
        self.base_dir = base_dir
        self.quantise = quantise
        self.threads = threads
        self._lock = threading.Lock()
        self._loaded: tuple | None = None

    @property
    def name(self) -> str:
        from .weights import read_meta

        meta = read_meta(self.model_dir)
        return f"qe:{meta.get('name', self.model_dir.name)}|layers:{meta['layers']}" \
               f"|{'int8' if self.quantise else 'fp32'}"

    def thresholds(self, mode: str, level: str = DEFAULT_QE_LEVEL) -> Thresholds:
        """The calibrated thresholds of ``mode`` (``source`` or ``target``) at operating point ``level``:
        the shipped detector's from the shipped calibration (audit/calibration.yaml), another model's from
        its ``detector.json`` (the built-in defaults when it has none)."""
        from ..config import level_thresholds, parse_qe_levels, shipped_calibration
        from .weights import META_FILE, is_shipped, read_meta

        if is_shipped(self.model_dir):
            return shipped_calibration().qe(mode, level)
        file = str(self.model_dir / META_FILE)
        levels = parse_qe_levels(read_meta(self.model_dir).get("thresholds"), file, "thresholds")
        return level_thresholds(levels, level, file).get(mode, Thresholds())

    def load(self) -> tuple:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._build()
            return self._loaded

    def _build(self) -> tuple:
        import torch

        from .base import load_base
        from .model import QEModel
        from .weights import load_detector_state, read_meta

        meta = read_meta(self.model_dir)
        base = load_base(self.base_dir, layers=meta["layers"])
        model = QEModel(base.encoder, base.encoder.config.hidden_size)
        missing, unexpected = model.load_state_dict(load_detector_state(self.model_dir), strict=False)
        frozen = range(int(meta.get("frozen_layers", 0)))
        from_base = ("encoder.embeddings.", *(f"encoder.encoder.layer.{i}." for i in frozen))
        if unexpected or any(not m.startswith(from_base) and "position_ids" not in m for m in missing):
            raise ConfigError(f"detector weights do not fit the base (unexpected {list(unexpected)[:3]}, "
                              f"missing {[m for m in missing if not m.startswith(from_base)][:3]})",
                              file=str(self.model_dir))
        model.eval()
        if self.quantise:
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        return model, base.tokenizer

    def predict(self, targets: Sequence[str], sources: Sequence[str | None] | None = None) -> list[Prediction]:
        """Predictions for each MT (``sources[i]`` None or empty: target-only)."""
        import torch

        from .model import build_inputs

        model, tok = self.load()
        sources = list(sources) if sources is not None else [None] * len(targets)
        if len(sources) != len(targets):
            raise ValueError(f"{len(sources)} sources for {len(targets)} targets")
        enc_t = tok.encode_many(list(targets))
        src_texts = [s if s and s.strip() else "" for s in sources]
        enc_s = tok.encode_many(src_texts)
        lengths = [len(t.ids) + (len(s.ids) + 2 if src_texts[i] else 0) + 2
                   for i, (t, s) in enumerate(zip(enc_t, enc_s, strict=True))]
        out: list[Prediction | None] = [None] * len(targets)
        if self.threads:
            torch.set_num_threads(self.threads)
        for batch in _batches(lengths):
            inputs = build_inputs([enc_t[i].ids for i in batch],
                                  [enc_s[i].ids if src_texts[i] else None for i in batch], tok.bos, tok.eos, tok.pad)
            with torch.inference_mode():
                logits, sentence = model(inputs.input_ids, inputs.attention_mask, inputs.target_mask)
            probs = torch.softmax(logits, dim=-1).numpy()
            for row, index in enumerate(batch):
                off, n = inputs.target_offsets[row], inputs.target_lengths[row]
                spans = enc_t[index].spans[:n]
                words = group_words(spans, targets[index], probs[row, off:off + n])
                out[index] = Prediction(words, float(np.clip(sentence[row].item(), 0.0, 1.0)))
        return [p if p is not None else Prediction((), 0.0) for p in out]


def _batches(lengths: Sequence[int]) -> list[list[int]]:
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        width = min(lengths[index], MAX_TARGET_TOKENS + 132)
        if current and width * (len(current) + 1) > INFER_BATCH_TOKENS:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches
