"""The learned error-span detector (``qe.span``; :mod:`audit.qe`): words a model trained on human
MQM annotations thinks are wrong, and a quality estimate per sentence. Where no word reaches the span
threshold but the sentence's estimate says it likely holds an error, its most likely word is flagged
(``qe.segment``, at operating points calibrated with a sentence threshold).

It reads each sentence with its aligned source where the document has one, else the MT alone. Its
flags say "likely error" with the probability, carry no correction, and give way to a glossary,
rule, grammar or source flag on the same words (which keeps its message and fix, and takes the
detector's probability as its ``confidence``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import DEFAULT_QE_LEVEL, QE_MODES, QEThresholds
from ..records import Flag, Segment, Severity
from .base import CheckBatch, Checker, CheckerSetup, Findings

if TYPE_CHECKING:
    from ..qe.detector import Detector, SpanGuess

RULE = "qe.span"
#: The sentence-level guess: the sentence's estimate says "error", no word reached the span threshold.
SENTENCE_RULE = "qe.segment"
#: The MQM category of the detector's flags. It finds that a span is wrong, not why: the annotations it
#: learnt from carry spans and severities but no categories; in WMT's MQM studies (Freitag et al. 2021)
#: Accuracy/Mistranslation is the most common category of news MT errors.
CATEGORY = "Accuracy/Mistranslation"


class QESpanChecker(Checker):
    ids = (RULE, SENTENCE_RULE)
    order = 70
    defers_to = frozenset({"glossary", "rule", "grammar", "source"})

    def __init__(self, detector: Detector, thresholds: dict[str, QEThresholds],
                 level: str = DEFAULT_QE_LEVEL) -> None:
        self.detector = detector
        self.thresholds = thresholds
        self.level = level

    @classmethod
    def build(cls, setup: CheckerSetup) -> QESpanChecker | None:
        """None when the options switch the detector off or torch (the models extra) is missing."""
        if not setup.config.qe:
            return None
        from ..models.registry import models_available

        if not models_available():
            return None
        detector = setup.models().detector(setup.config.qe_model)
        level = setup.config.qe_level
        return cls(detector, {mode: detector.thresholds(mode, level) for mode in QE_MODES}, level)

    def signature(self) -> str:
        """What produced its flags: the model, its quantisation, the operating point and its thresholds
        per mode."""
        limits = "|".join(f"{m}:{t.span:g}/{t.major:g}" + ("" if t.segment is None else f"/{t.segment:g}")
                          for m, t in self.thresholds.items())
        return f"{self.detector.name}|{self.level}|{limits}"

    def warm(self) -> None:
        self.detector.load()

    def check(self, batch: CheckBatch) -> list[list[Flag]]:
        return self.examine(batch).flags

    def examine(self, batch: CheckBatch) -> Findings:
        """One batched run of the detector over the batch's sentences."""
        from ..qe.detector import decode_spans

        pairs = batch.pairs()
        predictions = self.detector.predict([t for _, t in pairs], [s for s, _ in pairs])
        flags = []
        for item, (source, _), prediction in zip(batch.items, pairs, predictions, strict=True):
            mode = "source" if source and source.strip() else "target"
            spans = decode_spans(prediction, item.segment.text, self.thresholds[mode])
            flags.append([_flag(item.segment, span) for span in spans])
        return Findings(flags, [p.quality for p in predictions])


def _flag(segment: Segment, span: SpanGuess) -> Flag:
    from ..qe.data import PENALTY_CAP

    major = span.severity == "major"
    probability = span.p_major if major else span.p_error
    kind = "major error" if major else "error"
    if span.penalty is None:
        rule, message = RULE, f"likely {kind} (p={probability:.2f}, learned detector): check this rendering"
    else:
        rule = SENTENCE_RULE
        message = (f"this sentence likely holds an error (estimated MQM penalty {span.penalty * PENALTY_CAP:.1f}, "
                   f"learned detector); no word stands out, this one is the most likely "
                   f"(p={span.p_error:.2f}): check the sentence")
    return Flag(start=segment.start + span.start, end=segment.start + span.end,
                text=segment.text[span.start:span.end], rule=rule, category=CATEGORY,
                severity=Severity.MAJOR if major else Severity.MINOR, message=message,
                origin="qe", confidence=span.p_error)
