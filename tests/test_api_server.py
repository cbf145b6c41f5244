"""The real server: ``mt-audit serve`` (gunicorn) on a free loopback port audits the seed like the CLI."""

from __future__ import annotations

import json
import os
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
