"""The runner: per-target offsets in a batched run; with sources, the pairs through Auditor.run."""

from __future__ import annotations

from audit.config import AuditConfig
from audit.evaluation.data import AnnotatedSegment, GoldSpan
from audit.evaluation.runner import evaluate, flag_segments, flags_only
from audit.pipeline import Auditor

RULE_YAML = """rules:
  - id: test.eval.badword
    category: Style/Awkward
    severity: minor
    message: "A test rule."
    pattern: '\\bbadword\\b'
"""


def _auditor(tmp_path, cls=Auditor):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULE_YAML, encoding="utf-8")
    config = AuditConfig(rules=(str(rules),), use_glossary=False, grammar=False, disabled_rules=())
    return flags_only(cls(config))


def seg(target, *spans, source=""):
    return AnnotatedSegment("S", "d", None, None, source, target, tuple(spans))


def test_offsets_are_per_target_in_a_batched_run(tmp_path):
    # several sentences per target, several targets per batch: offsets must stay per target
    targets = [
        "First one. Then a badword.",
        "badword at the start.",
        "None here.",
        "Two: badword and badword.",
    ]
    predictions = flag_segments(_auditor(tmp_path), [seg(t) for t in targets])
    expected = [[(18, 25)], [(0, 7)], [], [(5, 12), (17, 24)]]
    assert [[(p.start, p.end) for p in ps] for ps in predictions] == expected
    assert all(t[p.start : p.end] == "badword" for t, ps in zip(targets, predictions, strict=True) for p in ps)


class HashEmbedder:
    """Deterministic vectors from the text's characters; records the size of every call."""

    name = "hash"
    baseline = 0.0

    def __init__(self):
        self.calls: list[int] = []

    def embed(self, texts):
        import numpy as np

        self.calls.append(len(texts))
        rows = []
        for text in texts:
            v = np.zeros(64, np.float32)
            for ch in text:
                v[ord(ch) % 64] += 1.0
            rows.append(v / (np.linalg.norm(v) or 1.0))
        return np.stack(rows) if rows else np.zeros((0, 64), np.float32)


PAIRS = [
    ("全国有3.5万人参加。", "About 3,500 people took part nationwide. A badword here."),
    ("事故造成三人死亡。他说。", "Three people died in the accident."),
    ("投资两亿元。", "It invested 200 million yuan."),
    ("比分是三比零。这是第二句。", "The score was 3-0. This is the second sentence. An added badword sentence."),
    ("", "No source at all, badword."),
]


def _pair_auditor(tmp_path, embedder):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULE_YAML, encoding="utf-8")
    config = AuditConfig(rules=(str(rules),), use_glossary=False, grammar=False, disabled_rules=(), src_lang="zh")
    auditor = flags_only(Auditor(config))
    auditor.source_checker("zh").embedder = embedder
    return auditor


def test_with_source_gives_the_flags_of_audit_pair_with_embeddings_prefetched(tmp_path):
    """Each pair is a Document through Auditor.run, its texts embedded up front in batches."""
    from audit.source.prefetch import plan_pairs

    segments = [seg(t, source=s) for s, t in PAIRS]
    per_pair_auditor = _pair_auditor(tmp_path, HashEmbedder())
    expected = []
    for s in segments:
        result = per_pair_auditor.audit_pair(s.source, s.target) if s.source else per_pair_auditor.audit(s.target)
        expected.append(sorted((f.start, f.end, f.rule) for r in result.segments for f in r.flags))
    embedder = HashEmbedder()
    auditor = _pair_auditor(tmp_path, embedder)
    got = flag_segments(auditor, segments, with_source=True, batch=4)
    assert [sorted((p.start, p.end, p.rule) for p in ps) for ps in got] == expected
    assert any(p.rule == "source.number" for ps in got for p in ps)
    # every text the aligner needs was embedded once, up front, 4 at a time; the pairs then ran from the cache
    texts = {t for plan in plan_pairs(auditor, [(s.source, s.target) for s in segments]) if plan for t in plan.texts}
    assert texts and max(embedder.calls) <= 4 and sum(embedder.calls) == len(texts)
    assert auditor.source_checker("zh").embedder is embedder  # the checker's own, untouched


def test_with_source_flags_only_what_the_pair_checks_find(tmp_path):
    """The source checks run on pairs; without --with-source the same auditor runs target-only."""
    segments = [seg("Three people died.", GoldSpan(0, 5, "major"), source="事故造成五人死亡。"),
                seg("Three people died.", source="事故造成三人死亡。")]
    auditor = _pair_auditor(tmp_path, HashEmbedder())
    report = evaluate(segments, auditor=auditor, with_source=True)
    assert report.source_aware and report.flagger.flagged == 1
    plain = evaluate(segments, auditor=auditor, with_source=False)
    assert plain.flagger.flagged == 0
