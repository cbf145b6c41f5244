#!/usr/bin/env python3
"""Load benchmark of the HTTP API: ``mt-audit serve`` (gunicorn) on 127.0.0.1, bounded duration.

Starts ``mt-audit serve`` (2 workers, 4 threads by default) on a free 127.0.0.1 port with a
throw-away instance folder, creates a translator key, and for each scenario keeps 16 HTTP/1.1
keep-alive connections busy (one Python thread each, ``http.client``; a connection the server
closed is opened again) for ``--duration`` seconds:

* ``GET /v1/health`` (a near-trivial baseline),
* ``POST /v1/audit`` with one seed paragraph, then with the whole seed,
* the one-paragraph POST again, with one gunicorn worker SIGKILLed halfway through
  (``--kill-at``): the requests it held fail, gunicorn starts a new worker, the rest go on.

Prints requests/s, p50/p95/p99 latency of the answered requests and the errors (connection
failures and non-2xx answers), then stops the server. Needs nothing beyond the ``api`` extra
(the load generator is in this file; the client shares the CPUs with the server, so on a small
machine the figures are a floor).

    python benchmarks/bench_api.py                 # grammar (Harper) on, as served by default
    python benchmarks/bench_api.py --no-grammar    # without the grammar model
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "lavrov-kommersant.en.txt"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mt_audit() -> list[str]:
    found = shutil.which("mt-audit", path=os.path.dirname(sys.executable)) or shutil.which("mt-audit")
    return [found] if found else [sys.executable, "-m", "audit.cli"]


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def workers_of(pid: int) -> list[int]:
    """The gunicorn workers under ``mt-audit serve`` ``pid``: its descendants without children."""
    leaves, todo = [], [pid]
    while todo:
        current = todo.pop()
        below = children(current)
        if below:
            todo.extend(below)
        elif current != pid:
            leaves.append(current)
    return sorted(leaves)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def load(port: int, method: str, path: str, body: str | None, key: str, connections: int, duration: float,
         at_half: Any = None) -> dict[str, Any]:
    """``connections`` threads, each one keep-alive connection, sending the request until ``duration``
    has passed; ``at_half()`` runs once halfway (the worker kill). Latency is per answered request."""
    headers = {"Authorization": f"Bearer {key}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    payload = body.encode() if body is not None else None
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    started = time.monotonic()
    stop = started + duration

    def client() -> None:
        conn: http.client.HTTPConnection | None = None
        mine: list[float] = []
        failed: Counter[str] = Counter()
        while time.monotonic() < stop:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            begin = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                response.read()
                if 200 <= response.status < 300:
                    mine.append((time.perf_counter() - begin) * 1000)
                else:
                    failed[f"HTTP {response.status}"] += 1
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                failed[type(exc).__name__] += 1
                conn.close()
                conn = None
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(mine)
            errors.update(failed)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    event: dict[str, Any] = {}
    if at_half is not None:
        time.sleep(duration / 2)
        event = at_half()
    for thread in threads:
        thread.join(duration + 120)
    elapsed = time.monotonic() - started
    return {
        "requests": len(latencies) + sum(errors.values()),
        "rps": len(latencies) / elapsed,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        **event,
    }


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
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per scenario (default 15)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="mt-audit serve --workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="mt-audit serve --threads (default 4)")
    parser.add_argument("--no-kill", action="store_true", help="skip the scenario with a worker killed mid-load")
    parser.add_argument(
        "--grammar",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the Harper grammar checker (default on, as served)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    if not 1 <= args.connections <= 256 or not 0 < args.duration <= 600:
        parser.error("--connections 1..256, --duration (0, 600]")

    seed = SEED.read_text(encoding="utf-8")
    paragraph = seed.splitlines()[6]
    one = json.dumps({"text": paragraph})
    scenarios: list[tuple[str, str, str, str | None, bool]] = [
        ("GET /v1/health (baseline)", "GET", "/v1/health", None, False),
        (f"POST /v1/audit, one paragraph ({len(paragraph)} chars)", "POST", "/v1/audit", one, False),
        (f"POST /v1/audit, whole seed ({len(seed)} chars)", "POST", "/v1/audit", json.dumps({"text": seed}), False),
    ]
    if not args.no_kill:
        scenarios.append(("POST /v1/audit, one paragraph, a worker SIGKILLed halfway", "POST", "/v1/audit", one,
                          True))

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
        command = [*mt_audit(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
                   "--threads", str(args.threads), "--log-level", "warning"]
        print("$ " + " ".join(command[len(mt_audit()) - 1:]), file=sys.stderr)
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        rows = []
        try:
            wait_ready(base, server)
            for name, method, path, body, kill in scenarios:
                if body is not None:  # warm every worker thread's Harper linter before measuring
                    for _ in range(args.workers * args.threads * 2):
                        assert post(base + path, body, key) == 200
                at_half = None
                if kill:
                    before = workers_of(server.pid)

                    def at_half(before: list[int] = before) -> dict[str, Any]:
                        victim = before[0]
                        os.kill(victim, signal.SIGKILL)
                        killed_at = time.monotonic()
                        deadline = killed_at + 60
                        while time.monotonic() < deadline:  # gunicorn's master starts a new worker
                            now = workers_of(server.pid)
                            if len(now) == len(before) and victim not in now:
                                return {"killed": victim, "replaced_after_s": round(time.monotonic() - killed_at, 2)}
                            time.sleep(0.05)
                        return {"killed": victim, "replaced_after_s": None}

                print(f"{name}: {args.connections} connections, {args.duration:g} s", file=sys.stderr)
                figures = load(port, method, path, body, key, args.connections, args.duration, at_half)
                if kill:  # the server still answers after the run, on every worker
                    figures["health_after"] = all(post(base + "/v1/audit", one, key) == 200 for _ in range(8))
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
        f"{args.connections} keep-alive connections, {args.duration:g} s per scenario, {os.cpu_count()} CPUs "
        "shared by server and client\n"
    )
    print("| scenario | req/s | p50 ms | p95 ms | p99 ms | requests | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(row["error_kinds"].items()))
        print(
            f"| {row['scenario']} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p95']:.1f} | {row['p99']:.1f} | "
            f"{row['requests']} | {row['errors']}{f' ({kinds})' if kinds else ''} |"
        )
    for row in rows:
        if "killed" in row:
            print(f"\nworker {row['killed']} SIGKILLed at {args.duration / 2:g} s: replaced after "
                  f"{row['replaced_after_s']} s; every audit answered 200 afterwards: {row['health_after']}")
    if args.json:
        args.json.write_text(json.dumps({"grammar": args.grammar, "workers": args.workers, "threads": args.threads,
                                         "connections": args.connections, "duration": args.duration, "rows": rows},
                                        indent=1))
    killed_ok = all(row.get("health_after", True) and row.get("replaced_after_s", 0) is not None for row in rows)
    unexpected = any(row["errors"] for row in rows if "killed" not in row)
    return 1 if unexpected or not killed_ok else 0


if __name__ == "__main__":
    sys.exit(main())
