"""Step 6, score: the edit between an MT sentence and its correction.

BLEU, chrF and TER come from sacrebleu (with their signatures, so any number can be
reproduced); character Levenshtein distance from rapidfuzz. For an edit, the MT is
the hypothesis and the correction the reference: TER is then HTER, the share of
the corrected sentence's words that an editor had to change.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein
from sacrebleu.metrics import BLEU, CHRF, TER

from .records import EditScore

#: The sacrebleu tokenizer used for English targets (sacrebleu's own default).
DEFAULT_TOKENIZER = "13a"
#: Tokenizers for targets sacrebleu knows to need their own (CJK).
TOKENIZER_BY_TARGET = {"zh": "zh", "ja": "ja-mecab", "ko": "ko-mecab"}


#: sacrebleu's SentencePiece tokenizer of FLORES-200 (spBLEU): one model for all its languages,
#: used for CJK targets when its model is installed (it is a download sacrebleu makes on first
#: use; mt-audit never downloads it).
FLORES200 = "flores200"
#: Tokenizers of CJK targets: TER then needs sacrebleu's ``asian_support``.
ASIAN_TOKENIZERS = frozenset({"zh", "ja-mecab", "ko-mecab", FLORES200})


_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_KANA = re.compile(r"[\u3040-\u30ff]")


def count_words(text: str) -> int:
    """Words of ``text`` for the per-100-words MQM penalty: whitespace-separated tokens, except
    runs of Chinese characters, which jieba segments into words (a word each, not the whole
    sentence as one), and runs holding Japanese kana, counted by character (jieba does not
    segment Japanese; a character per word is the usual CJK convention). Hangul is spaced
    (eojeol) and counts by whitespace. Without jieba, Chinese counts by character too."""
    if _CJK_RUN.search(text) is None:
        return len(text.split())
    from .source.zh import word_spans

    words = sum(len(part.split()) for part in _CJK_RUN.split(text))
    for m in _CJK_RUN.finditer(text):
        run = m.group()
        spans = () if _KANA.search(run) else word_spans(run)
        words += len(spans) if spans else len(run)
    return words


def tokenizer_for(tgt_lang: str) -> str:
    return TOKENIZER_BY_TARGET.get(tgt_lang, DEFAULT_TOKENIZER)


def flores200_model_path() -> Path:
    """Where sacrebleu loads the flores200 SentencePiece model from: ``$SACREBLEU/models/
    flores200sacrebleuspm`` (``~/.sacrebleu`` without the ``SACREBLEU`` variable)."""
    from sacrebleu.tokenizers import tokenizer_spm

    name = Path(tokenizer_spm.SPM_MODELS[FLORES200]["url"]).name
    return Path(tokenizer_spm.SACREBLEU_DIR) / "models" / name


def flores200_available() -> bool:
    """Whether sacrebleu's flores200 tokenizer would run offline: sentencepiece installed and
    the model already in place."""
    return importlib.util.find_spec("sentencepiece") is not None and flores200_model_path().is_file()


@dataclass
class EditScorer:
    """Scores one MT sentence against one correction, sentence by sentence."""

    tokenize: str = DEFAULT_TOKENIZER
    char_order: int = 6
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def bleu(self) -> BLEU:
        return BLEU(tokenize=self.tokenize, effective_order=True)

    @cached_property
    def chrf(self) -> CHRF:
        return CHRF(char_order=self.char_order)

    @cached_property
    def ter(self) -> TER:
        # sacrebleu splits CJK into characters only with normalized=True as well (its docs:
        # "When asian_support is enabled, also normalizes specific Asian (CJK) character sequences").
        asian = self.tokenize in ASIAN_TOKENIZERS
        return TER(asian_support=asian, normalized=asian)

    def score(self, mt: str, corrected: str) -> EditScore:
        if mt == corrected:
            return EditScore(0, 0.0, 0.0, 100.0, 100.0)
        refs = [corrected]
        ter = self.ter.sentence_score(mt, refs)
        return EditScore(
            char_distance=Levenshtein.distance(mt, corrected),
            char_ratio=Levenshtein.normalized_distance(mt, corrected),
            ter=ter.score,
            chrf=self.chrf.sentence_score(mt, refs).score,
            bleu=self.bleu.sentence_score(mt, refs).score,
            ter_edits=float(ter.num_edits),
            ter_words=float(ter.ref_length),
        )

    def ter_words(self, text: str) -> float:
        """The words TER counts in ``text`` as a reference (its tokenizer's; no edit search)."""
        return float(len(self.ter._preprocess_segment(text).split()))

    def signatures(self) -> dict[str, str]:
        # sacrebleu learns the reference count from a first score; sentence mode has one.
        if not self._cache.get("primed"):
            for metric in (self.bleu, self.chrf, self.ter):
                metric.sentence_score("x", ["x"])
            self._cache["primed"] = True
        return {
            "bleu": str(self.bleu.get_signature()),
            "chrf": str(self.chrf.get_signature()),
            "ter": str(self.ter.get_signature()),
        }


@dataclass(frozen=True, slots=True)
class SentenceScores:
    bleu: float
    chrf: float
    ter: float
    char_distance: int
    char_ratio: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "bleu": round(self.bleu, 4),
            "chrf": round(self.chrf, 4),
            "ter": round(self.ter, 4),
            "char_distance": self.char_distance,
            "char_ratio": round(self.char_ratio, 4),
        }


@dataclass(frozen=True, slots=True)
class CorpusScores:
    """Sentence and corpus scores of hypotheses against references, with signatures."""

    sentences: tuple[SentenceScores, ...]
    bleu: float
    chrf: float
    ter: float
    char_distance: int
    char_ratio: float
    signatures: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentences": [s.to_dict() for s in self.sentences],
            "corpus": {
                "bleu": round(self.bleu, 4),
                "chrf": round(self.chrf, 4),
                "ter": round(self.ter, 4),
                "char_distance": self.char_distance,
                "char_ratio": round(self.char_ratio, 4),
            },
            "signatures": self.signatures,
        }


def score_corpus(hypotheses: Sequence[str], references: Sequence[str], tokenize: str = DEFAULT_TOKENIZER
                 ) -> CorpusScores:
    """Score line-aligned hypotheses against references as sacrebleu's command does.

    Corpus figures use sacrebleu's defaults (``sacrebleu REF -i HYP -m bleu chrf ter``);
    sentence BLEU uses effective order, as ``sacrebleu --sentence-level`` does.
    """
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
    corpus_bleu = BLEU(tokenize=tokenize)
    sentence_bleu = BLEU(tokenize=tokenize, effective_order=True)
    chrf = CHRF()
    ter = TER(asian_support=tokenize in ASIAN_TOKENIZERS, normalized=tokenize in ASIAN_TOKENIZERS)
    sentences = []
    total_distance = 0
    total_chars = 0
    for hyp, ref in zip(hypotheses, references, strict=True):
        distance = Levenshtein.distance(hyp, ref)
        total_distance += distance
        total_chars += max(len(hyp), len(ref))
        sentences.append(
            SentenceScores(
                bleu=sentence_bleu.sentence_score(hyp, [ref]).score,
                chrf=chrf.sentence_score(hyp, [ref]).score,
                ter=ter.sentence_score(hyp, [ref]).score,
                char_distance=distance,
                char_ratio=Levenshtein.normalized_distance(hyp, ref),
            )
        )
    refs = [list(references)]
    return CorpusScores(
        sentences=tuple(sentences),
        bleu=corpus_bleu.corpus_score(list(hypotheses), refs).score,
        chrf=chrf.corpus_score(list(hypotheses), refs).score,
        ter=ter.corpus_score(list(hypotheses), refs).score,
        char_distance=total_distance,
        char_ratio=total_distance / total_chars if total_chars else 0.0,
        signatures={
            "bleu": str(corpus_bleu.get_signature()),
            "chrf": str(chrf.get_signature()),
            "ter": str(ter.get_signature()),
        },
    )
