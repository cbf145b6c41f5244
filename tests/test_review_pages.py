"""The review pages through Flask's test client: log in, roles, CSRF, conflicts, downloads."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as SafeET

from api.storage.reviews import load_document

TEXT = (
    "Chinese-Russian relations extended an olive branch to the region.\n"
    "The weather was fine. It can be seen that the talks went well."
)


@pytest.fixture
def config_overrides(review_database_url):
    return {"DATABASE_URL": review_database_url, "GRAMMAR": False, "SECRET_KEY": "test-secret"}


@pytest.fixture
def doc(client, translator_key, auth):
    response = client.post(
        "/v1/audit",
        json={"text": TEXT, "source": "甲。\n乙。", "store": True, "src_lang": "zh"},
        headers=auth(translator_key),
    )
    return response.get_json()["document_id"]


@pytest.fixture
def segments(app, doc):
    with app.extensions["mt_audit"].db.session() as session:
        return load_document(session, doc).segments


def post_decision(client, doc, segment, decision, version, token, text=None):
    body = {"decision": decision, "version": version}
    if text is not None:
        body["text"] = text
    return client.post(f"/review/documents/{doc}/segments/{segment}", json=body, headers={"X-CSRFToken": token})


def test_pages_need_a_login(client, doc):
    response = client.get(f"/review/documents/{doc}")
    assert response.status_code == 302 and "/review/login?next=" in response.headers["Location"]
    assert client.post(f"/review/documents/{doc}/segments/1", json={}).status_code in (400, 401)


def test_login_sets_a_safe_session_cookie_and_refuses_wrong_passwords(client, make_user, review_login):
    make_user("alice")
    page = client.get("/review/login").get_data(as_text=True)
    from conftest import csrf_token_of

    bad = client.post(
        "/review/login", data={"username": "alice", "password": "nope", "csrf_token": csrf_token_of(page)}
    )
    assert bad.status_code == 401 and "Wrong user name or password" in bad.get_data(as_text=True)
    no_csrf = client.post("/review/login", data={"username": "alice", "password": "correct horse battery"})
    assert no_csrf.status_code == 400 and "CSRF" in no_csrf.get_data(as_text=True)
    token = csrf_token_of(client.get("/review/login").get_data(as_text=True))
    ok = client.post(
        "/review/login",
        data={"username": "alice", "password": "correct horse battery", "csrf_token": token, "next": "//evil.example"},
    )
    assert ok.status_code == 302 and ok.headers["Location"] == "/review/"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_queue_and_document_page(client, doc, segments, make_user, review_login):
    make_user("alice")
    review_login(client)
    queue = client.get("/review/").get_data(as_text=True)
    assert f'data-doc="{doc}"' in queue
    assert f'data-doc="{doc}"' in client.get("/review/?pair=zh-en&severity=minor").get_data(as_text=True)
    assert f'data-doc="{doc}"' not in client.get("/review/?pair=any-en").get_data(as_text=True)
    page = client.get(f"/review/documents/{doc}").get_data(as_text=True)
    assert '<mark class="flag' in page and "<ins>" in page and "review.js" in page
    assert page.count('class="seg ') == len(segments)  # unflagged sentences are shown too
    assert "Post-edit effort" in page and "edit: chars" in page


def test_roles_translators_cannot_review_and_unknown_documents_do_not_leak(client, doc, make_user, review_login):
    make_user("tom", "translator")
    review_login(client, "tom")
    assert client.get("/review/").status_code == 403
    assert client.get(f"/review/documents/{doc}").status_code == 403
    assert client.get("/review/documents/nope").status_code == 403  # same answer: existence not leaked
    assert client.get(f"/review/documents/{doc}/download.xlf").status_code == 403


def test_editor_gets_404_for_unknown_and_no_api_rights_from_the_session(client, doc, make_user, review_login):
    make_user("alice")
    review_login(client)
    assert client.get("/review/documents/0123456789abcdef").status_code == 404
    assert client.get("/v1/keys").status_code == 401  # the session cookie is no API key
    assert client.post("/v1/glossaries").status_code == 401


def test_decisions_need_the_csrf_token(client, doc, segments, make_user, review_login):
    make_user("alice")
    review_login(client)
    response = client.post(
        f"/review/documents/{doc}/segments/{segments[0].id}", json={"decision": "accept", "version": 1}
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf_failed"


def test_two_editors_stale_save_is_409(app, doc, segments, make_user, review_login):
    make_user("alice")
    make_user("bob")
    alice, bob = app.test_client(), app.test_client()
    ta, tb = review_login(alice, "alice"), review_login(bob, "bob")
    seg = segments[0]
    first = post_decision(alice, doc, seg.id, "edit", seg.version, ta, "Alice wins.")
    assert first.status_code == 200 and first.get_json()["segment"]["version"] == seg.version + 1
    assert 'data-status="edited"' in first.get_json()["html"]
    stale = post_decision(bob, doc, seg.id, "reject", seg.version, tb)
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "conflict" and "changed by alice" in error["message"]
    assert error["current"]["decided_by"] == "alice" and error["current"]["text"] == "Alice wins."
    assert "Alice wins." in error["html"]  # the page shows theirs beside yours
    assert error["current"]["final_text"] == "Alice wins."
    bad = post_decision(alice, doc, seg.id, "edit", seg.version + 1, ta, "   ")
    assert bad.status_code == 422


def test_downloads(client, doc, segments, make_user, review_login):
    make_user("alice")
    token = review_login(client)
    post_decision(client, doc, segments[1].id, "edit", segments[1].version, token, "The weather was lovely.")
    txt = client.get(f"/review/documents/{doc}/download.txt")
    assert txt.mimetype == "text/plain" and "attachment" in txt.headers["Content-Disposition"]
    assert "The weather was lovely." in txt.get_data(as_text=True)
    xlf = client.get(f"/review/documents/{doc}/download.xlf")
    root = SafeET.fromstring(xlf.data)
    assert root.get("srcLang") == "zh" and len(root.findall(".//{*}unit")) == len(segments)
    tmx = client.get(f"/review/documents/{doc}/download.tmx")
    assert tmx.status_code == 200 and len(SafeET.fromstring(tmx.data).findall("body/tu")) == 2
    assert client.get(f"/review/documents/{doc}/download.pdf").status_code == 404
