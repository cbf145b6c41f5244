"""Kill the real server (SIGKILL) in the middle of a review: every confirmed decision survives."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from test_api_server import free_port, mt_audit

from api import create_app
from api.auth import create_key
from api.storage.reviews import create_user, load_document

SEED = Path(__file__).resolve().parent.parent / "seeds" / "lavrov-kommersant.en.txt"
PASSWORD = "correct horse battery"


class Browser:
    """A cookie-keeping HTTP client (urllib only)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def login(self) -> None:
        _, page = self.call("/review/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"username": "alice", "password": PASSWORD, "csrf_token": token}).encode()
        status, body = self.call("/review/login", form)
        assert status == 200 and 'id="queue"' in body, body[:300]

    def decide(self, doc: str, segment: int, version: int, token: str, decision: str, text: str | None = None):
        payload = {"decision": decision, "version": version, **({"text": text} if text else {})}
        return self.call(
            f"/review/documents/{doc}/segments/{segment}",
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", "X-CSRFToken": token},
        )


def start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [*mt_audit(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--threads", "2"],
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health/ready", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            pass
        assert time.monotonic() < deadline, "server not ready within 60 s"
        time.sleep(0.2)


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_sigkill_loses_no_confirmed_decision(tmp_path, review_database_url):
    instance = tmp_path / "instance"
    config = {"DATABASE_URL": review_database_url, "INSTANCE_PATH": str(instance), "GRAMMAR": False}
    app = create_app(config)
    db = app.extensions["mt_audit"].db
    create_user(db, "alice", PASSWORD, "editor")
    _, key = create_key(db, "submitter", "translator")
    stored = app.test_client().post(
        "/v1/audit",
        json={"text": SEED.read_text(encoding="utf-8"), "store": True},
        headers={"Authorization": f"Bearer {key}"},
    )
    doc = stored.get_json()["document_id"]
    with db.session() as session:
        segments = [(s.id, s.version) for s in load_document(session, doc).segments][:8]
    db.dispose()

    env = {
        **os.environ,
        "MT_AUDIT_INSTANCE_PATH": str(instance),
        "MT_AUDIT_DATABASE_URL": review_database_url,
        "MT_AUDIT_GRAMMAR": "false",
        "MT_AUDIT_RATE_LIMIT_ENABLED": "false",
    }
    port, log = free_port(), tmp_path / "server.log"
    process = start(env, port, log)
    confirmed: dict[int, str] = {}
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        browser.login()
        _, page = browser.call(f"/review/documents/{doc}")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        decisions = ["accept", "edit", "reject", "accept", "edit", "reject", "accept", "edit"]
        for (segment, version), decision in zip(segments, decisions, strict=True):
            status, body = browser.decide(doc, segment, version, token, decision, f"Final {segment}.")
            assert status == 200, body
            confirmed[segment] = json.loads(body)["segment"]["status"]
        kill(process)  # no shutdown, no flush: SIGKILL right after the last confirmation
        assert process.returncode == -signal.SIGKILL

        process = start(env, port, log)
        _, page = browser.call(f"/review/documents/{doc}")  # same session: the secret key is in the instance
        for segment, status in confirmed.items():
            assert re.search(
                rf'id="seg-{segment}"\s+data-id="{segment}"[^>]*? data-version="\d+" data-status="{status}"', page
            )
        status, _ = browser.decide(doc, segments[0][0], 2, token, "reject")  # the review goes on
        assert status == 200
    finally:
        kill(process)
    app = create_app(config)
    with app.extensions["mt_audit"].db.session() as session:
        after = {s.id: s for s in load_document(session, doc).segments}
    app.extensions["mt_audit"].db.dispose()
    assert {sid: after[sid].status for sid in list(confirmed)[1:]} == dict(list(confirmed.items())[1:])
    assert after[segments[0][0]].status == "rejected" and after[segments[1][0]].final_text == f"Final {segments[1][0]}."
