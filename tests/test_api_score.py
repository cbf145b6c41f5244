"""POST /v1/score: sentence and corpus metrics with sacrebleu signatures."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from audit.scoring import score_corpus

HYPS = ["The cat sat on mat.", "Russia has flatly rejected it.", "He went to school yesterday"]
REFS = ["The cat sat on the mat.", "Russia flatly rejected it.", "He went to school yesterday."]


def test_scores_equal_the_library(client, translator_key, auth):
    response = client.post("/v1/score", json={"hypotheses": HYPS, "references": REFS}, headers=auth(translator_key))
    assert response.status_code == 200
    data = response.get_json()
    assert data == score_corpus(HYPS, REFS).to_dict()
    assert len(data["sentences"]) == 3
    assert data["signatures"]["bleu"].startswith("nrefs:1|case:mixed|eff:no|tok:13a")
    assert set(data["corpus"]) == {"bleu", "chrf", "ter", "char_distance", "char_ratio"}
    assert data["sentences"][0]["char_distance"] == 4  # "the "


def test_same_as_the_command_line(client, translator_key, auth, tmp_path):
    (tmp_path / "hyp.txt").write_text("\n".join(HYPS) + "\n", encoding="utf-8")
    (tmp_path / "ref.txt").write_text("\n".join(REFS) + "\n", encoding="utf-8")
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "audit.cli",
            "score",
            "--hyp",
            str(tmp_path / "hyp.txt"),
            "--ref",
            str(tmp_path / "ref.txt"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    api = client.post("/v1/score", json={"hypotheses": HYPS, "references": REFS}, headers=auth(translator_key))
    assert api.get_json() == json.loads(cli.stdout)


def test_tokenizer_choice_changes_the_signature(client, translator_key, auth):
    body = {"hypotheses": ["今天天气很好"], "references": ["今天天气不错"], "tokenize": "zh"}
    data = client.post("/v1/score", json=body, headers=auth(translator_key)).get_json()
    assert "tok:zh" in data["signatures"]["bleu"]
    assert data == score_corpus(body["hypotheses"], body["references"], tokenize="zh").to_dict()


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"hypotheses": ["a", "b"], "references": ["a"]}, "length_mismatch", "references"),
        ({"hypotheses": [], "references": []}, "invalid_field", "hypotheses"),
        ({"hypotheses": ["a"], "references": ["a"], "tokenize": "ja-mecab"}, "invalid_field", "tokenize"),
        ({"hypotheses": ["a"], "references": [1]}, "invalid_field", "references[0]"),
        ({"hypotheses": ["a"]}, "missing_field", "references"),
        ({"hypotheses": ["a"], "references": ["a"], "lowercase": True}, "unknown_field", "lowercase"),
    ],
)
def test_bad_score_requests_are_422(client, translator_key, auth, body, code, field):
    response = client.post("/v1/score", json=body, headers=auth(translator_key))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
