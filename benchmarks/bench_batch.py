"""Batch throughput and memory: segments/s and peak RSS for synthetic archives made from the dev
MQM data (real system outputs of newstest2021 zh-en; the reference of a segment is another
system's translation of the same source segment), on the local process pool and on a Dask
LocalCluster.

    python benchmarks/bench_batch.py                       # 10,000 and 100,000 segments, lexical flagger
    python benchmarks/bench_batch.py --sizes 10000 --grammar   # with the Harper grammar checker
    python benchmarks/bench_batch.py --sizes 1000 --models      # with the source-aware checks (embedding model)

    python benchmarks/bench_batch.py --sizes 100000 --modes local              # 100,000 with references
    python benchmarks/bench_batch.py --sizes 1000000 --no-references --modes local --tmp /big/disk

Peak memory is sampled (every 0.2 s) over the whole process tree (the command and its workers)
and for the coordinating process alone; "flat" means the peaks at 100,000 segments stay within 10%
of those at 10,000. The archive is written one document at a time (never held in memory); it and
the run's output go under ``--tmp`` (default: the system's temporary folder) and are removed after
each run. Disk needed per million segments, measured at 20,000 without references: archive ~50 MiB,
outputs (checkpoints + segments.jsonl + Parquet + CSV) ~1.3 GiB; references roughly double both.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.batch.runner import BatchOptions, run_batch  # noqa: E402
from audit.cli import build_config  # noqa: E402
from audit.config import DEFAULT_BATCH_GRAMMAR_RULES, GRAMMAR_RULE_SETS  # noqa: E402

MQM = ROOT.parent / "shared" / "benchmarks" / "mqm-newstest2021-zhen.jsonl"
DOC_SEGMENTS = 100  # segments per synthetic document


def build_archive(path: Path, size: int, references: bool = True, unique: bool = False) -> Path:
    """A .tar.gz of JSONL documents (one per file, DOC_SEGMENTS segments) drawn from the MQM rows in order,
    written one document at a time (memory does not grow with ``size``)."""
    if not MQM.is_file():
        raise SystemExit(f"bench_batch: the dev MQM data is missing: {MQM}")
    rows = [json.loads(line) for line in MQM.open(encoding="utf-8")]
    by_source: dict[tuple[str, int], list[str]] = defaultdict(list)
    for row in rows:
        by_source[(row["doc"], row["seg_id"])].append(row["target"])
    with tarfile.open(path, "w:gz", compresslevel=1) as tf:
        written = 0
        doc = 0
        while written < size:
            lines = []
            for k in range(min(DOC_SEGMENTS, size - written)):
                row = rows[(written + k) % len(rows)]
                others = [t for t in by_source[(row["doc"], row["seg_id"])] if t != row["target"]]
                ref = others[(written + k) % len(others)] if references and others else None
                mt = row["target"]
                if unique:  # defeats caches (Harper keeps lints of text it has seen): like an archive of new text
                    mt = f"{mt} Item {written + k}."
                lines.append(json.dumps({"id": f"{row['system']}/{row['doc']}/{row['seg_id']}/{written + k}",
                                         "source": row["source"], "mt": mt, "reference": ref},
                                        ensure_ascii=False))
            data = ("\n".join(lines) + "\n").encode("utf-8")
            info = tarfile.TarInfo(f"part{doc:05d}.jsonl")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
            written += len(lines)
            doc += 1
    return path


class PeakRSS:
    """Samples the RSS of this process and of all its descendants."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.tree = 0
        self.main = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                main = me.memory_info().rss
                total = main
                for child in me.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += child.memory_info().rss
                self.main = max(self.main, main)
                self.tree = max(self.tree, total)
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its reaped children (the pool's workers)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_one(archive: Path, size: int, mode: str, workers: int, grammar: bool, models: bool,
            tmp: str | None = None, unique: bool = False,
            grammar_rules: str = DEFAULT_BATCH_GRAMMAR_RULES) -> dict[str, object]:
    out = Path(tempfile.mkdtemp(prefix="bench-batch-out-", dir=tmp))
    out_bytes = 0
    cpu_before = _cpu_seconds()
    config = build_config("zh", "en", (), False, (), False, not grammar, (), None, 0, grammar_rules=grammar_rules)
    cluster = None
    scheduler = None
    try:
        with PeakRSS() as peak:
            if mode == "dask":
                from distributed import LocalCluster

                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=40)
                scheduler = cluster.scheduler_address
            start = time.perf_counter()
            outcome = run_batch(BatchOptions(archive=str(archive), out=str(out), config=config, workers=workers,
                                             scheduler=scheduler, progress=False, source_checks=models))
            elapsed = time.perf_counter() - start
            if cluster is not None:
                cluster.close()
                cluster = None
        cpu = _cpu_seconds() - cpu_before  # the workers have exited: their time is in RUSAGE_CHILDREN
        out_bytes = _du(out)
    finally:
        if cluster is not None:
            cluster.close()
        shutil.rmtree(out, ignore_errors=True)
    segments = outcome.summary["segments"]
    if segments != size:
        raise SystemExit(f"bench_batch: {segments} segments audited, {size} expected "
                         f"(failed documents: {outcome.summary['documents_failed'][:3]})")
    return {"size": size, "mode": mode, "workers": workers,
            "grammar": f"harper:{grammar_rules}" if grammar else False, "models": models,
            "seconds": round(elapsed, 1), "seg_per_s": round(segments / elapsed, 1),
            # CPU seconds per 1,000 segments (command + workers): less sensitive to other load than seg/s.
            "cpu_s_per_1k": round(1000 * cpu / segments, 2),
            "peak_tree_mib": round(peak.tree / 2**20), "peak_main_mib": round(peak.main / 2**20),
            "unique": unique, "archive_mib": round(archive.stat().st_size / 2**20, 1),
            "out_mib": round(out_bytes / 2**20),
            "load_avg_1m": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--modes", default="local,dask")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--grammar", action="store_true", help="Run the Harper grammar checker (default: off).")
    parser.add_argument("--grammar-rules", choices=GRAMMAR_RULE_SETS, default=DEFAULT_BATCH_GRAMMAR_RULES,
                        help="Harper lints with --grammar (default: batch's, %(default)s).")
    parser.add_argument("--models", action="store_true",
                        help="Source-aware checks on (segments have their source; an embedding model aligns "
                             "multi-sentence segments).")
    parser.add_argument("--no-references", action="store_true")
    parser.add_argument("--json", help="Also write the results here.")
    parser.add_argument("--unique", action="store_true",
                        help="Make every MT unique (a numbered sentence is appended): the archive cycles through "
                             "9,614 MQM rows, and repeated text is linted faster from Harper's caches.")
    parser.add_argument("--tmp", help="Folder for the archives and outputs (default: the system's temporary one).")
    args = parser.parse_args()
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        parser.error(f"--sizes: comma-separated integers expected, got {args.sizes!r}")
    modes = args.modes.split(",")
    if any(size < 1 for size in sizes) or not set(modes) <= {"local", "dask"}:
        parser.error("--sizes must be positive and --modes local and/or dask")
    if args.tmp and not Path(args.tmp).is_dir():
        parser.error(f"--tmp: not a directory: {args.tmp}")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-", dir=args.tmp) as tmp:
        for size in sizes:
            started = time.perf_counter()
            archive = build_archive(Path(tmp) / f"archive-{size}.tar.gz", size, not args.no_references, args.unique)
            print(f"built {archive.name}: {archive.stat().st_size / 2**20:.1f} MiB in "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
            for mode in modes:
                result = run_one(archive, size, mode, args.workers, args.grammar, args.models, args.tmp, args.unique,
                                 args.grammar_rules)
                results.append(result)
                print(json.dumps(result), file=sys.stderr, flush=True)
            archive.unlink()
    print(f"{'segments':>9} {'mode':>6} {'workers':>7} {'grammar':>16} {'models':>6} {'seconds':>8} {'seg/s':>8} "
          f"{'peak tree MiB':>13} {'peak main MiB':>13} {'out MiB':>8} {'CPU s/1k':>8} {'load':>5}")
    for r in results:
        print(f"{r['size']:>9} {r['mode']:>6} {r['workers']:>7} {r['grammar']!s:>16} {r['models']!s:>6} "
              f"{r['seconds']:>8} {r['seg_per_s']:>8} {r['peak_tree_mib']:>13} {r['peak_main_mib']:>13} "
              f"{r['out_mib']:>8} {r['cpu_s_per_1k']:>8} {r['load_avg_1m']:>5}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
