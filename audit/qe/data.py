"""Training and evaluation examples for the detector, from human MQM annotations.

**Raters.** One translation is often rated by several raters (and the same MT of one source may
come from several systems: each is its own example). Rows with the same (file, document, source,
MT) are merged into one example whose token labels are *soft*: the share of raters who put that
token in a minor / major span (a token with no span for a rater counts OK for that rater). The
sentence target is the mean over raters of the MQM penalty ``minor + 5 * major``, capped at 25
and divided by 25. Disagreement thus becomes a probability, not a coin toss.

**Splits.** By document, per file: the documents of each file are shuffled with a fixed seed and
dealt into ``FOLDS`` folds round-robin, so every file (even TED, with 5-6 talks) has documents in
every fold and rows of one document never straddle train and test. Fold ``TEST_FOLD`` is held
out for evaluation and calibration; the shipped model never sees it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..evaluation.data import AnnotatedSegment, read_annotations

FOLDS = 5
TEST_FOLD = 0
SPLIT_SEED = 13
PENALTY_CAP = 25.0
SEVERITY_WEIGHT = {"minor": 1.0, "major": 5.0, "critical": 5.0}


@dataclass(frozen=True)
class Example:
    """One (source, MT) pair with its merged annotations."""

    corpus: str
    doc: str
    source: str
    target: str
    raters: int
    #: Per rater, its spans as (start, end, severity).
    spans: tuple[tuple[tuple[int, int, str], ...], ...]
    fold: int

    @property
    def sentence_target(self) -> float:
        penalties = [min(PENALTY_CAP, sum(SEVERITY_WEIGHT.get(sev, 1.0) for _, _, sev in rater))
                     for rater in self.spans]
        return float(np.mean(penalties)) / PENALTY_CAP if penalties else 0.0

    def token_labels(self, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Soft labels ``[tokens, 3]`` (OK, minor, major) for tokens at ``spans`` of the MT."""
        labels = np.zeros((len(spans), 3), dtype=np.float32)
        for rater in self.spans:
            tags = np.zeros(len(spans), dtype=np.int64)
            for start, end, severity in rater:
                level = 2 if severity in ("major", "critical") else 1
                for i, (a, b) in enumerate(spans):
                    if a < end and start < b and level > tags[i]:
                        tags[i] = level
            labels[np.arange(len(spans)), tags] += 1.0
        return labels / max(1, len(self.spans))


def corpus_name(path: Path) -> str:
    name = path.name
    for suffix in (".jsonl", ".tsv", ".json"):
        name = name.removesuffix(suffix)
    return name.removeprefix("mqm-")


def doc_folds(docs: Iterable[str], seed: int = SPLIT_SEED, folds: int = FOLDS) -> dict[str, int]:
    ordered = sorted(set(docs))
    random.Random(seed).shuffle(ordered)
    return {doc: i % folds for i, doc in enumerate(ordered)}


def merge_raters(corpus: str, rows: Sequence[AnnotatedSegment], seed: int = SPLIT_SEED) -> list[Example]:
    folds = doc_folds((r.doc for r in rows), seed)
    groups: dict[tuple[str, str, str], list[AnnotatedSegment]] = {}
    for row in rows:
        groups.setdefault((row.doc, row.source, row.target), []).append(row)
    out = []
    for (doc, source, target), members in groups.items():
        spans = tuple(tuple((s.start, s.end, s.severity) for s in m.spans) for m in members)
        out.append(Example(corpus, doc, source, target, len(members), spans, folds[doc]))
    return out


def load_examples(paths: Sequence[Path | str], seed: int = SPLIT_SEED) -> list[Example]:
    examples: list[Example] = []
    for path in paths:
        path = Path(path)
        examples.extend(merge_raters(corpus_name(path), read_annotations(path), seed))
    return examples


def held_out(rows: Sequence[AnnotatedSegment], seed: int = SPLIT_SEED, fold: int = TEST_FOLD
             ) -> list[AnnotatedSegment]:
    """The rows of one file whose document is in the held-out fold (as :func:`merge_raters` deals them)."""
    folds = doc_folds((r.doc for r in rows), seed)
    return [r for r in rows if folds[r.doc] == fold]
