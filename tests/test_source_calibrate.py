"""The source-check calibration: features computed once, with every text embedded up front."""

import numpy as np

from audit.evaluation.data import AnnotatedSegment, GoldSpan
from audit.source.calibrate import features, fit
from audit.source.checks import SourceChecker, Thresholds


class CountingEmbedder:
    name = "count"
    baseline = 0.0

    def __init__(self):
        self.calls = []

    def embed(self, texts):
        self.calls.append(len(texts))
        rows = []
        for text in texts:
            v = np.zeros(32, np.float32)
            for ch in text:
                v[ord(ch) % 32] += 1.0
            rows.append(v / (np.linalg.norm(v) or 1.0))
        return np.stack(rows) if rows else np.zeros((0, 32), np.float32)


def seg(source, target, *spans, doc="d"):
    return AnnotatedSegment("S", doc, None, None, source, target, tuple(spans))


def test_features_embed_everything_first_then_fit_keeps_a_precise_check():
    segments = [
        seg("全国有3.5万人参加。他说。", "About 3,500 people took part. He said.", GoldSpan(6, 11, "major")),
        seg("投资两亿元。", "It invested 200 million yuan."),
        seg("比分是三比零。", "The score was three to zero."),
    ]
    embedder = CountingEmbedder()
    checker = SourceChecker((), "zh", "en", embedder=embedder, thresholds=Thresholds(min_similarity=None),
                            checks=frozenset({"numbers", "names"}))
    static, pairs = features(segments, checker, batch=4)
    assert [[s.rule for s in spans] for spans in static] == [["source.number"], [], []]
    assert static[0][0].start == 6  # "3,500"
    assert all(len(p) >= 1 for p in pairs) and max(embedder.calls) <= 4
    params = fit(range(3), segments, [[] for _ in segments], static, pairs, "precise")
    assert "source.number" in params["rules"]
