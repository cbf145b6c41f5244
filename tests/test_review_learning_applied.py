"""The rules a team's editors taught are applied to the team's new audits (``POST /v1/audit``):
a rule rejected N times stops flagging for that team (a key or a named project) and not for another;
a lowered rule loses a severity step; a rule whose proposals are edited keeps flagging without one."""

from __future__ import annotations

import pytest

from api.storage.reviews import load_document

TEXT = "The weather was fine. It can be seen that the talks went well."
RULE = "style.translationese.it-can-be-seen"


@pytest.fixture
def config_overrides(review_database_url):
    return {
        "DATABASE_URL": review_database_url,
        "GRAMMAR": False,
        "SECRET_KEY": "test-secret",
        "REVIEW_LEARNING": {"window": 6, "min_decisions": 4, "lower_at": 0.5, "off_at": 0.75, "edit_at": 0.6},
    }


@pytest.fixture
def editor(client, make_user, review_login):
    make_user("alice")
    return review_login(client)


def audit(client, headers, **extra):
    response = client.post("/v1/audit", json={"text": TEXT, **extra}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def rule_flags(answer, rule=RULE):
    return [f for s in answer["segments"] for f in s["flags"] if f["rule"] == rule]


def decide(client, app, token, headers, decisions, **extra):
    """One stored audit per decision, each flagged sentence decided so."""
    db = app.extensions["mt_audit"].db
    for decision in decisions:
        doc = audit(client, headers, store=True, **extra)["document_id"]
        with db.session() as session:
            segments = [s for s in load_document(session, doc).segments if s.flags]
        assert segments
        for seg in segments:
            body = {"decision": decision, "version": seg.version}
            if decision == "edit":
                body["text"] = seg.mt_text.replace("It can be seen that the", "Clearly, the")
            answer = client.post(f"/review/documents/{doc}/segments/{seg.id}", json=body,
                                 headers={"X-CSRFToken": token})
            assert answer.status_code == 200, answer.get_json()


def test_a_rule_rejected_n_times_stops_flagging_for_that_team_only(client, app, editor, translator_key, make_key,
                                                                   auth):
    ours, theirs = auth(translator_key), auth(make_key("translator", "other team"))
    before = audit(client, ours)
    assert rule_flags(before) and "learnt" not in before
    decide(client, app, editor, ours, ["reject"] * 3)
    assert rule_flags(audit(client, ours)), "3 of the 4 decisions needed: still on"
    decide(client, app, editor, ours, ["reject"])
    after = audit(client, ours)
    assert rule_flags(after) == []
    assert after["learnt"] == {"team": "key:1", "off": [RULE], "lowered": [], "not_proposing": []}
    assert RULE in before["summary"]["flags_by_rule"] and RULE not in after["summary"]["flags_by_rule"]
    assert after["segments"][1]["proposal"] is None or "Clearly" not in after["segments"][1]["proposal"]["text"]
    other = audit(client, theirs)  # another team (another key) has learnt nothing
    assert rule_flags(other) == rule_flags(before) and "learnt" not in other
    # an editor's override wins at once (the cached state follows the override's change)
    answer = client.post("/review/rules", json={"team": "key:1", "rule": RULE, "mode": "on"},
                         headers={"X-CSRFToken": editor})
    assert answer.status_code == 200
    assert rule_flags(audit(client, ours)) == rule_flags(before)


def test_a_named_project_is_its_own_team(client, app, editor, translator_key, make_key, auth):
    ours = auth(translator_key)
    decide(client, app, editor, ours, ["reject"] * 4, project="acme")
    assert rule_flags(audit(client, ours, project="acme")) == []
    assert rule_flags(audit(client, ours))  # the key's own team (no project) learnt nothing
    assert rule_flags(audit(client, auth(make_key("translator")), project="globex"))
    # the project spans keys: another key's audit in the same project is adjusted too
    assert rule_flags(audit(client, auth(make_key("translator")), project="acme")) == []
    with app.extensions["mt_audit"].db.session() as session:
        from sqlalchemy import select

        from api.storage.models import Document

        assert set(session.scalars(select(Document.project))) == {"acme"}


def test_lowered_severity_and_withheld_proposals(client, app, editor, translator_key, auth):
    ours = auth(translator_key)
    before = rule_flags(audit(client, ours))
    decide(client, app, editor, ours, ["reject", "accept", "reject", "accept"])  # 2 of 4 rejected: lowered
    answer = audit(client, ours)
    (flag,) = rule_flags(answer)
    assert answer["learnt"]["lowered"] == [RULE]
    assert flag["severity"] == {"critical": "major", "major": "minor", "minor": "minor"}[before[0]["severity"]]
    # four edits in a row: the flags are right but the proposal is not, so it stops proposing
    decide(client, app, editor, ours, ["edit"] * 4)
    answer = audit(client, ours)
    assert answer["learnt"]["not_proposing"] == [RULE] and answer["learnt"]["lowered"] == []
    (flag,) = rule_flags(answer)
    assert flag.get("replacement") is None
    seg = answer["segments"][1]
    assert seg["proposal"]["text"] == seg["text"]  # the MT stands, to be reviewed


def test_the_queue_groups_documents_by_project(client, editor, translator_key, auth):
    ours = auth(translator_key)
    acme = audit(client, ours, store=True, project="acme", name="acme.txt")["document_id"]
    plain = audit(client, ours, store=True, name="plain.txt")["document_id"]
    page = client.get("/review/").get_data(as_text=True)
    assert '<option value="acme"' in page and 'class="project">acme</a>' in page
    only = client.get("/review/?project=acme").get_data(as_text=True)
    assert acme in only and plain not in only
    none = client.get("/review/?project=-").get_data(as_text=True)
    assert plain in none and acme not in none
    assert "/review/rules?team=project:acme" in page
    bad = client.post("/v1/audit", json={"text": TEXT, "project": ""}, headers=ours)
    assert bad.status_code == 422
