"""The multipart uploads (POST /v1/glossaries, POST /v1/jobs) are checked against their declared schemas
(``GlossaryUpload``, ``JobUpload``), with the same 422 answers as the JSON bodies."""

from __future__ import annotations

import io
import zipfile

import pytest

from api.schemas import SCHEMAS

CSV = "id,deprecated,preferred\nt.1,layouter,strategist\n"


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "Hello world.\n")
    return out.getvalue()


def _post(client, path, key, parts):
    return client.post(path, data=parts, headers={"Authorization": f"Bearer {key}"}, content_type="multipart/form-data")


def _error(response):
    return response.status_code, response.get_json()["error"]


def test_glossary_parts_are_checked_against_glossary_upload(client, admin_key):
    def post(**parts):
        return _post(client, "/v1/glossaries", admin_key, {"file": (io.BytesIO(CSV.encode()), "t.csv"), **parts})

    assert _error(post(name="x" * 201)) == (
        422, {"code": "invalid_field", "message": "must have at most 200 characters", "field": "name"}
    )
    assert _error(post(id="Bad Id!")) == (
        422,
        {"code": "invalid_field", "message": "must be lowercase letters, digits, '.', '_' or '-' (at most 64)",
         "field": "id"},
    )
    assert _error(post(colour="red")) == (422, {"code": "unknown_field", "message": "unknown field 'colour'",
                                                "field": "colour"})
    # an unknown file part, a form field sent as a file, a field given twice
    assert _error(post(other=(io.BytesIO(b"x"), "x.csv")))[1]["code"] == "unknown_field"
    assert _error(post(id=(io.BytesIO(b"mine"), "id.txt"))) == (
        422, {"code": "invalid_field", "message": "must be a string", "field": "id"}
    )
    assert _error(post(name=["a", "b"])) == (
        422, {"code": "invalid_field", "message": "given 2 times; send it once", "field": "name"}
    )
    assert post(name="Terms").status_code == 201


def test_a_file_name_without_a_suffix_takes_the_format_of_its_content_type(client, admin_key):
    def post(content_type):
        part = (io.BytesIO(CSV.encode()), "terms", content_type)
        return _post(client, "/v1/glossaries", admin_key, {"file": part})

    refused = post("application/octet-stream")
    assert _error(refused)[1]["code"] == "invalid_glossary"
    stored = post("text/csv")
    assert stored.status_code == 201
    assert (stored.get_json()["format"], stored.get_json()["filename"]) == ("csv", "terms.csv")


def test_job_parts_are_checked_against_job_upload(client, translator_key):
    def post(**parts):
        return _post(client, "/v1/jobs", translator_key, {"file": (io.BytesIO(_zip()), "docs.zip"), **parts})

    assert _error(post(grammar="maybe")) == (422, {"code": "invalid_field", "message": "must be true or false",
                                                   "field": "grammar"})
    assert _error(post(source_checks="yes"))[1]["field"] == "source_checks"
    code, error = _error(post(src_lang="xx"))
    assert (code, error["code"], error["field"]) == (422, "unsupported_language_pair", "src_lang")
    assert _error(post(tgt_lang="zh-Hans"))[1]["field"] == "tgt_lang"
    assert _error(post(colour="red"))[1] == {"code": "unknown_field", "message": "unknown field 'colour'",
                                             "field": "colour"}
    missing = _post(client, "/v1/jobs", translator_key, {"grammar": "false"})
    assert _error(missing) == (422, {"code": "missing_field", "message": "this field is required: a .zip or .tar.gz "
                                     "archive", "field": "file"})
    queued = post(grammar="false", source_checks="true", src_lang="any", tgt_lang="en")
    assert queued.status_code == 202, queued.get_json()
    assert {k: queued.get_json()["options"][k] for k in ("grammar", "source_checks", "src_lang", "tgt_lang")} == {
        "grammar": False, "source_checks": True, "src_lang": "any", "tgt_lang": "en"
    }


def test_an_archive_without_a_suffix_takes_the_format_of_its_content_type(client, translator_key):
    part = (io.BytesIO(_zip()), "documents", "application/zip")
    response = _post(client, "/v1/jobs", translator_key, {"file": part})
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["filename"] == "documents.zip"


@pytest.mark.parametrize("name", ["GlossaryUpload", "JobUpload"])
def test_upload_schemas_are_closed(name):
    assert SCHEMAS[name]["additionalProperties"] is False
