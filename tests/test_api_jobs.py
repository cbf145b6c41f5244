"""``/v1/jobs``: submit an archive over HTTP, poll it, fetch the report and results; a restart resumes."""

from __future__ import annotations

import io
import json
import logging
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient

pytest.importorskip("pyarrow")

from api import create_app
from api.server import post_worker_init
from tests.conftest import bearer

DOCS = {
    "a/first.jsonl": [
        {"id": "1", "source": "我们今天开会。", "mt": "We have a meeting today."},
        {"id": "2", "source": "他去了北京。", "mt": "He went to Beijing."},
    ],
    "b/second.jsonl": [{"id": "1", "source": "天气很好。", "mt": "The weather is good."}],
}


def _archive(path: Path) -> bytes:
    with zipfile.ZipFile(path, "w") as zf:
        for name, rows in DOCS.items():
            zf.writestr(name, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path.read_bytes()


def _submit(client: FlaskClient, key: str, data: bytes, name: str = "docs.zip", **form: str):
    return client.post(
        "/v1/jobs",
        data={"file": (io.BytesIO(data), name), "grammar": "false", **form},
        headers=bearer(key),
        content_type="multipart/form-data",
    )


def _wait(client: FlaskClient, key: str, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=bearer(key)).get_json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError("job did not finish within the time limit")


def _app(tmp_path: Path, runner: bool) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'test.db'}",
            "RATE_LIMIT": "100000/minute",
            "AUTH_CACHE_SECONDS": 0,
            "JOBS_RUNNER": runner,
            "JOBS_WORKERS": 1,
            "JOBS_POLL_SECONDS": 0.2,
        }
    )


def _close(app: Flask) -> None:
    app.extensions["mt_audit"].jobs.stop()
    app.extensions["mt_audit"].db.dispose()


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"JOBS_RUNNER": False, "JOBS_WORKERS": 1}


@pytest.fixture
def stopped(app: Flask) -> Iterator[Flask]:
    yield app
    app.extensions["mt_audit"].jobs.stop()


def test_submit_poll_report_and_results_then_a_restart_resumes(tmp_path: Path) -> None:
    from api.auth import create_key

    data = _archive(tmp_path / "docs.zip")
    # First process: the runner is off (another process would run the jobs): the job stays queued.
    first = _app(tmp_path, runner=False)
    try:
        _key, token = create_key(first.extensions["mt_audit"].db, "t", "translator")
        client = first.test_client()
        response = _submit(client, token, data)
        assert response.status_code == 202, response.get_json()
        body = response.get_json()
        job_id = body["id"]
        assert body["state"] == "queued"
        assert body["links"] == {
            "self": f"/v1/jobs/{job_id}",
            "report": f"/v1/jobs/{job_id}/report",
            "results": f"/v1/jobs/{job_id}/results",
        }
        assert response.headers["Location"] == f"/v1/jobs/{job_id}"
        assert body["options"]["grammar"] is False
        not_ready = client.get(f"/v1/jobs/{job_id}/report", headers=bearer(token))
        assert not_ready.status_code == 409
        assert not_ready.get_json()["error"]["code"] == "not_ready"
        assert client.get(f"/v1/jobs/{job_id}/results", headers=bearer(token)).status_code == 409
    finally:
        _close(first)

    # A restart with the runner on: started as `mt-audit serve` starts it (post_worker_init), the
    # queued job resumes and finishes.
    second = _app(tmp_path, runner=True)
    try:
        ext = second.extensions["mt_audit"]
        assert ext.jobs.runner is None  # not in create_app: the serve master and CLI commands build apps too
        post_worker_init(SimpleNamespace(wsgi=second, pid=0, log=logging.getLogger("test")))
        assert ext.jobs.runner is not None
        client = second.test_client()
        job = _wait(client, token, job_id)
        assert job["state"] == "done", job["error"]
        assert job["summary"]["documents"] == 2 and job["summary"]["segments"] == 3
        assert job["progress"]["documents_done"] == 2

        report = client.get(f"/v1/jobs/{job_id}/report", headers=bearer(token))
        assert report.status_code == 200 and report.mimetype == "text/html"
        assert "<html" in report.get_data(as_text=True).lower()

        results = client.get(f"/v1/jobs/{job_id}/results", headers=bearer(token))
        assert results.status_code == 200 and results.mimetype == "application/zip"
        with zipfile.ZipFile(io.BytesIO(results.data)) as zf:
            assert "summary.json" in zf.namelist()
            assert json.loads(zf.read("summary.json"))["segments"] == 3

        # A job submitted to the running app is run by it too.
        again = _submit(client, token, data, name="again.zip")
        assert again.status_code == 202
        assert _wait(client, token, again.get_json()["id"])["state"] == "done"
    finally:
        _close(second)


def test_only_one_process_runs_jobs(tmp_path: Path) -> None:
    one, two = _app(tmp_path, runner=True), _app(tmp_path, runner=True)
    try:
        assert one.extensions["mt_audit"].start_jobs_runner()
        assert not two.extensions["mt_audit"].start_jobs_runner()
        assert one.extensions["mt_audit"].jobs.runner is not None
        assert two.extensions["mt_audit"].jobs.runner is None  # runner.lock is held by the first
        _close(one)
        assert two.extensions["mt_audit"].start_jobs_runner()  # the holder went: the next one takes over
    finally:
        _close(one)
        _close(two)


def test_unknown_ids_bad_uploads_and_roles(stopped: Flask, client: FlaskClient, translator_key: str, tmp_path) -> None:
    headers = bearer(translator_key)
    for path in ("/v1/jobs/0123456789abcdef", "/v1/jobs/nope/report", "/v1/jobs/..%2Fx/results"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"

    bad = _submit(client, translator_key, b"plain text", name="notes.txt")
    assert bad.status_code == 422
    assert bad.get_json()["error"] == {
        "code": "invalid_archive",
        "message": bad.get_json()["error"]["message"],
        "field": "file",
    }
    missing = client.post("/v1/jobs", data={"grammar": "false"}, headers=headers, content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.get_json()["error"]["field"] == "file"
    flag = _submit(client, translator_key, b"PK", grammar="maybe")
    assert flag.status_code == 422 and flag.get_json()["error"]["field"] == "grammar"
    as_json = client.post("/v1/jobs", json={"file": "x"}, headers=headers)
    assert as_json.status_code == 415

    data = _archive(tmp_path / "docs.zip")
    assert (
        client.post(
            "/v1/jobs", data={"file": (io.BytesIO(data), "docs.zip")}, content_type="multipart/form-data"
        ).status_code
        == 401
    )
    assert client.get("/v1/jobs/0123456789abcdef").status_code == 401
    queued = _submit(client, translator_key, data)
    assert queued.status_code == 202
    job_id = queued.get_json()["id"]
    store = stopped.extensions["mt_audit"].jobs.store
    store.update(job_id, state="failed", error="boom")
    failed = client.get(f"/v1/jobs/{job_id}/report", headers=headers)
    assert failed.status_code == 409 and failed.get_json()["error"]["code"] == "job_failed"
    assert client.get(f"/v1/jobs/{job_id}", headers=headers).get_json()["error"] == "boom"


def test_the_runner_starts_lazily_on_the_first_job_request(tmp_path: Path) -> None:
    from api.auth import create_key

    app = _app(tmp_path, runner=True)
    try:
        _key, token = create_key(app.extensions["mt_audit"].db, "t", "translator")
        client = app.test_client()
        assert app.extensions["mt_audit"].jobs.runner is None
        response = _submit(client, token, _archive(tmp_path / "docs.zip"))
        assert response.status_code == 202
        assert app.extensions["mt_audit"].jobs.runner is not None
        assert _wait(client, token, response.get_json()["id"])["state"] == "done"
    finally:
        _close(app)
