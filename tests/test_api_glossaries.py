"""/v1/glossaries: built-in (read-only) and uploaded (TBX/CSV) glossaries, paged entries."""

from __future__ import annotations

import io

import pytest

from audit.glossary import Glossary, GlossaryEntry, write_tbx

CSV = """id,deprecated,preferred,category,severity,note
term.1,Sino-Russian relations,China-Russia relations,Terminology/Inconsistent,minor,
term.2,layouter,strategist,Style/Unidiomatic,major,Not an English word.
"""


def upload(client, key, auth, content: bytes | str, filename: str, **fields):
    data = {
        "file": (io.BytesIO(content.encode() if isinstance(content, str) else content), filename),
        **fields,
    }
    return client.post("/v1/glossaries", data=data, headers=auth(key), content_type="multipart/form-data")


def test_list_shows_builtin_glossaries(client, translator_key, auth):
    response = client.get("/v1/glossaries", headers=auth(translator_key))
    assert response.status_code == 200
    [builtin] = response.get_json()["glossaries"]
    assert builtin == {
        "id": "diplomacy",
        "name": "diplomacy",
        "filename": "diplomacy.csv",
        "format": "csv",
        "builtin": True,
        "entry_count": 3,
        "src_lang": "zh",
        "tgt_lang": "en",
        "uploaded_by": None,
        "created_at": None,
    }
    assert client.get("/v1/glossaries/diplomacy", headers=auth(translator_key)).get_json() == builtin


def test_unknown_glossary_is_404(client, translator_key, auth):
    for path in ("/v1/glossaries/nope", "/v1/glossaries/nope/entries"):
        response = client.get(path, headers=auth(translator_key))
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_entries_are_paged_and_searchable(client, translator_key, auth):
    headers = auth(translator_key)
    page = client.get("/v1/glossaries/diplomacy/entries?per_page=2&page=2", headers=headers).get_json()
    assert (page["total"], page["pages"], page["page"], page["per_page"]) == (3, 2, 2, 2)
    assert [e["id"] for e in page["entries"]] == ["dip.3"]
    assert page["entries"][0]["deprecated"] == ["fragmentation theory"]
    found = client.get("/v1/glossaries/diplomacy/entries?q=OLIVE", headers=headers).get_json()
    assert [e["id"] for e in found["entries"]] == ["dip.2"]
    assert found["entries"][0]["preferred"] == "overture"
    assert found["q"] == "OLIVE"
    assert (
        client.get("/v1/glossaries/diplomacy/entries?q=%E4%B8%AD%E4%BF%84", headers=headers).get_json()["total"] == 1
    )  # source term 中俄
    empty = client.get("/v1/glossaries/diplomacy/entries?page=9", headers=headers).get_json()
    assert (empty["entries"], empty["total"]) == ([], 3)


@pytest.mark.parametrize(
    ("query", "field"),
    [("page=0", "page"), ("page=x", "page"), ("per_page=501", "per_page"), ("q=" + "x" * 201, "q")],
)
def test_bad_entry_queries_are_422(client, translator_key, auth, query, field):
    response = client.get(f"/v1/glossaries/diplomacy/entries?{query}", headers=auth(translator_key))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_admin_uploads_csv_uses_it_and_deletes_it(client, admin_key, translator_key, auth):
    response = upload(client, admin_key, auth, CSV, "My Terms.csv")
    assert response.status_code == 201
    info = response.get_json()
    assert (info["id"], info["name"], info["format"], info["entry_count"], info["builtin"]) == (
        "my-terms",
        "my-terms",
        "csv",
        2,
        False,
    )
    # No src_lang column and no source terms: target-language entries for every source language (issue 14).
    assert (info["src_lang"], info["tgt_lang"]) == ("", "en")
    assert info["created_at"].endswith("Z")
    ids = [g["id"] for g in client.get("/v1/glossaries", headers=auth(translator_key)).get_json()["glossaries"]]
    assert ids == ["diplomacy", "my-terms"]

    text = "Lavrov would rather be a layouter in the triangle game."
    audit = client.post(
        "/v1/audit",
        json={"text": text, "glossaries": ["my-terms"], "options": {"grammar": False}},
        headers=auth(translator_key),
    ).get_json()
    [flag] = audit["segments"][0]["flags"]
    assert (flag["rule"], flag["text"], flag["suggestion"], flag["severity"]) == (
        "glossary.term.2",
        "layouter",
        "strategist",
        "major",
    )

    entries = client.get("/v1/glossaries/my-terms/entries", headers=auth(translator_key)).get_json()
    assert [e["id"] for e in entries["entries"]] == ["term.1", "term.2"]

    assert client.delete("/v1/glossaries/my-terms", headers=auth(admin_key)).status_code == 204
    assert client.get("/v1/glossaries/my-terms", headers=auth(translator_key)).status_code == 404
    assert client.delete("/v1/glossaries/my-terms", headers=auth(admin_key)).status_code == 404
    gone = client.post("/v1/audit", json={"text": text, "glossaries": ["my-terms"]}, headers=auth(translator_key))
    assert gone.status_code == 422
    assert gone.get_json()["error"]["field"] == "glossaries[0]"


def test_reupload_under_the_same_id_is_not_served_stale(client, admin_key, translator_key, auth):
    assert upload(client, admin_key, auth, CSV, "a.csv", id="terms").status_code == 201
    text = "Lavrov would rather be a layouter."
    body = {"text": text, "glossaries": ["terms"], "options": {"grammar": False}}
    assert client.post("/v1/audit", json=body, headers=auth(translator_key)).get_json()["summary"]["flagged"] == 1
    assert client.delete("/v1/glossaries/terms", headers=auth(admin_key)).status_code == 204
    other = "id,deprecated,preferred\nx.1,triangle game,three-way contest\n"
    assert upload(client, admin_key, auth, other, "b.csv", id="terms").status_code == 201
    flags = client.post(
        "/v1/audit", json={**body, "text": "A triangle game."}, headers=auth(translator_key)
    ).get_json()["segments"][0]["flags"]
    assert [f["rule"] for f in flags] == ["glossary.x.1"]


def test_upload_tbx(client, admin_key, auth):
    glossary = Glossary(
        "tbx-terms",
        (GlossaryEntry(id="t.1", deprecated=("olive branch",), preferred="overture", source_term="橄榄枝"),),
    )
    response = upload(client, admin_key, auth, write_tbx(glossary), "terms.tbx", name="TBX terms")
    assert response.status_code == 201
    info = response.get_json()
    assert (info["id"], info["name"], info["format"], info["entry_count"]) == ("terms", "TBX terms", "tbx", 1)
    entries = client.get("/v1/glossaries/terms/entries", headers=auth(admin_key)).get_json()["entries"]
    assert entries[0]["source_term"] == "橄榄枝"
    assert entries[0]["preferred"] == "overture"


def test_generated_ids_do_not_collide(client, admin_key, auth):
    first = upload(client, admin_key, auth, CSV, "terms.csv").get_json()["id"]
    second = upload(client, admin_key, auth, CSV, "terms.csv").get_json()["id"]
    clash = upload(client, admin_key, auth, CSV, "diplomacy.csv").get_json()["id"]
    assert (first, second, clash) == ("terms", "terms-2", "diplomacy-2")


@pytest.mark.parametrize(
    ("content", "filename", "fields", "status", "code", "field"),
    [
        ("id,deprecated,preferred\nx,,y\n", "bad.csv", {}, 422, "invalid_glossary", "file"),
        ("id,deprecated,preferred,colour\n", "bad.csv", {}, 422, "invalid_glossary", "file"),
        ("<martif><text><body><termEntry>", "bad.tbx", {}, 422, "invalid_glossary", "file"),
        ("id,deprecated,preferred\n", "empty.csv", {}, 422, "invalid_glossary", "file"),
        (CSV, "terms.xlsx", {}, 422, "invalid_glossary", "file"),
        (CSV, "terms.csv", {"id": "Bad Id!"}, 422, "invalid_field", "id"),
        (CSV, "terms.csv", {"id": "diplomacy"}, 409, "conflict", "id"),
        (CSV, "terms.csv", {"colour": "red"}, 422, "unknown_field", "colour"),
    ],
)
def test_bad_uploads(client, admin_key, auth, content, filename, fields, status, code, field):
    response = upload(client, admin_key, auth, content, filename, **fields)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert (error["code"], error.get("field")) == (code, field)


def test_bad_row_names_the_line(client, admin_key, auth):
    content = "id,deprecated,preferred,severity\na,x,y,minor\nb,x2,y2,blocker\n"
    error = upload(client, admin_key, auth, content, "sev.csv").get_json()["error"]
    assert "line 3" in error["message"] and "severity" in error["message"]


def test_explicit_id_taken_is_409(client, admin_key, auth):
    assert upload(client, admin_key, auth, CSV, "a.csv", id="mine").status_code == 201
    response = upload(client, admin_key, auth, CSV, "b.csv", id="mine")
    assert response.status_code == 409
    assert response.get_json()["error"]["field"] == "id"


def test_upload_needs_multipart_and_a_file(client, admin_key, auth):
    as_json = client.post("/v1/glossaries", json={"file": CSV}, headers=auth(admin_key))
    assert as_json.status_code == 415
    assert as_json.get_json()["error"]["code"] == "unsupported_media_type"
    no_file = client.post(
        "/v1/glossaries", data={"name": "x"}, headers=auth(admin_key), content_type="multipart/form-data"
    )
    assert no_file.status_code == 422
    assert no_file.get_json()["error"] == {
        "code": "missing_field",
        "field": "file",
        "message": "this field is required: a glossary file",
    }


def test_builtin_glossaries_are_read_only(client, admin_key, auth):
    response = client.delete("/v1/glossaries/diplomacy", headers=auth(admin_key))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "read_only"
    assert client.get("/v1/glossaries/diplomacy", headers=auth(admin_key)).status_code == 200


def test_only_admins_change_glossaries(client, translator_key, editor_key, admin_key, auth):
    for key in (translator_key, editor_key):
        assert upload(client, key, auth, CSV, "t.csv").status_code == 403
    assert upload(client, admin_key, auth, CSV, "t.csv").status_code == 201
    for key in (translator_key, editor_key):
        assert client.delete("/v1/glossaries/t", headers=auth(key)).status_code == 403
        assert client.get("/v1/glossaries/t/entries", headers=auth(key)).status_code == 200
