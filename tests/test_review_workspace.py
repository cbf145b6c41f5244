"""The editor's workspace through Flask's test client: source beside target, reasons, comments, limits,
totals kept from stored sums, exports with ITS 2.0 LQI (XLIFF 2.0 and 1.2), the punctuation-aware diff,
and the rules learnt from a team's decisions (a scripted sequence turns a rule off and back on)."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as SafeET
from sqlalchemy import select

from api.storage.learning import standing_decisions, team_rule_states
from api.storage.models import Review, SegmentRecord
from api.storage.reviews import document_totals, effort_totals, load_document
from audit.diff import word_diff
from audit.learning import Thresholds, rule_states
from audit.scoring import EditScorer

ITS = "{http://www.w3.org/2005/11/its}"
X2 = "{urn:oasis:names:tc:xliff:document:2.0}"
X12 = "{urn:oasis:names:tc:xliff:document:1.2}"
TEXT = (
    "Chinese-Russian relations extended an olive branch to the region.\n"
    "The weather was fine. It can be seen that the talks went well. They signed 3 agreements."
)
SOURCE = "中俄关系向地区伸出橄榄枝。\n天气很好。可以看出会谈很顺利。他们签署了五项协议。"


@pytest.fixture
def config_overrides(review_database_url):
    return {
        "DATABASE_URL": review_database_url,
        "GRAMMAR": False,
        "SECRET_KEY": "test-secret",
        "REVIEW_LEARNING": {"window": 6, "min_decisions": 4, "lower_at": 0.5, "off_at": 0.75, "edit_at": 0.6},
    }


@pytest.fixture
def doc(client, translator_key, auth):
    response = client.post(
        "/v1/audit",
        json={"text": TEXT, "source": SOURCE, "store": True, "src_lang": "zh", "name": "w.txt"},
        headers=auth(translator_key),
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["document_id"]


@pytest.fixture
def db(app):
    return app.extensions["mt_audit"].db


def segments_of(db, doc):
    with db.session() as session:
        return load_document(session, doc).segments


def post(client, url, token, body):
    return client.post(url, json=body, headers={"X-CSRFToken": token})


def decision_url(doc, segment):
    return f"/review/documents/{doc}/segments/{segment.id}"


def test_source_sentences_beside_target_with_source_flag_spans(client, doc, db, make_user, review_login):
    make_user("alice")
    review_login(client)
    segs = segments_of(db, doc)
    with db.session() as session:
        source = load_document(session, doc).source_text
    shown = [source[s.source_start : s.source_end].strip() for s in segs]
    assert shown == ["中俄关系向地区伸出橄榄枝。", "天气很好。", "可以看出会谈很顺利。", "他们签署了五项协议。"]
    page = client.get(f"/review/documents/{doc}").get_data(as_text=True)
    assert page.count('<p class="src" lang="zh">') == len(segs)
    number_flags = [f for s in segs for f in s.flags if f.source_start is not None]
    assert number_flags, "the numbers check should flag 3 vs 五"
    assert '<mark class="src-flag' in page and ">五<" in page


def test_reject_with_reason_comments_and_who_decided(client, doc, db, make_user, review_login):
    make_user("alice")
    token = review_login(client)
    seg = next(s for s in segments_of(db, doc) if s.flags)
    bad = post(client, decision_url(doc, seg), token, {"decision": "reject", "version": seg.version, "reason": "x"})
    assert bad.status_code == 422 and "unknown reason" in bad.get_json()["error"]["message"]
    other = post(client, decision_url(doc, seg), token, {"decision": "reject", "version": seg.version,
                                                           "reason": "other"})
    assert other.status_code == 422 and "needs a few words" in other.get_json()["error"]["message"]
    ok = post(client, decision_url(doc, seg), token,
              {"decision": "reject", "version": seg.version, "reason": "style", "reason_text": "house style"})
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["segment"]["decided_by"] == "alice" and "by alice" in body["html"]
    assert "Style or house preference: house style" in body["html"]
    empty = post(client, decision_url(doc, seg) + "/comments", token, {"body": "   "})
    assert empty.status_code == 422
    long = post(client, decision_url(doc, seg) + "/comments", token, {"body": "x" * 2001})
    assert long.status_code == 422 and "at most 2,000" in long.get_json()["error"]["message"]
    said = post(client, decision_url(doc, seg) + "/comments", token, {"body": "Check with <b>the client</b>."})
    assert said.status_code == 200 and said.get_json()["segment"]["comments"] == 1
    assert "Check with &lt;b&gt;the client&lt;/b&gt;." in said.get_json()["html"]
    with db.session() as session:
        review = session.scalars(select(Review)).one()
        assert (review.reason, review.reason_text, review.team) == ("style", "house style", "key:1")
    xlf = SafeET.fromstring(client.get(f"/review/documents/{doc}/download.xlf").data)
    notes = {n.get("category"): n.text for n in xlf.iter(f"{X2}note") if n.get("category") in
             ("reason", "comment", "decision")}
    assert notes == {"decision": "rejected by alice", "reason": "Style or house preference: house style",
                     "comment": "alice: Check with <b>the client</b>."}


def test_edit_length_is_limited_with_a_clear_message(client, doc, db, make_user, review_login, app):
    make_user("alice")
    token = review_login(client)
    seg = segments_of(db, doc)[0]
    too_long = post(client, decision_url(doc, seg), token, {"decision": "edit", "version": seg.version,
                                                              "text": "word " * 1000})
    error = too_long.get_json()["error"]
    assert too_long.status_code == 422 and "the edit is too long: 5,000 characters" in error["message"]
    assert "at most 2,000" in error["message"]
    assert segments_of(db, doc)[0].status == "open"
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    huge = post(client, decision_url(doc, seg), token, {"decision": "edit", "version": seg.version,
                                                          "text": "x" * 20_000})
    assert huge.status_code == 413
    assert "One sentence's edit may have at most 2,000 characters" in huge.get_json()["error"]["message"]
    page = client.get(f"/review/documents/{doc}").get_data(as_text=True)
    assert 'data-max-edit="2000"' in page


def test_totals_from_stored_sums_match_a_full_rescoring(client, doc, db, make_user, review_login):
    make_user("alice")
    token = review_login(client)
    segs = segments_of(db, doc)
    texts = ["Relations between China and Russia improved.", None, "The talks went well.", None]
    for seg, text in zip(segs, texts, strict=True):
        body = {"decision": "edit", "version": seg.version, "text": text} if text else {
            "decision": "accept", "version": seg.version}
        answer = post(client, decision_url(doc, seg), token, body)
        assert answer.status_code == 200
    with db.session() as session:
        loaded = load_document(session, doc)
        from_sql = document_totals(session, doc)
    assert from_sql == effort_totals(loaded) == answer.get_json()["totals"]
    scorer = EditScorer()
    mts = [s.mt_text for s in loaded.segments]
    finals = [s.final_text for s in loaded.segments]
    corpus = scorer.ter.corpus_score(mts, [finals]).score
    assert from_sql["effort_ter"] == pytest.approx(round(corpus, 2))
    longer = sum(max(len(a), len(b)) for a, b in zip(mts, finals, strict=True))
    assert from_sql["effort_char_ratio"] == pytest.approx(round(from_sql["effort_char_distance"] / longer, 4))
    assert "longer text" in client.get(f"/review/documents/{doc}").get_data(as_text=True)


def test_older_rows_get_their_sums_once(client, doc, db, make_user, review_login):
    make_user("alice")
    token = review_login(client)
    seg = segments_of(db, doc)[0]
    post(client, decision_url(doc, seg), token, {"decision": "accept", "version": seg.version})
    with db.session() as session:
        row = session.get(SegmentRecord, seg.id)
        row.effort_ter_words = row.effort_ter_edits = row.effort_char_base = None
        row.proposal.ter_words = row.proposal.ter_edits = row.proposal.char_base = None
    with db.session() as session:
        totals = document_totals(session, doc)
    with db.session() as session:
        assert totals == effort_totals(load_document(session, doc))
        assert session.get(SegmentRecord, seg.id).effort_ter_words is not None


def test_exports_map_severity_and_carry_its_lqi_in_xliff_2_and_1_2(client, doc, db, make_user, review_login):
    make_user("alice")
    token = review_login(client)
    segs = segments_of(db, doc)
    flagged = [s for s in segs if s.flags]
    post(client, decision_url(doc, flagged[0]), token, {"decision": "accept", "version": flagged[0].version})
    x2 = SafeET.fromstring(client.get(f"/review/documents/{doc}/download.xlf").data)
    priorities = {(n.get("category"), n.get("priority")) for n in x2.iter(f"{X2}note") if n.get("priority")}
    assert priorities and all(
        p == {"flag:critical": "1", "flag:major": "3", "flag:minor": "5"}[c] for c, p in priorities
    )
    inline = [m for m in x2.iter(f"{X2}mrk") if m.get(f"{ITS}locQualityIssueType")]
    standoff = list(x2.iter(f"{ITS}locQualityIssue"))
    total_flags = sum(len(s.flags) for s in segs)
    assert len(inline) + len(standoff) == total_flags and standoff  # the accepted one is stand-off
    assert {m.get(f"{ITS}locQualityIssueSeverity") for m in inline} <= {"10", "50", "100"}
    # the units' target text is still the MT where marked inline
    for unit in x2.iter(f"{X2}unit"):
        target = unit.find(f"{X2}segment/{X2}target")
        assert "".join(target.itertext())
    response = client.get(f"/review/documents/{doc}/download.xlf?version=1.2")
    assert response.status_code == 200 and "xliff12" in response.headers["Content-Disposition"]
    x12 = SafeET.fromstring(response.data)
    assert x12.get("version") == "1.2"
    units = x12.findall(f"{X12}file/{X12}body/{X12}trans-unit")
    assert len(units) == len(segs) and units[0].find(f"{X12}source").text == "中俄关系向地区伸出橄榄枝。"
    marks = [m for m in x12.iter(f"{X12}mrk") if m.get("mtype") == "x-its"]
    assert marks and all(m.get(f"{ITS}locQualityIssueType") for m in marks)
    assert x12.find(f".//{X12}alt-trans/{X12}target") is not None
    assert client.get(f"/review/documents/{doc}/download.xlf?version=3").status_code == 400


def test_word_diff_reads_around_punctuation():
    pieces = word_diff("China-U.S. game.", "China–US rivalry.")
    shown = "".join(p.text if p.op == "equal" else f"[{p.op[0]}:{p.text}]" for p in pieces)
    assert shown == "China[d:-U.S.][i:–US] [d:game][i:rivalry]."
    dash = word_diff("a well-known fact", "a well–known fact")
    assert [p.note for p in dash if p.op != "equal"] == ["hyphen-minus → en dash"] * 2
    assert all(p.punct for p in dash if p.op != "equal")
    for old, new in [("Hello , world", "Hello, world"), ("", "x"), ("It can be seen.", "")]:
        pieces = word_diff(old, new)
        assert "".join(p.text for p in pieces if p.op != "insert") == old
        assert "".join(p.text for p in pieces if p.op != "delete") == new


def test_diff_html_marks_punctuation_visibly(client, doc, db, make_user, review_login):
    from api.blueprints.review import diff_html

    html = str(diff_html("a well-known fact", "a well–known fact"))
    assert '<del class="punct" title="hyphen-minus → en dash">-</del>' in html
    assert "punctuation: hyphen-minus → en dash" in html


def test_rule_learning_turns_a_rule_off_and_back_on():
    """Scripted: rejections lower then switch off a rule; accepts bring it back; edits stop proposals."""
    t = Thresholds(window=6, min_decisions=4, lower_at=0.5, off_at=0.75, edit_at=0.6)
    script: list[tuple[str, str]] = []

    def state(rule="r.noisy", overrides=None):
        return rule_states(script, t, overrides).get(rule)

    script += [("r.noisy", "reject"), ("r.noisy", "accept"), ("r.noisy", "reject")]
    assert state().state == "on"  # too few decisions yet
    script += [("r.noisy", "accept")]
    assert state().state == "lowered" and state().acceptance == 0.5  # 2 of 4 rejected: lowered
    script += [("r.noisy", "reject")] * 3
    assert state().state == "lowered" and state().rejected == 4  # window of 6: a r a r r r
    script += [("r.noisy", "reject")]
    assert state().state == "off" and state().rejected == 5  # r a r r r r: 5 of 6
    assert state(overrides={"r.noisy": "on"}).state == "on"  # the editor's override wins
    script += [("r.noisy", "accept")] * 4  # window of 6: now 2 rejects, 4 accepts
    assert state().state == "on" and state().decisions == 6
    script += [("r.fixer", "edit")] * 3 + [("r.fixer", "accept")]
    assert state("r.fixer").state == "on" and state("r.fixer").proposes is False
    assert state("r.fixer", {"r.fixer": "off"}).state == "off"


def test_rules_page_learns_per_team_and_takes_overrides(client, doc, db, make_user, review_login, translator_key,
                                                         auth, make_key):
    make_user("alice")
    token = review_login(client)
    other_key = make_key("translator", "other team")
    for _ in range(5):  # five documents of this team, every flagged sentence rejected
        resp = client.post("/v1/audit", json={"text": TEXT, "source": SOURCE, "store": True, "src_lang": "zh"},
                           headers=auth(translator_key))
        for seg in segments_of(db, resp.get_json()["document_id"]):
            if seg.flags:
                answer = post(client, decision_url(resp.get_json()["document_id"], seg), token,
                              {"decision": "reject", "version": seg.version, "reason": "not-an-error"})
                assert answer.status_code == 200
    other = client.post("/v1/audit", json={"text": TEXT, "store": True}, headers=auth(other_key)).get_json()
    rule = "style.translationese.it-can-be-seen"
    with db.session() as session:
        states = team_rule_states(session, "key:1", Thresholds(window=6, min_decisions=4, lower_at=0.5,
                                                                off_at=0.75))
        # off after 4 rejections (4 of 4 >= off_at): the team's 5th audit no longer flags it
        assert states[rule].state == "off" and states[rule].rejected == 4
        assert team_rule_states(session, "key:2", Thresholds()) == {}
        assert len(standing_decisions(session)) >= 5
    page = client.get("/review/rules?team=key:1").get_data(as_text=True)
    assert f'data-rule="{rule}" class="state-off"' in page
    answer = client.post("/review/rules", json={"team": "key:1", "rule": rule, "mode": "on"},
                         headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.get_json()["rule"]["state"] == "on"
    assert answer.get_json()["rule"]["learnt"] == "off"
    bad = client.post("/review/rules", json={"team": "key:1", "rule": rule, "mode": "maybe"},
                      headers={"X-CSRFToken": token})
    assert bad.status_code == 422
    assert other["document_id"]


def test_replay_reports_what_the_learnt_rules_would_have_saved():
    from audit.evaluation.replay import replay

    t = Thresholds(window=6, min_decisions=4, lower_at=0.5, off_at=0.75, edit_at=0.6)
    script = [("key:1", "reject", ("r.noisy",))] * 6 + [("key:1", "accept", ("r.noisy",))]
    script += [("key:1", "edit", ("r.fixer",))] * 5 + [("key:2", "reject", ("r.noisy",))]
    (team1, team2) = replay(script, t)
    # r.noisy is off from the 5th decision (4 of 4 rejected): decisions 5, 6 (rejected) saved, 7 lost
    assert (team1.decisions, team1.hidden, team1.saved, team1.lost) == (12, 3, 2, 1)
    assert team1.proposals_withheld == 1  # the 5th edit of r.fixer: 4 edits before it, no accept
    assert team1.off_rules == ["r.noisy"]
    assert (team2.decisions, team2.hidden) == (1, 0)  # another team learns on its own


def test_eval_replay_decisions_reads_the_review_database(client, doc, db, make_user, review_login,
                                                         review_database_url):
    import json

    from click.testing import CliRunner

    from audit.cli import main

    make_user("alice")
    token = review_login(client)
    for seg in segments_of(db, doc):
        if seg.flags:
            post(client, decision_url(doc, seg), token, {"decision": "reject", "version": seg.version})
    result = CliRunner().invoke(main, ["eval", review_database_url, "--replay-decisions", "--format", "json",
                                       "--thresholds", '{"window": 4, "min_decisions": 1}'])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["thresholds"]["window"] == 4
    (team,) = report["teams"]
    flagged = sum(1 for s in segments_of(db, doc) if s.flags)
    assert team["team"] == "key:1" and team["decisions"] == flagged
    bad = CliRunner().invoke(main, ["eval", review_database_url, "--replay-decisions", "--thresholds",
                                    '{"windw": 4}'])
    assert bad.exit_code == 2 and "unknown setting(s) windw" in bad.output
