"""Throughput of the learned detector (audit/qe) beside Harper's, measured in the same run.

Pairs from the zh->en MQM file (or the seed text, target-only, when it is absent) go through the
detector with torch in fp32 and with dynamic int8 quantisation of the linear layers (the default),
with the source and target-only; Harper lints the same MT sentences. Each variant is timed twice,
interleaved, and the best run kept; CPU seconds are reported beside wall time (a shared machine).

    .venv/bin/python benchmarks/bench_qe.py [--pairs 256] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load_pairs(limit: int) -> list[tuple[str | None, str]]:
    shared = ROOT.parent / "shared/benchmarks/mqm-newstest2021-zhen.jsonl"
    path = Path(os.environ.get("MT_AUDIT_MQM_DATA", shared))
    pairs: dict[str, str | None] = {}
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                pairs.setdefault(row["target"].strip(), row["source"].strip())
                if len(pairs) >= limit:
                    break
    else:
        from audit.segment import segment_text

        seed = (ROOT / "seeds/lavrov-kommersant.en.txt").read_text(encoding="utf-8")
        pairs = {s.text: None for s in segment_text(seed)}
    return [(s, t) for t, s in list(pairs.items())[:limit]]


def timed(func) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch

    from audit.grammar import GrammarChecker
    from audit.qe.detector import Detector

    torch.set_num_threads(args.threads)
    pairs = load_pairs(args.pairs)
    targets = [t for _, t in pairs]
    sources = [s for s, _ in pairs]
    detectors = {"fp32": Detector(quantise=False, threads=args.threads),
                 "int8": Detector(quantise=True, threads=args.threads)}
    for detector in detectors.values():
        detector.predict(targets[:8], sources[:8])  # load and warm outside the timing

    def harper() -> None:
        checker = GrammarChecker()  # Harper keeps results of texts it has seen: a fresh one per run
        checker.warm()
        start = time.perf_counter(), time.process_time()
        for target in targets:
            checker.check(target)
        best["Harper alone"] = min(best.get("Harper alone", (1e9, 1e9)),
                                   (time.perf_counter() - start[0], time.process_time() - start[1]))

    variants = {f"detector {q}, {mode}": (lambda d=d, m=mode: d.predict(targets, sources if m == "with source"
                                                                      else None))
                for q, d in detectors.items() for mode in ("with source", "target only")}
    best: dict[str, tuple[float, float]] = {}
    for _ in range(2):  # interleaved repeats; the best of each kept
        harper()
        for name, run in variants.items():
            best[name] = min(best.get(name, (1e9, 1e9)), timed(run))
    slowest = max(best.values())[0]
    print(f"{len(pairs)} sentence pairs, torch {torch.__version__}, {args.threads} threads")
    print(f"| {'variant':32} | pairs/s | CPU s | wall s | x slowest |")
    print("|" + "---|" * 5)
    for name, (wall, cpu) in sorted(best.items(), key=lambda kv: kv[1][0]):
        print(f"| {name:32} | {len(pairs) / wall:7.1f} | {cpu:5.1f} | {wall:6.1f} | {slowest / wall:9.1f} |")


if __name__ == "__main__":
    main()
