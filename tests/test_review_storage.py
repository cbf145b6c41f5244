"""Stored audits and decisions (SQLite, or PostgreSQL with MT_AUDIT_TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from defusedxml import ElementTree as SafeET
from sqlalchemy import func, inspect, select
from werkzeug.security import check_password_hash

from api.storage import alembic_config
from api.storage.models import Document, FlagRecord, ProposalRecord, Review, SegmentRecord, User
from api.storage.reviews import (
    Conflict,
    ReviewError,
    authenticate,
    decide,
    decisions_by_rule,
    effort_totals,
    final_text,
    load_document,
    queue,
    to_tmx,
    to_xliff,
)

TEXT = (
    "Chinese-Russian relations extended an olive branch to the region.\n"
    "The weather was fine. It can be seen that the talks went well."
)
SOURCE = "中俄关系向地区伸出橄榄枝。\n天气很好。可以看出会谈很顺利。"
X = "{urn:oasis:names:tc:xliff:document:2.0}"


@pytest.fixture
def config_overrides(review_database_url):
    return {"DATABASE_URL": review_database_url, "GRAMMAR": False}


@pytest.fixture
def db(app):
    return app.extensions["mt_audit"].db


@pytest.fixture
def stored(client, translator_key, auth):
    response = client.post(
        "/v1/audit", json={"text": TEXT, "source": SOURCE, "store": True, "name": "t.txt"}, headers=auth(translator_key)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_one_migration_head_creates_every_table(db):
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "documents", "segments", "flags", "proposals", "reviews", "api_keys"} <= tables


def test_store_true_keeps_the_audit_with_an_id_and_review_url(stored, db):
    doc_id = stored["document_id"]
    assert stored["review_url"].endswith(f"/review/documents/{doc_id}")
    with db.session() as session:
        doc = load_document(session, doc_id)
        assert doc.mt_text == TEXT and doc.source_text == SOURCE and doc.tgt_lang == "en"
        assert doc.submitter_key_id is not None
        assert len(doc.segments) == stored["summary"]["segments"] == 3
        flagged = [s for s in doc.segments if s.flags]
        assert flagged and all(s.proposal is not None for s in flagged)
        first = doc.segments[0]
        for flag in first.flags:  # offsets index the sentence
            assert first.mt_text[flag.start : flag.end] == flag.text
        assert session.scalar(select(func.count()).select_from(ProposalRecord)) >= 1


def test_audit_without_store_keeps_nothing(client, translator_key, auth, db):
    response = client.post("/v1/audit", json={"text": TEXT}, headers=auth(translator_key))
    assert "document_id" not in response.get_json()
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0


def _segments(db, doc_id):
    with db.session() as session:
        return load_document(session, doc_id).segments


def test_decisions_score_the_post_edit_and_undo(stored, db, make_user):
    editor = make_user("alice")
    doc_id = stored["document_id"]
    first, second, third = _segments(db, doc_id)
    accepted = decide(db, doc_id, first.id, "accept", first.version, editor)
    assert accepted.status == "accepted" and accepted.final_text == first.proposal.text
    assert accepted.effort_char_ratio == pytest.approx(first.proposal.char_ratio)
    edited = decide(db, doc_id, second.id, "edit", second.version, editor, "The weather was lovely.")
    assert edited.status == "edited" and edited.effort_ter > 0 and edited.effort_char_distance > 0
    rejected = decide(db, doc_id, third.id, "reject", third.version, editor)
    assert rejected.final_text == third.mt_text and rejected.effort_char_distance == 0
    undone = decide(db, doc_id, third.id, "undo", rejected.version, editor)
    assert undone.status == "open" and undone.final_text is None and undone.version == rejected.version + 1
    with pytest.raises(ReviewError):
        decide(db, doc_id, third.id, "undo", undone.version, editor)
    with db.session() as session:
        reviews = list(session.scalars(select(Review).order_by(Review.id)))
        assert [r.decision for r in reviews] == ["accept", "edit", "reject", "undo"]
        assert reviews[0].rules == sorted({f.rule for f in first.flags}) and reviews[0].editor_id == editor
        doc = load_document(session, doc_id)
        totals = effort_totals(doc)
        assert totals["decided"] == 2 and totals["effort_char_distance"] > 0
        learned = decisions_by_rule(session)
        assert any("accept" in counts for counts in learned.values())
        rows = queue(session)
        assert rows[0].accepted + rows[0].edited + rows[0].open + rows[0].rejected == rows[0].flagged


def test_a_stale_version_is_a_conflict_not_an_overwrite(stored, db, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    doc_id = stored["document_id"]
    first = _segments(db, doc_id)[0]
    decide(db, doc_id, first.id, "edit", first.version, alice, "Alice's text.")
    with pytest.raises(Conflict) as caught:
        decide(db, doc_id, first.id, "reject", first.version, bob)
    assert caught.value.current["final_text"] == "Alice's text."
    assert _segments(db, doc_id)[0].final_text == "Alice's text."


def test_downloads_keep_the_layout_and_parse(stored, db, make_user):
    editor = make_user("alice")
    doc_id = stored["document_id"]
    second = _segments(db, doc_id)[1]
    decide(db, doc_id, second.id, "edit", second.version, editor, "The weather was lovely.")
    with db.session() as session:
        doc = load_document(session, doc_id)
    text = final_text(doc)
    assert text.splitlines()[1].startswith("The weather was lovely. ") and text.count("\n") == 1
    root = SafeET.fromstring(to_xliff(doc))
    assert root.get("version") == "2.0" and root.get("trgLang") == "en"
    units = root.findall(f"{X}file/{X}unit")
    assert len(units) == 3
    seg = units[1].find(f"{X}segment")
    assert seg.get("state") == "reviewed" and seg.get("subState") == "mt-audit:edited"
    assert seg.find(f"{X}target").text == "The weather was lovely."
    assert units[1].find(f"{X}notes/{X}note[@category='mt']").text == second.mt_text
    assert units[0].find(f"{X}segment/{X}source").text == SOURCE.splitlines()[0]
    tmx = SafeET.fromstring(to_tmx(doc))
    tus = tmx.findall("body/tu")
    assert len(tus) == 2 and tus[1].findall("tuv/seg")[1].text == text.splitlines()[1]


def test_users_have_real_password_hashes(db, make_user):
    make_user("carol", "translator")
    with db.session() as session:
        user = session.scalars(select(User)).one()
    assert user.password_hash.startswith("scrypt:") and check_password_hash(user.password_hash, "correct horse battery")
    assert authenticate(db, "carol", "correct horse battery").role == "translator"
    assert authenticate(db, "carol", "wrong") is None and authenticate(db, "nobody", "x") is None


def test_users_create_command(app, runner):
    result = runner.invoke(
        args=["users", "create", "--role", "editor", "--name", "dora", "--password-stdin"],
        input="long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert authenticate(app.extensions["mt_audit"].db, "dora", "long enough password").role == "editor"
    short = runner.invoke(args=["users", "create", "--name", "eve", "--password-stdin"], input="short\n")
    assert short.exit_code == 2


def test_check_store_keeps_the_seed(tmp_path, review_database_url, monkeypatch, app):
    from audit.cli import main

    seed = tmp_path / "seed.txt"
    seed.write_text(TEXT, encoding="utf-8")
    monkeypatch.setenv("MT_AUDIT_DATABASE_URL", review_database_url)
    monkeypatch.setenv("MT_AUDIT_INSTANCE_PATH", str(tmp_path / "instance"))
    result = CliRunner().invoke(
        main,
        ["check", "--no-grammar", "--format", "json", "--store", "--base-url", "http://r.example", str(seed)],
    )
    assert result.exit_code in (0, 1), result.output
    assert "review it at http://r.example/review/documents/" in result.stderr
    with app.extensions["mt_audit"].db.session() as session:
        doc = session.scalars(select(Document)).one()
        assert doc.name == "seed.txt" and doc.mt_text == TEXT
        assert (
            session.scalar(select(func.count()).select_from(SegmentRecord).where(SegmentRecord.document_id == doc.id))
            == 3
        )
        assert session.scalar(select(func.count()).select_from(FlagRecord)) >= 1
