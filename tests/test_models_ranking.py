"""Ranking with the model layer: guards, flags remaining, fluency, adequacy, edit size; and the
layer wired into the Auditor (tiny models)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from audit.config import AuditConfig, ModelsConfig
from audit.models.guards import Guards
from audit.models.ranking import ModelRanker
from audit.pipeline import Auditor
from audit.propose import Ranker
from audit.records import Candidate, Flag, Segment, Severity

SEED = Path(__file__).resolve().parent.parent / "seeds" / "lavrov-kommersant.en.txt"
MT = "He continued stepping up withdrawal in economic fields and tried to pull Russia."
WEIGHTS = {"minor": 1.0, "major": 5.0, "critical": 10.0}


def _flag(text: str, replacement: str | None, origin: str = "glossary") -> Flag:
    start = MT.index(text)
    return Flag(start, start + len(text), text, f"{origin}.x", "Style/Unidiomatic", Severity.MAJOR, "m",
                replacement, replacement, origin)


FLAGS = (_flag("withdrawal", "decoupling"), _flag("pull Russia", "win over Russia"))


def reaudit(text: str) -> list[Flag]:
    return [f for f in FLAGS if f.text in text]


@dataclass
class _Scored:
    mean: float
    words: tuple = ()


class _FakeLM:
    """Mean surprisal = 1 per odd word: stands in for the LM's fluency score."""

    def score(self, texts):
        return [_Scored(float(sum(t.count(w) for w in ("withdrawal", "pull", "thing")))) for t in texts]


@pytest.fixture
def segment() -> Segment:
    return Segment(0, 0, len(MT), MT)


def test_guard_rejected_model_candidates_are_dropped(segment):
    ranker = ModelRanker(Ranker(reaudit, WEIGHTS), Guards())
    good = Candidate(MT.replace("withdrawal", "decoupling").replace("pull Russia", "win over Russia"),
                     ("model.roundtrip",), FLAGS)
    reversed_ = Candidate("He never continued stepping up decoupling in economic fields and tried to win over Russia.",
                          ("model.roundtrip",), FLAGS)
    invented = Candidate(good.text[:-1] + " with new sanctions on Beijing and Tokyo.", ("model.roundtrip",), FLAGS)
    ranked = ranker.rank(segment, [reversed_, invented, good])
    assert [c.text for c in ranked] == [good.text]
    assert len(ranker.rejected) == 2


def test_flags_remaining_come_before_edit_size(segment):
    ranker = ModelRanker(Ranker(reaudit, WEIGHTS), Guards())
    small = Candidate(MT.replace("withdrawal", "decoupling"), ("glossary",), FLAGS[:1])
    full = Candidate(MT.replace("withdrawal", "decoupling").replace("pull Russia", "win over Russia"),
                     ("glossary",), FLAGS)
    ranked = ranker.rank(segment, [small, full])
    assert ranked[0].text == full.text
    assert dict(ranked[0].scores)["flags_remaining"] == 0.0


def test_smallest_edit_wins_among_equals_and_fluency_breaks_ties(segment):
    both = MT.replace("withdrawal", "decoupling").replace("pull Russia", "win over Russia")
    wordy = both.replace("economic fields", "the economic fields")
    ranked = ModelRanker(Ranker(reaudit, WEIGHTS)).rank(
        segment, [Candidate(wordy, ("rule",)), Candidate(both, ("glossary",))])
    assert ranked[0].text == both
    odd = both.replace("fields", "thing")
    ranked = ModelRanker(Ranker(reaudit, WEIGHTS), lm=_FakeLM()).rank(
        segment, [Candidate(odd, ("model.instruct",)), Candidate(wordy, ("rule",))])
    assert ranked[0].text == wordy
    scores = dict(ranked[0].scores)
    assert scores["fluency"] == pytest.approx(2.0)  # two odd words fewer than the MT


# --- wired into the Auditor --------------------------------------------------------------
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("sentencepiece")
torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny_dirs(tmp_path_factory):
    from audit.models.tiny import build_tiny_llama, build_tiny_marian

    text = SEED.read_text(encoding="utf-8")
    return (build_tiny_marian(tmp_path_factory.mktemp("marian"), text),
            build_tiny_llama(tmp_path_factory.mktemp("llama"), text))


def test_default_auditor_has_no_model_layer():
    auditor = Auditor(AuditConfig(grammar=False))
    assert auditor.model_layer is None
    assert "models" not in auditor.signatures()


def test_auditor_with_tiny_models_flags_and_ranks(tiny_dirs):
    marian, llama = tiny_dirs
    models = ModelsConfig(lm=str(llama), mt=str(marian), mt_back=str(marian), num_beams=2, max_length=24,
                          surprisal_minor=0.0, surprisal_major=1e9)
    auditor = Auditor(AuditConfig(grammar=False, candidates=5, models=models))
    text = "He continued stepping up withdrawal in economic fields. This time, Russia is no longer stupid."
    result = auditor.audit(text)
    assert "lm:" in auditor.signatures()["models"]
    rules = {f.rule for s in result.segments for f in s.flags}
    assert "fluency.model.surprisal" in rules
    lexical = [f for s in result.segments for f in s.flags if f.origin != "model"]
    model = [f for s in result.segments for f in s.flags if f.origin == "model"]
    assert all(m.end <= f.start or m.start >= f.end for m in model for f in lexical)
    first = result.segments[0]
    assert first.proposal is not None
    # random-weight round trips never survive the guards: the glossary's rewrite wins
    assert all(not o.startswith("model") for o in first.proposal.origin)
    assert "decoupling" in first.proposal.text
    assert dict(first.proposal.scores)["fluency"] is not None
    # the model layer loaded each model once
    assert sorted(k for k, _ in auditor.model_layer.registry.loaded()) == ["causal", "seq2seq"]


def test_check_command_takes_model_options(tiny_dirs, tmp_path):
    import json

    from click.testing import CliRunner

    from audit.cli import main

    _, llama = tiny_dirs
    text = tmp_path / "mt.txt"
    text.write_text("He continued stepping up withdrawal in economic fields.\n", encoding="utf-8")
    settings = tmp_path / "models.yaml"
    settings.write_text("surprisal_minor: 0.0\nsurprisal_major: 1000.0\nnum_beams: 2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(text), "--no-grammar", "--format", "json", "--lm", str(llama),
                                       "--models", str(settings)])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    assert "fluency.model.surprisal" in data["summary"]["flags_by_rule"]
    assert data["summary"]["signatures"]["models"].startswith(f"lm:{llama}")
    bad = tmp_path / "bad.yaml"
    bad.write_text("no_such_key: 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(text), "--models", str(bad)])
    assert result.exit_code == 2 and "unknown keys" in result.output
