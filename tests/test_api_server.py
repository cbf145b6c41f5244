"""The real server: ``mt-audit serve`` (gunicorn) on a free loopback port audits the seed like the CLI."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parent.parent / "seeds" / "lavrov-kommersant.en.txt"


def mt_audit() -> list[str]:
    found = shutil.which("mt-audit", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", "audit.cli"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(url: str, body: dict | None = None, key: str | None = None, timeout: float = 30) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def server(tmp_path):
    env = {
        **os.environ,
        "MT_AUDIT_INSTANCE_PATH": str(tmp_path / "instance"),
        "MT_AUDIT_RATE_LIMIT": "1000/minute",
    }
    env.pop("MT_AUDIT_DATABASE_URL", None)
    created = subprocess.run(
        [*mt_audit(), "keys", "create", "--role", "translator", "--name", "server-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key = created.stdout.strip()
    port = free_port()
    log = (tmp_path / "server.log").open("w+")
    process = subprocess.Popen(
        [
            *mt_audit(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--threads",
            "2",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"server exited: {(tmp_path / 'server.log').read_text()}"
            try:
                status, _ = request(f"{base}/v1/health/ready", timeout=2)
                if status == 200:
                    break
            except (OSError, ValueError):
                pass
            assert time.monotonic() < deadline, "server not ready within 60 s"
            time.sleep(0.2)
        yield base, key, env, tmp_path / "server.log"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()


def test_served_audit_of_the_seed_equals_the_cli(server):
    base, key, env, log = server
    status, health = request(f"{base}/v1/health")
    assert (status, health["status"], health["ready"]) == (200, "ok", True)

    text = SEED.read_text(encoding="utf-8")
    status, served = request(f"{base}/v1/audit", {"text": text}, key)
    assert status == 200, served
    cli = subprocess.run(
        [*mt_audit(), "check", "--format", "json", str(SEED)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode in (0, 1), cli.stderr
    assert served == json.loads(cli.stdout)
    assert served["summary"]["segments"] > 20

    status, error = request(f"{base}/v1/audit", {"text": text})
    assert (status, error["error"]["code"]) == (401, "unauthorized")
    # each of the two workers built and warmed its default auditor once, before taking requests
    assert log.read_text().count("ready (default auditor warm)") == 2


def _raw_get(base: str, path: str, timeout: float = 30) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(f"{base}{path}", timeout=timeout) as response:
            return response.status, response.headers.get_content_type(), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), json.loads(exc.read())


@pytest.mark.slow
def test_hostile_inputs_get_json_answers_and_the_workers_survive(server):
    """Issue 15: a 100,000-character token made Harper ask for 30 GB and abort the worker; a 1 MB
    line and 5 MB of text ran for minutes. Each now gets a quick answer, and the same two workers
    (same pids, no reboot) still answer afterwards."""
    base, key, _env, log = server
    until = time.monotonic() + 60
    while log.read_text().count("ready (default auditor warm)") < 2 and time.monotonic() < until:
        time.sleep(0.2)  # /v1/health/ready answered from the first worker; wait for the second
    booted = log.read_text()
    pids = sorted(int(p) for p in re.findall(r"mt-audit worker (\d+) ready", booted))
    assert len(pids) == 2

    started = time.monotonic()
    status, body = request(f"{base}/v1/audit", {"text": "a" * 100_000}, key, timeout=120)
    assert status == 200, body
    assert body["segments"][0]["grammar_skipped"] is True  # checked without Harper, and it says so
    assert body["summary"]["grammar_skipped"] == 1

    words = "the minister said that relations between the two countries remain stable and constructive "
    line = (words * (1_000_000 // len(words) + 1))[:1_000_000]  # one 1 MB line, no sentence end
    status, body = request(f"{base}/v1/audit", {"text": line}, key, timeout=120)
    assert (status, body["error"]["code"], body["error"]["field"]) == (413, "text_too_long", "text")
    assert "100000" in body["error"]["message"]

    sentence = "It can be seen that the two sides held talks. "
    text = (sentence * (4_900_000 // len(sentence)))  # 4.9 MB of sentences: under the body cap
    status, body = request(f"{base}/v1/audit", {"text": text}, key, timeout=120)
    assert (status, body["error"]["code"]) == (413, "text_too_long")
    # A body over MT_AUDIT_MAX_CONTENT_LENGTH (5 MB) is refused from its Content-Length, before it is read.
    connection = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=30)
    try:
        connection.putrequest("POST", "/v1/audit")
        for name, value in (("Content-Type", "application/json"), ("Authorization", f"Bearer {key}"),
                            ("Content-Length", str(5_300_000))):
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())["error"]["code"]) == (413, "payload_too_large")
    finally:
        connection.close()

    # A query string past gunicorn's limit_request_line: JSON, not gunicorn's HTML page.
    status, content_type, body = _raw_get(base, "/v1/glossaries?q=" + "a" * 5000)
    assert (status, content_type, body["error"]["code"]) == (414, "application/json", "uri_too_long")
    assert time.monotonic() - started < 60

    for _ in range(6):  # both workers answer, with a real audit
        status, body = request(f"{base}/v1/audit", {"text": "Hello world. It can be seen that it works."}, key)
        assert status == 200 and body["summary"]["segments"] == 2
    text = log.read_text()
    assert sorted(int(p) for p in re.findall(r"mt-audit worker (\d+) ready", text)) == pids
    assert text.count("Booting worker") == booted.count("Booting worker")
    assert "SIGABRT" not in text and "memory allocation" not in text
    for pid in pids:
        os.kill(pid, 0)  # still alive
