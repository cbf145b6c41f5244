"""Issue 15: archives refused at upload, no server paths in what a job shows, first in first out."""

from __future__ import annotations

import io
import json
import tarfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

from api.services.jobs import DbJobStore, PollingJobRunner
from audit.batch.archive import iter_members
from audit.batch.readers import ReaderOptions, ReadStats, iter_documents


def _upload(client, key, data: bytes, name: str):
    return client.post("/v1/jobs", data={"file": (io.BytesIO(data), name)},
                       headers={"Authorization": f"Bearer {key}"}, content_type="multipart/form-data")


@pytest.mark.parametrize(("name", "data"), [("x.zip", b"this is not a zip at all"), ("x.tar.gz", b"\x1f\x8b nope"),
                                            ("x.tar", b"plain text, no tar header" * 40)])
def test_a_file_that_is_not_the_archive_its_name_says_is_refused_at_upload(app, client, translator_key, name, data):
    response = _upload(client, translator_key, data, name)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_archive", "file")
    assert name in error["message"]
    store = app.extensions["mt_audit"].jobs.store
    assert [p for p in store.root.iterdir() if p.is_dir() and not p.name.startswith(".")] == []  # nothing kept
    listed = client.get("/v1/jobs", headers={"Authorization": f"Bearer {translator_key}"}).get_json()
    assert listed["total"] == 0


def test_a_real_zip_is_accepted(client, translator_key):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "Hello world.\n")
    assert _upload(client, translator_key, buffer.getvalue(), "docs.zip").status_code == 202


def test_skipped_members_name_the_archive_not_the_server_path(tmp_path):
    deep = tmp_path / "srv" / "instance" / "jobs" / "0123456789abcdef" / "input"
    deep.mkdir(parents=True)
    path = deep / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../evil.txt", "x")
        archive.writestr("/etc/passwd.txt", "x")
    tar_path = deep / "archive.tar"
    with tarfile.open(tar_path, "w") as archive:
        info = tarfile.TarInfo("../../up.txt")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    for archive_path in (path, tar_path):
        stats = ReadStats()
        list(iter_documents(iter_members(archive_path), ReaderOptions(), stats))
        assert len(stats.skipped) >= 1
        shown = json.dumps([s.to_dict() for s in stats.skipped])
        assert str(tmp_path) not in shown and archive_path.name in shown


def test_failed_job_errors_hide_the_jobs_folder(tmp_path, app):
    store = app.extensions["mt_audit"].jobs.store
    assert isinstance(store, DbJobStore)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "Hello.\n")
    job = store.create("a.zip", io.BytesIO(buffer.getvalue()))
    store.update(job["id"], state="failed", error=f"{store.root / job['id']}/input/archive.zip: broken")
    assert store.get(job["id"])["error"] == "input/archive.zip: broken"


def test_jobs_run_first_in_first_out_whoever_took_the_upload(tmp_path, app):
    """Jobs uploaded to other workers (only on disk, never submitted here) run in upload order too."""
    store = app.extensions["mt_audit"].jobs.store
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "Hello.\n")
    ids = []
    for n in range(4):
        ids.append(store.create(f"j{n}.zip", io.BytesIO(buffer.getvalue()))["id"])
        time.sleep(0.01)  # distinct upload times
    ran: list[str] = []
    done = threading.Event()

    def run(job_store, job_id):
        ran.append(job_id)
        if len(ran) == len(ids):
            done.set()
        return {"documents": 0}

    runner = PollingJobRunner(store, poll_seconds=0.05, run=run)
    runner.queue.queue.clear()  # as if the newest were submitted here first: it must not jump the queue
    runner.submit(ids[-1])
    runner.start()
    try:
        assert done.wait(30)
    finally:
        runner.stop()
        runner.join(timeout=30)
    assert ran == ids
    assert all(store.get(i)["state"] == "done" for i in ids)
    assert Path(store.root).is_dir()
