"""The learned error-span detector (``qe.span``; :mod:`audit.qe`): words a model trained on human
MQM annotations thinks are wrong, and a quality estimate per sentence.

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
#: The MQM category of the detector's flags. It finds that a span is wrong, not why: the annotations it
#: learnt from carry spans and severities but no categories; in WMT's MQM studies (Freitag et al. 2021)
#: Accuracy/Mistranslation is the most common category of news MT errors.
CATEGORY = "Accuracy/Mistranslation"


class QESpanChecker(Checker):
    ids = (RULE,)
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
        limits = "|".join(f"{m}:{t.span:g}/{t.major:g}" for m, t in self.thresholds.items())
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
    major = span.severity == "major"
    probability = span.p_major if major else span.p_error
    kind = "major error" if major else "error"
    return Flag(start=segment.start + span.start, end=segment.start + span.end,
                text=segment.text[span.start:span.end], rule=RULE, category=CATEGORY,
                severity=Severity.MAJOR if major else Severity.MINOR,
                message=f"likely {kind} (p={probability:.2f}, learned detector): check this rendering",
                origin="qe", confidence=span.p_error)
