#!/usr/bin/env python3
"""Load benchmark of the HTTP API: ``mt-audit serve`` + wrk, loopback only, bounded duration.

Starts ``mt-audit serve`` (2 workers by default) on a free 127.0.0.1 port with a
throw-away instance folder, creates a translator key, and for each scenario runs::

    wrk -t2 -c16 -d15s --latency -s <script.lua> http://127.0.0.1:PORT/v1/audit

POSTing one seed paragraph, then the whole seed (and GET /v1/health as a near-trivial
baseline). Prints requests/s, p50/p99 latency and failed requests (socket errors and
non-2xx answers), then stops the server. Installs nothing: wrk must be on PATH
(Debian: ``apt-get install wrk``).

    python benchmarks/bench_api.py                 # grammar (Harper) on, as served by default
    python benchmarks/bench_api.py --no-grammar    # without the grammar model
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "lavrov-kommersant.en.txt"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mt_audit() -> list[str]:
    found = shutil.which("mt-audit", path=os.path.dirname(sys.executable)) or shutil.which("mt-audit")
    return [found] if found else [sys.executable, "-m", "audit.cli"]


def lua_script(method: str, body: str | None, key: str) -> str:
    lines = [f'wrk.method = "{method}"', f'wrk.headers["Authorization"] = "Bearer {key}"']
    if body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines.append(f"wrk.body = {json.dumps(body)}")  # a JSON string literal is a valid Lua string literal
    return "\n".join(lines) + "\n"


def to_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        raise ValueError(f"cannot read wrk latency {value!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> dict[str, float]:
    result: dict[str, float] = {}
    result["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    result["requests"] = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    for pct in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{pct}%\s+(\S+)", output, re.MULTILINE)
        result[f"p{pct}"] = to_ms(match.group(1)) if match else float("nan")
    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    result["errors"] = errors
    return result


def wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/v1/health/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.25)
    raise SystemExit("server not ready in time")


def post(url: str, body: str, key: str) -> int:
    req = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    with urllib.request.urlopen(req, timeout=60) as response:
        response.read()
        return int(response.status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", default="15s", help="wrk -d (default 15s)")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c (default 16)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="mt-audit serve --workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="mt-audit serve --threads (default 4)")
    parser.add_argument(
        "--grammar",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the Harper grammar checker (default on, as served)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()

    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed (Debian: apt-get install wrk); this benchmark installs nothing.", file=sys.stderr)
        return 2
    seed = SEED.read_text(encoding="utf-8")
    paragraph = seed.splitlines()[6]
    scenarios = [
        ("GET /v1/health (baseline)", "GET", "/v1/health", None),
        (
            f"POST /v1/audit, one paragraph ({len(paragraph)} chars)",
            "POST",
            "/v1/audit",
            json.dumps({"text": paragraph}),
        ),
        (f"POST /v1/audit, whole seed ({len(seed)} chars)", "POST", "/v1/audit", json.dumps({"text": seed})),
    ]

    with tempfile.TemporaryDirectory(prefix="mt-audit-bench-") as tmp:
        env = {
            **os.environ,
            "MT_AUDIT_INSTANCE_PATH": str(Path(tmp) / "instance"),
            "MT_AUDIT_RATE_LIMIT": "100000000/minute",
            "MT_AUDIT_GRAMMAR": "true" if args.grammar else "false",
        }
        env.pop("MT_AUDIT_DATABASE_URL", None)
        key = subprocess.run(
            [*mt_audit(), "keys", "create", "--role", "translator", "--name", "bench"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - closed in finally
        server = subprocess.Popen(
            [
                *mt_audit(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        rows = []
        try:
            wait_ready(base, server)
            for name, method, path, body in scenarios:
                if body is not None:  # warm every worker thread's Harper linter before measuring
                    for _ in range(args.workers * args.threads * 2):
                        assert post(base + path, body, key) == 200
                script = Path(tmp) / "request.lua"
                script.write_text(lua_script(method, body, key), encoding="utf-8")
                command = [
                    wrk,
                    f"-t{args.wrk_threads}",
                    f"-c{args.connections}",
                    f"-d{args.duration}",
                    "--timeout",
                    "10s",
                    "--latency",
                    "-s",
                    str(script),
                    base + path,
                ]
                shown = " ".join(command).replace(str(script), "request.lua")
                print(f"$ {shown}", file=sys.stderr)
                out = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True).stdout
                figures = parse_wrk(out)
                rows.append({"scenario": name, **figures})
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
            log.close()

    grammar = "on" if args.grammar else "off"
    print(
        f"\nmt-audit serve --workers {args.workers} --threads {args.threads}, grammar {grammar}; "
        f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}, {os.cpu_count()} CPUs\n"
    )
    print("| scenario | req/s | p50 ms | p99 ms | requests | failed |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['scenario']} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} | "
            f"{row['requests']:.0f} | {row['errors']:.0f} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "grammar": args.grammar,
                    "workers": args.workers,
                    "threads": args.threads,
                    "connections": args.connections,
                    "duration": args.duration,
                    "rows": rows,
                },
                indent=1,
            )
        )
    return 1 if any(row["errors"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
