"""The worker's edit scores: TER MT -> proposal is sacrebleu's, whether reused from the proposer or not."""

from __future__ import annotations

from sacrebleu.metrics import TER

from audit.batch.readers import BatchDocument, BatchSegment
from audit.batch.worker import config_to_dict, engine_for, process_document
from audit.cli import build_config

MTS = [
    "The police is investigating the cause of the accident that killed 5 people.",
    "The new crown virus spread quickly.",
    # two sentences in one segment: the proposal is composed, TER is computed on the whole segment
    "The weather was fine. The new crown virus spread quickly.",
    "It can be seen that the talks went well.",
    "He stepped up decoupling in economic, trade, science and technology, security and other fields.",
]


def test_edit_ter_equals_sacrebleu_ter_of_mt_and_proposal() -> None:
    config = config_to_dict(build_config("zh", "en", (), False, (), False, True, (), None, 0))
    doc = BatchDocument("d", 0, 0, [BatchSegment("d", str(i), None, mt, None) for i, mt in enumerate(MTS)])
    records = process_document(doc, config, source_checks=False).records
    assert engine_for(config).same_ter  # English target: the proposer's TER is reused
    proposed = [r for r in records if r["proposal"]]
    assert len(proposed) >= 4 and any(r["mt"] == MTS[2] for r in proposed)
    ter = TER()
    for record in proposed:
        expected = round(ter.sentence_score(record["mt"], [record["proposal"]["text"]]).score, 2)
        assert record["edit"]["ter"] == expected, record["mt"]
