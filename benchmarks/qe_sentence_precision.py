"""How often the detector's two kinds of flag are right, per operating point and mode, with the shipped
thresholds, on the held-out documents of every shared MQM file: for the sentences with a word flag
(``qe.span``) and those with only the sentence check's guess (``qe.segment``), the share holding an
error and a major error, and the character span precision of the flagged words.

The shipped thresholds were chosen on these same documents (the cross-validated figures are
``mt-audit qe calibrate``'s); this compares the two kinds of flag with each other.

Run from the repository root:  python benchmarks/qe_sentence_precision.py [--data-dir ../shared/benchmarks]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.config import QE_LEVEL_CAPS, QE_MODES  # noqa: E402
from audit.evaluation.data import AnnotatedSegment  # noqa: E402
from audit.evaluation.metrics import PredictedSpan, span_prf  # noqa: E402
from audit.qe.cli import DEFAULT_DATA_DIR, _data_files  # noqa: E402
from audit.qe.detector import Detector, Prediction, Thresholds, decode_spans  # noqa: E402
from audit.qe.evaluate import held_out_sets, predict_sets  # noqa: E402


@dataclass
class Kind:
    """The sentences one kind of flag fell on."""

    sentences: int = 0
    with_error: int = 0
    with_major: int = 0
    pairs: list = field(default_factory=list)

    def add(self, row: AnnotatedSegment, spans: list[PredictedSpan]) -> None:
        self.sentences += 1
        self.with_error += row.has_error
        self.with_major += row.has_major
        self.pairs.append((spans, row.spans))

    def cells(self) -> str:
        n = max(self.sentences, 1)
        precision = span_prf(self.pairs).precision or 0.0
        return (f"{self.sentences:,} | {100 * self.with_error / n:.0f}% | {100 * self.with_major / n:.0f}% | "
                f"{100 * precision:.0f}%")


def measure(rows: list[AnnotatedSegment], preds: list[Prediction], thresholds: Thresholds) -> tuple[Kind, Kind]:
    words, guesses = Kind(), Kind()
    for row, pred in zip(rows, preds, strict=True):
        flagged = decode_spans(pred, row.target, thresholds)
        spans = [PredictedSpan(s.start, s.end) for s in flagged]
        if any(s.penalty is None for s in flagged):
            words.add(row, spans)
        elif flagged:
            guesses.add(row, spans)
    return words, guesses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    args = parser.parse_args()
    sets = held_out_sets(_data_files((), args.data_dir))
    detector = Detector()
    predictions = predict_sets(detector, sets, log=lambda m: print(m, file=sys.stderr))
    print("| qe_level | mode | word flags: sentences | with an error | with a major | span P "
          "| sentence guesses: sentences | with an error | with a major | span P |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = [r for h in sets for r in h.rows]
    preds = {mode: [p for h in sets for p in predictions[(h.corpus, mode)]] for mode in QE_MODES}
    for level in QE_LEVEL_CAPS:
        for mode in QE_MODES:
            words, guesses = measure(rows, preds[mode], detector.thresholds(mode, level))
            print(f"| {level} | {mode} | {words.cells()} | {guesses.cells()} |")


if __name__ == "__main__":
    main()
