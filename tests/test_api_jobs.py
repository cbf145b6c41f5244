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


def _app(tmp_path: Path, runner: bool, **extra: object) -> Flask:
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
            **extra,
        }
    )


def _close(app: Flask) -> None:
    app.extensions["mt_audit"].jobs.stop()
    app.extensions["mt_audit"].db.dispose()


@pytest.fixture
def config_overrides(review_database_url: str) -> dict[str, object]:
    # SQLite, or PostgreSQL when MT_AUDIT_TEST_DATABASE_URL is set (the jobs table must work on both).
    return {"JOBS_RUNNER": False, "JOBS_WORKERS": 1, "DATABASE_URL": review_database_url}


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
        folder = first.extensions["mt_audit"].jobs.store.job_dir(job_id)
        assert sorted(p.name for p in folder.iterdir()) == ["input"]  # artefacts only: no job.json
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
        # The jobs table followed the resumed run: state, times and progress as the listing shows them.
        listed = client.get("/v1/jobs", headers=bearer(token)).get_json()["jobs"]
        assert [j["id"] for j in listed] == [job_id]
        assert listed[0]["state"] == "done" and listed[0]["progress"] == {"documents_done": 2}
        assert listed[0]["created_at"] <= listed[0]["started_at"] <= listed[0]["finished_at"]
        assert listed[0]["summary"]["segments"] == 3

        report = client.get(f"/v1/jobs/{job_id}/report", headers=bearer(token))
        assert report.status_code == 200 and report.mimetype == "text/html"
        assert "<html" in report.get_data(as_text=True).lower()

        results = client.get(f"/v1/jobs/{job_id}/results", headers=bearer(token))
        assert results.status_code == 200 and results.mimetype == "application/zip"
        with zipfile.ZipFile(io.BytesIO(results.data)) as zf:
            assert "summary.json" in zf.namelist()
            assert json.loads(zf.read("summary.json"))["segments"] == 3
        assert sorted(p.name for p in folder.iterdir()) == ["input", "out", "results.zip"]
        assert not list(folder.rglob("job.json"))

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


def test_the_runner_starts_on_the_first_job_submission_never_on_a_read(tmp_path: Path) -> None:
    from api.auth import create_key

    app = _app(tmp_path, runner=True)
    try:
        ext = app.extensions["mt_audit"]
        _key, token = create_key(ext.db, "t", "translator")
        client = app.test_client()
        data = _archive(tmp_path / "docs.zip")
        # A job another worker stored (its row and upload), and every read of it: no runner starts here.
        other = ext.jobs.store.create("other.zip", io.BytesIO(data), {"grammar": False, "workers": 1},
                                      owner=_key.id)["id"]
        for path in ("/v1/jobs", f"/v1/jobs/{other}", f"/v1/jobs/{other}/report", f"/v1/jobs/{other}/results",
                     "/v1/jobs/0123456789abcdef"):
            assert client.get(path, headers=bearer(token)).status_code in (200, 404, 409), path
        assert ext.jobs.runner is None
        assert client.get(f"/v1/jobs/{other}", headers=bearer(token)).get_json()["state"] == "queued"
        # A submission starts it; it runs both, first in, first out.
        response = _submit(client, token, data)
        assert response.status_code == 202
        assert ext.jobs.runner is not None
        mine = _wait(client, token, response.get_json()["id"])
        assert mine["state"] == "done"
        first = client.get(f"/v1/jobs/{other}", headers=bearer(token)).get_json()
        assert first["state"] == "done" and first["finished_at"] <= mine["started_at"]
    finally:
        _close(app)


# --- the jobs table: listing, ownership, admin view, delete, prune -----------------------------------
def _ids(client: FlaskClient, key: str, query: str = "") -> list[str]:
    response = client.get(f"/v1/jobs{query}", headers=bearer(key))
    assert response.status_code == 200, response.get_json()
    return [job["id"] for job in response.get_json()["jobs"]]


def test_jobs_are_listed_per_key_and_another_keys_job_is_not_found(
    stopped: Flask, client: FlaskClient, make_key, tmp_path: Path
) -> None:
    alice, bob, admin = make_key("translator", "alice"), make_key("editor", "bob"), make_key("admin", "root")
    data = _archive(tmp_path / "docs.zip")
    mine = [_submit(client, alice, data, name=f"a{i}.zip").get_json() for i in range(3)]
    theirs = _submit(client, bob, data, name="b.zip").get_json()
    assert all(job["state"] == "queued" for job in [*mine, theirs])
    assert mine[0]["owner_key_id"] is not None and mine[0]["owner_key_id"] != theirs["owner_key_id"]
    assert mine[0]["created_at"].endswith("Z")

    # Newest first; each key sees its own jobs only; an admin key sees every job.
    assert _ids(client, alice) == [job["id"] for job in reversed(mine)]
    assert _ids(client, bob) == [theirs["id"]]
    assert set(_ids(client, admin)) == {*(job["id"] for job in mine), theirs["id"]}
    page = client.get("/v1/jobs?per_page=2&page=2", headers=bearer(alice)).get_json()
    assert (page["total"], page["pages"], page["page"], page["per_page"]) == (3, 2, 2, 2)
    assert [job["id"] for job in page["jobs"]] == [mine[0]["id"]]
    listed = client.get("/v1/jobs", headers=bearer(alice)).get_json()["jobs"][0]
    assert listed["links"]["self"] == f"/v1/jobs/{mine[2]['id']}" and listed["filename"] == "a2.zip"
    assert listed["progress"] == {"documents_done": 0} and listed["started_at"] is None

    # State filter, and bad paging named by field.
    store = stopped.extensions["mt_audit"].jobs.store
    store.update(mine[0]["id"], state="failed", error="boom", finished=time.time())
    assert _ids(client, alice, "?state=failed") == [mine[0]["id"]]
    for query, field in (("?per_page=0", "per_page"), ("?page=x", "page"), ("?state=odd", "state"),
                         ("?owner=1", "owner")):
        bad = client.get(f"/v1/jobs{query}", headers=bearer(alice))
        assert bad.status_code == 422 and bad.get_json()["error"]["field"] == field, query

    # Another key's job answers 404 everywhere (it is not disclosed); an admin key reads it.
    for path in (f"/v1/jobs/{theirs['id']}", f"/v1/jobs/{theirs['id']}/report", f"/v1/jobs/{theirs['id']}/results"):
        response = client.get(path, headers=bearer(alice))
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found", path
    assert client.delete(f"/v1/jobs/{theirs['id']}", headers=bearer(alice)).status_code == 404
    as_admin = client.get(f"/v1/jobs/{theirs['id']}", headers=bearer(admin))
    assert as_admin.status_code == 200 and as_admin.get_json()["owner_key_id"] == theirs["owner_key_id"]
    assert client.get(f"/v1/jobs/{mine[0]['id']}", headers=bearer(alice)).get_json()["error"] == "boom"

    # The owner deletes a queued job: its folder goes at once, it answers 404, it leaves the list.
    folder = store.job_dir(mine[1]["id"])
    assert folder.is_dir()
    assert client.delete(f"/v1/jobs/{mine[1]['id']}", headers=bearer(alice)).status_code == 204
    assert not folder.exists()
    assert client.get(f"/v1/jobs/{mine[1]['id']}", headers=bearer(alice)).status_code == 404
    assert client.delete(f"/v1/jobs/{mine[1]['id']}", headers=bearer(alice)).status_code == 404
    assert mine[1]["id"] not in _ids(client, alice)
    # An admin deletes another key's job.
    assert client.delete(f"/v1/jobs/{theirs['id']}", headers=bearer(admin)).status_code == 204
    assert _ids(client, bob) == []
    assert client.get("/v1/jobs").status_code == 401


def test_deleting_a_running_job_stops_it_and_removes_its_files(tmp_path: Path) -> None:
    from api.auth import create_key
    from audit.batch.samples import sample_files

    app = _app(tmp_path, runner=True)
    try:
        ext = app.extensions["mt_audit"]
        _key, token = create_key(ext.db, "t", "translator")
        client = app.test_client()
        # Many small documents, so the run is still handing out documents when the delete comes.
        files = {f"d{i:03d}/{name}": data for i in range(40) for name, data in sample_files().items()
                 if name.endswith(".jsonl") and not name.startswith("broken")}
        archive = tmp_path / "many.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        job_id = _submit(client, token, archive.read_bytes(), name="many.zip").get_json()["id"]
        folder = ext.jobs.store.job_dir(job_id)
        deadline = time.monotonic() + 60
        while ext.jobs.store.get(job_id)["progress"]["documents_done"] < 1:
            assert time.monotonic() < deadline, "the job did not start"
            time.sleep(0.05)
        assert client.get(f"/v1/jobs/{job_id}", headers=bearer(token)).get_json()["state"] == "running"
        assert client.delete(f"/v1/jobs/{job_id}", headers=bearer(token)).status_code == 204
        assert client.get(f"/v1/jobs/{job_id}", headers=bearer(token)).status_code == 404
        while folder.exists():  # the runner stops before its next document and removes the folder
            assert time.monotonic() < deadline, "the runner did not remove the cancelled job"
            time.sleep(0.05)
        assert ext.jobs.runner is not None and ext.jobs.runner.is_alive()
        assert _ids(client, token) == []
        # The runner goes on with the next job.
        again = _submit(client, token, _archive(tmp_path / "docs.zip")).get_json()["id"]
        assert _wait(client, token, again)["state"] == "done"
    finally:
        _close(app)


def test_prune_removes_old_finished_jobs_by_cli_and_by_the_runner(
    stopped: Flask, client: FlaskClient, translator_key: str, tmp_path: Path
) -> None:
    from api.cli import jobs as jobs_cli

    data = _archive(tmp_path / "docs.zip")
    old_done, old_failed, new_done, queued = (
        _submit(client, translator_key, data, name=f"{n}.zip").get_json()["id"] for n in ("a", "b", "c", "d")
    )
    service = stopped.extensions["mt_audit"].jobs
    store = service.store
    long_ago = time.time() - 31 * 86400
    store.update(old_done, state="done", finished=long_ago, summary={"segments": 3})
    store.update(old_failed, state="failed", finished=long_ago, error="x")
    store.update(new_done, state="done", finished=time.time())
    folders = {job_id: store.job_dir(job_id) for job_id in (old_done, old_failed, new_done, queued)}

    result = stopped.test_cli_runner().invoke(jobs_cli, ["prune"])
    assert result.exit_code == 0, result.output
    assert set(result.stdout.split()) == {old_done, old_failed}
    assert "removed 2 job(s)" in result.stderr
    assert not folders[old_done].exists() and not folders[old_failed].exists()
    assert folders[new_done].exists() and folders[queued].exists()  # newer, or not finished: kept
    assert set(_ids(client, translator_key)) == {new_done, queued}

    # --days overrides the retention; the runner prunes on start with the configured one.
    store.update(new_done, finished=time.time() - 3 * 86400)
    assert stopped.test_cli_runner().invoke(jobs_cli, ["prune", "--days", "7"]).stdout.split() == []
    service.retention_days = 2
    assert service.prune() == [new_done]
    assert set(_ids(client, translator_key)) == {queued}
    bad = stopped.test_cli_runner().invoke(jobs_cli, ["prune", "--days", "-1"])
    assert bad.exit_code == 2 and "--days" in bad.output


def test_job_folders_of_older_versions_are_imported_once_at_start(tmp_path: Path) -> None:
    from sqlalchemy import delete

    from api.auth import create_key
    from api.storage.models import JobRecord
    from audit.batch.jobs import JobStore

    data = _archive(tmp_path / "o.zip")
    first = _app(tmp_path, runner=False)
    try:
        ext = first.extensions["mt_audit"]
        owner, translator = create_key(ext.db, "t", "translator")
        _k, admin = create_key(ext.db, "a", "admin")
        # A job of the version that kept job.json and a row in step: the row stays what counts.
        both = ext.jobs.store.create("both.zip", io.BytesIO(data), owner=owner.id)["id"]
    finally:
        _close(first)
    root = tmp_path / "instance" / "jobs"
    (root / both / "job.json").write_text(json.dumps({"id": both, "state": "failed", "owner": None}), "utf-8")
    # Folders written by older servers: state in job.json only, no row.
    legacy = JobStore(root)
    owned = legacy.create("owned.zip", io.BytesIO(data), {"grammar": False}, owner=owner.id)["id"]
    anonymous = legacy.create("old.zip", io.BytesIO(data))["id"]
    legacy.update(anonymous, state="done", summary={"segments": 3}, started=time.time(), finished=time.time() + 1)
    interrupted = legacy.create("cut.zip", io.BytesIO(data), owner=owner.id)["id"]
    legacy.update(interrupted, state="running", started=time.time())
    deleted = legacy.create("gone.zip", io.BytesIO(data), owner=owner.id)["id"]
    legacy.update(deleted, state="running")
    assert legacy.cancel(deleted) is False  # deleted while it ran: only the marker was left

    second = _app(tmp_path, runner=False)  # binding the store imports them
    try:
        ext = second.extensions["mt_audit"]
        store = ext.jobs.store
        assert not list(root.rglob("job.json"))  # the rows hold the state now
        assert not (root / deleted).exists()
        client = second.test_client()
        assert set(_ids(client, admin)) == {both, owned, anonymous, interrupted}
        assert set(_ids(client, translator)) == {both, owned, interrupted}
        assert client.get(f"/v1/jobs/{anonymous}", headers=bearer(translator)).status_code == 404
        job = client.get(f"/v1/jobs/{anonymous}", headers=bearer(admin)).get_json()
        assert job["owner_key_id"] is None and job["state"] == "done" and job["summary"] == {"segments": 3}
        assert job["created_at"] <= job["started_at"] <= job["finished_at"]
        assert client.get(f"/v1/jobs/{both}", headers=bearer(translator)).get_json()["state"] == "queued"
        assert client.get(f"/v1/jobs/{owned}", headers=bearer(translator)).get_json()["options"] == {"grammar": False}
        assert store.unfinished() == [both, owned, interrupted]  # the interrupted one resumes
        with ext.db.session() as session:  # the row goes; the folder (no job.json now) is not imported again
            session.execute(delete(JobRecord).where(JobRecord.id == anonymous))
    finally:
        _close(second)
    third = _app(tmp_path, runner=False)
    try:
        assert not third.extensions["mt_audit"].jobs.store.exists(anonymous)
        assert (root / anonymous).is_dir()  # a folder without a row: pruned once older than the retention
        assert third.extensions["mt_audit"].jobs.prune(now=time.time() + 31 * 86400) == [anonymous]
    finally:
        _close(third)


def test_job_state_lives_in_the_database_only(
    stopped: Flask, client: FlaskClient, translator_key: str, tmp_path: Path
) -> None:
    from sqlalchemy import update

    from api.storage.models import JobRecord

    ext = stopped.extensions["mt_audit"]
    job_id = _submit(client, translator_key, _archive(tmp_path / "docs.zip")).get_json()["id"]
    folder = ext.jobs.store.job_dir(job_id)
    assert [p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*"))] == ["input", "input/archive.zip"]
    before = client.get(f"/v1/jobs/{job_id}", headers=bearer(translator_key)).get_json()
    # A stray job.json (another owner, another state) and its removal change nothing.
    (folder / "job.json").write_text(json.dumps({"id": job_id, "state": "done", "owner": None}), "utf-8")
    assert client.get(f"/v1/jobs/{job_id}", headers=bearer(translator_key)).get_json() == before
    (folder / "job.json").unlink()
    assert client.get(f"/v1/jobs/{job_id}", headers=bearer(translator_key)).get_json() == before
    # The row is the state: a change there is what every reader sees.
    with ext.db.session() as session:
        session.execute(update(JobRecord).where(JobRecord.id == job_id).values(state="failed", error="boom",
                                                                              documents_done=4))
    job = client.get(f"/v1/jobs/{job_id}", headers=bearer(translator_key)).get_json()
    assert (job["state"], job["error"], job["progress"]) == ("failed", "boom", {"documents_done": 4})
    assert _ids(client, translator_key, "?state=failed") == [job_id]
    assert not list(ext.jobs.root.rglob("job.json"))


def test_deleting_a_running_job_marks_its_row_and_nothing_brings_it_back(stopped: Flask, tmp_path: Path) -> None:
    store = stopped.extensions["mt_audit"].jobs.store
    data = _archive(tmp_path / "docs.zip")
    job_id = store.create("a.zip", io.BytesIO(data))["id"]
    store.update(job_id, state="running", started=time.time())
    assert store.cancel(job_id) is False  # running: the runner stops it and removes it
    assert store.cancel_requested(job_id) and not store.exists(job_id)
    with pytest.raises(KeyError):
        store.get(job_id)
    with pytest.raises(KeyError):  # the run ending meanwhile does not make it done again
        store.update(job_id, state="done", finished=time.time())
    with pytest.raises(KeyError):
        store.cancel(job_id)
    assert job_id not in store.unfinished() and store.all_jobs() == []
    assert store.folder(job_id).is_dir()
    # Its runner gone (a restart), a prune removes it; a job this process runs is never pruned.
    assert store.prune(86400, running_here={job_id}) == []
    assert store.prune(86400) == [job_id]
    assert not store.folder(job_id).exists() and store.cancel_requested(job_id)
    with pytest.raises(TypeError):
        store.update(store.create("b.zip", io.BytesIO(data))["id"], colour="red")


def test_the_jobs_migration_matches_the_model(app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from api.storage.models import Base

    with app.extensions["mt_audit"].db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        columns = {c["name"] for c in __import__("sqlalchemy").inspect(connection).get_columns("batch_jobs")}
    assert [d for d in diffs if "batch_jobs" in repr(d)] == []
    assert {"id", "owner_key_id", "state", "directory", "created_at", "started_at", "finished_at"} <= columns


def test_the_runner_prunes_periodically(tmp_path: Path) -> None:
    from api.auth import create_key

    app = _app(tmp_path, runner=False, JOBS_RETENTION_DAYS=1, JOBS_PRUNE_SECONDS=0.3)
    try:
        ext = app.extensions["mt_audit"]
        _k, token = create_key(ext.db, "t", "translator")
        client = app.test_client()
        data = _archive(tmp_path / "docs.zip")
        old, kept = (_submit(client, token, data).get_json()["id"] for _ in range(2))
        ext.jobs.store.update(old, state="done", finished=time.time() - 2 * 86400)
        ext.jobs.store.update(kept, state="done", finished=time.time())
        ext.jobs_runner_enabled = True
        assert ext.start_jobs_runner()
        deadline = time.monotonic() + 30
        while old in _ids(client, token):  # pruned when the runner starts, then every 0.3 s
            assert time.monotonic() < deadline, "the runner did not prune"
            time.sleep(0.1)
        assert _ids(client, token) == [kept]
        ext.jobs.store.update(kept, finished=time.time() - 3 * 86400)  # ages while the runner idles
        while _ids(client, token):
            assert time.monotonic() < deadline, "the runner did not prune again"
            time.sleep(0.1)
    finally:
        _close(app)
