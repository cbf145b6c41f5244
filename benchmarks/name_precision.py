"""Precision of the name check (``source.name``) on the development MQM data (zh→en): where its
flags land, beside the rates a flag placed at random would have.

Run from the repository root:  python benchmarks/name_precision.py [--data FILE] [--limit N]

Each row's source and MT are checked with only the name check on (it is off in the shipped
calibration), sentences aligned by length (no model). A flag with a target span (a misspelt
rendering: "Mokina" for 莫京娜) lands on a gold span when it overlaps one; a flag without one (the
name is absent: an empty span) can only be judged at segment level: does its segment carry an
error, a major error? The random rates are the shares of all rows that do.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.evaluation.data import read_annotations  # noqa: E402
from audit.source.checks import SourceChecker, Thresholds  # noqa: E402
from audit.source.embed import LengthOnly  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "benchmarks" / "mqm-newstest2021-zhen.jsonl"))
    parser.add_argument("--src-lang", default="zh")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--show", action="store_true", help="print every flag")
    args = parser.parse_args()
    segments = [s for s in read_annotations(args.data)[:args.limit] if s.source]
    checker = SourceChecker((), args.src_lang, "en", embedder=LengthOnly(), thresholds=Thresholds(),
                            checks=frozenset({"names"}))
    flags = on_error = on_major = spanned = on_gold = 0
    names: Counter[str] = Counter()
    for seg in segments:
        major = any(g.severity == "major" for g in seg.spans)
        for flag in checker.check(seg.source, seg.target):
            flags += 1
            on_error += seg.has_error
            on_major += major
            names[seg.source[flag.source_start:flag.source_end]] += 1
            if flag.start < flag.end:
                spanned += 1
                on_gold += any(g.start < flag.end and flag.start < g.end for g in seg.spans)
            if args.show:
                print(f"{'E' if seg.has_error else '-'} {seg.source[flag.source_start:flag.source_end]} "
                      f"{flag.suggestion!r} {seg.target[flag.start:flag.end]!r} | {seg.target[:120]}")
    rows = len(segments)
    error_rate = sum(s.has_error for s in segments) / rows
    major_rate = sum(any(g.severity == "major" for g in s.spans) for s in segments) / rows
    gold_chars = sum(g.end - g.start for s in segments for g in s.spans)
    span_rate = gold_chars / max(1, sum(len(s.target) for s in segments))

    def share(part: int, whole: int) -> str:
        return f"{part} ({part / whole:.0%})" if whole else "0"

    print(f"{rows} rows, {len({s.doc for s in segments})} documents; {flags} name flags on "
          f"{len(names)} distinct source names")
    print("| | flags | share | random |")
    print("|---|---:|---:|---:|")
    print(f"| on a segment with an error | {on_error} | {share(on_error, flags)} | {error_rate:.1%} |")
    print(f"| on a segment with a major error | {on_major} | {share(on_major, flags)} | {major_rate:.1%} |")
    clean = flags - on_error
    print(f"| on an error-free segment | {clean} | {share(clean, flags)} | {1 - error_rate:.1%} |")
    print(f"| with a target span, on a gold span | {on_gold} of {spanned} | {share(on_gold, spanned)} | "
          f"{span_rate:.1%} (gold share of target characters) |")


if __name__ == "__main__":
    main()
