"""The seq2seq backend on a tiny Marian model built here (random weights: it proves loading,
batching and constrained decoding, not translation quality)."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("sentencepiece")

from audit.errors import ConfigError  # noqa: E402
from audit.models.registry import ModelRegistry, resolve  # noqa: E402
from audit.models.tiny import build_tiny_marian  # noqa: E402

torch.set_num_threads(1)
SEED = Path(__file__).resolve().parent.parent / "seeds" / "lavrov-kommersant.en.txt"


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory) -> Path:
    return build_tiny_marian(tmp_path_factory.mktemp("tiny-marian"), SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def registry() -> ModelRegistry:
    return ModelRegistry()


def test_tiny_model_directory_has_the_marian_files(tiny_marian):
    names = {p.name for p in tiny_marian.iterdir()}
    assert {"config.json", "source.spm", "target.spm", "vocab.json"} <= names


def test_loads_from_a_directory_once_per_registry(tiny_marian, registry):
    first = registry.translator(str(tiny_marian))
    assert first.family == "marian"
    assert registry.translator(str(tiny_marian)) is first
    assert ("seq2seq", str(tiny_marian)) in registry.loaded()
    assert ModelRegistry().translator(str(tiny_marian)) is not first  # no process-wide singleton


def test_forced_glossary_terms_appear_in_the_output(tiny_marian, registry):
    translator = registry.translator(str(tiny_marian))
    texts = ["Russia will never ally with any country.", "Lavrov unequivocally refused.",
             "This time, Russia is no longer stupid."]
    terms = [["strategist"], ["win over Russia"], ["red line", "dashed"]]
    outputs = translator.translate(texts, terms, num_beams=3, max_new_tokens=24, batch_size=2)
    assert len(outputs) == 3
    for (best,), wanted in zip(outputs, terms, strict=True):
        for term in wanted:
            assert term in best, (term, best)


def test_batching_matches_one_at_a_time(tiny_marian, registry):
    translator = registry.translator(str(tiny_marian))
    texts = ["Russia will never ally with any country.", "He further stressed the cooperation.",
             "Lavrov refused."]
    batched = translator.translate(texts, [["partner"]] * 3, num_beams=2, max_new_tokens=16, batch_size=3)
    single = [translator.translate([t], [["partner"]], num_beams=2, max_new_tokens=16)[0] for t in texts]
    assert batched == single


def test_n_best_and_unconstrained(tiny_marian, registry):
    translator = registry.translator(str(tiny_marian))
    out = translator.translate(["Lavrov refused."], None, num_beams=3, num_return_sequences=2, max_new_tokens=12)
    assert len(out) == 1 and len(out[0]) == 2


def test_a_term_that_cannot_fit_the_budget_still_starts(tiny_marian, registry):
    translator = registry.translator(str(tiny_marian))
    (best,), = translator.translate(["Lavrov refused."], [["win over Russia"]], num_beams=1, max_new_tokens=8)
    assert "win over Russia" in best


def test_hub_ids_resolve_but_never_download(monkeypatch):
    """``Helsinki-NLP/opus-mt-zh-en`` and ``facebook/nllb-200-distilled-600M`` are accepted by name
    and read with local_files_only=True (the hub is never called here)."""
    import transformers

    seen = {}

    def fake(location, **kwargs):
        seen[location] = kwargs
        raise OSError("not in the local cache")

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", fake)
    for name in ("Helsinki-NLP/opus-mt-zh-en", "facebook/nllb-200-distilled-600M"):
        source = resolve(name)
        assert source.hub_id == name and source.path is None
        with pytest.raises(ConfigError, match="models download"):
            ModelRegistry().translator(name)
        assert seen[name]["local_files_only"] is True


def test_unknown_names_are_config_errors(tmp_path):
    with pytest.raises(ConfigError):
        resolve("no-such-model")
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(ConfigError):
        resolve(str(tmp_path / "weights.bin"))


def test_ctranslate2_path_converts_once_and_forces_terms(tiny_marian, tmp_path, monkeypatch):
    pytest.importorskip("ctranslate2")
    from audit.models.ctranslate import CT2Translator, cache_dir

    monkeypatch.setenv("MT_AUDIT_CACHE", str(tmp_path / "ct2"))
    translator = CT2Translator.load(resolve(str(tiny_marian)))
    assert len(list(cache_dir().iterdir())) == 1
    outputs = translator.translate(["Lavrov refused.", "Russia will never ally with any country."],
                                   [["win over Russia"], []], num_beams=2, max_new_tokens=16)
    assert "win over Russia" in outputs[0][0]
    CT2Translator.load(resolve(str(tiny_marian)))  # cached: no second conversion
    assert len(list(cache_dir().iterdir())) == 1
