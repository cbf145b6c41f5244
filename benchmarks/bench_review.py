#!/usr/bin/env python3
"""Server-side time of one review decision on a large stored document.

Stores one document of ``--sentences`` sentences (the seed's sentences repeated, audited once with
grammar off) in a throw-away SQLite database, logs an editor in through Flask's test client and
times ``--decisions`` decisions (accept / edit / reject in turn, on flagged sentences first) from
request to answer, totals included. Prints p50, p95 and max in milliseconds.

    python benchmarks/bench_review.py --sentences 2000 --decisions 200
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = ROOT / "seeds" / "lavrov-kommersant.en.txt"
PASSWORD = "benchmark password"


def build_text(auditor: object, sentences: int) -> str:
    """Paragraphs of the seed's lines, repeated until the audit has ``sentences`` sentences or more."""
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: list[str] = []
    count = 0
    while count < sentences:
        line = lines[len(out) % len(lines)]
        out.append(line)
        count += len(auditor.segments_of(line))  # type: ignore[attr-defined]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--decisions", type=int, default=200)
    args = parser.parse_args()

    from api import create_app
    from api.storage.reviews import create_user, load_document, store_audit
    from audit.config import AuditConfig
    from audit.pipeline import Auditor

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "GRAMMAR": False, "SECRET_KEY": "bench",
                          "WARM_ON_START": False, "RATE_LIMIT_ENABLED": False, "TESTING": True})
        db = app.extensions["mt_audit"].db
        auditor = Auditor(AuditConfig(grammar=False))
        text = build_text(auditor, args.sentences)
        started = time.perf_counter()
        result = auditor.audit(text)
        doc_id = store_audit(db, text=text, segments=result.segments, summary=result.summary.to_dict(),
                             tgt_lang="en", name="bench.txt")
        print(f"stored {len(result.segments)} sentences in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        create_user(db, "bench", PASSWORD, "editor")
        with db.session() as session:
            segments = sorted(load_document(session, doc_id).segments, key=lambda s: (not s.flags, s.position))
        client = app.test_client()
        page = client.get("/review/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/review/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
        queue_page = client.get("/review/").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', queue_page).group(1)
        timings = []
        kinds = ("accept", "edit", "reject")
        for index, segment in enumerate(segments[: args.decisions]):
            body = {"decision": kinds[index % 3], "version": segment.version}
            if body["decision"] == "edit":
                body["text"] = segment.mt_text.replace(" the ", " a ", 1) + " (edited)"
            began = time.perf_counter()
            response = client.post(f"/review/documents/{doc_id}/segments/{segment.id}", json=body,
                                   headers={"X-CSRFToken": token})
            timings.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"decision failed: {response.status_code} {response.get_data(as_text=True)[:300]}")
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(0.95 * len(timings)))]
        print(f"sentences {len(result.segments)}, flagged {sum(1 for s in segments if s.flags)}, "
              f"decisions {len(timings)}: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
              f"max {timings[-1]:.1f} ms")


if __name__ == "__main__":
    main()
