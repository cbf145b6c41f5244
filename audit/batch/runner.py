"""Orchestration: documents -> process pool or Dask cluster -> one checkpoint per document -> merge.

Each finished document (or chunk of a long one) is written atomically to ``OUT/parts/<key>.jsonl``
(temporary file + ``os.replace``); a document whose part exists is not redone, so a killed run
resumes where it stopped. At the end the parts are merged deterministically (by document id, then
segment order) into ``segments.jsonl``, ``segments.parquet``, ``documents.csv``, ``summary.json``
and ``report.html``, each written to a temporary file and renamed.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import AuditConfig
from ..errors import ConfigError
from ..records import PENALTY_DIGITS
from .archive import Limits, count_members, iter_members
from .progress import Progress
from .readers import BatchDocument, ReaderOptions, ReadStats, Skipped, iter_documents
from .worker import BatchDocumentResult, BatchTotals, config_to_dict, process_document

MANIFEST = "manifest.json"
#: The layout of the checkpoints (``parts``): a run of another layout is not resumed.
PARTS_FORMAT = 2
PARQUET_ROW_GROUP = 2_000  # rows buffered before a row group is written (bounds memory)
WORST_SENTENCES = 50
WORST_DOCUMENTS = 20


@dataclass
class BatchOptions:
    archive: str
    out: str
    config: AuditConfig
    reader: ReaderOptions = field(default_factory=ReaderOptions)
    limits: Limits = field(default_factory=Limits)
    workers: int = 0  # 0: the local cores
    scheduler: str | None = None  # tcp://HOST:8786 -> Dask distributed
    in_flight: int = 0  # 0: 2 per worker
    progress: bool = True
    source_checks: bool = True
    report: bool = True
    #: Write each XLIFF/PO/TMX member back with its flags (OUT/annotated) and its QA report (OUT/qa).
    annotate: bool = True
    #: Asked before each document is handed out; True stops the run (:class:`BatchCancelled`).
    should_stop: Callable[[], bool] | None = None
    #: Told the number of documents done so far (resumed or audited) after each one (a job's progress).
    on_progress: Callable[[int], None] | None = None


class BatchCancelled(Exception):
    """The run was stopped by ``BatchOptions.should_stop`` (a deleted job); its checkpoints stay."""


@dataclass
class BatchOutcome:
    out: Path
    summary: dict[str, Any]
    processed: int  # documents audited in this run
    resumed: int  # documents found finished from an earlier run
    written_back: Any = None  # audit.formats.batch.WrittenBack: the annotated translator's files


def _atomic_write_bytes(path: Path, data: bytes, sync: bool = True) -> None:
    """Write to a temporary file, then rename: readers see the old file or the whole new one.

    ``sync=False`` (checkpoints) skips the fsync: a killed process cannot leave a torn file
    either way; only a power cut could lose the last checkpoints, which are then redone."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(tmp, path)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_part(parts: Path, result: BatchDocumentResult) -> None:
    header = {"doc_id": result.doc_id, "chunk": result.chunk, "key": result.key, "member": result.member,
              "stats": result.stats.to_dict()}
    lines = [_dumps(header), *(_dumps(r) for r in result.records)]
    _atomic_write_bytes(parts / f"{result.key}.jsonl", ("\n".join(lines) + "\n").encode("utf-8"), sync=False)


def read_part_header(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return json.loads(handle.readline())


def iter_part_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        handle.readline()
        for line in handle:
            yield json.loads(line)


def _manifest(options: BatchOptions, config_dict: dict[str, Any]) -> dict[str, Any]:
    reader = {k: getattr(options.reader, k) for k in ("source_col", "mt_col", "ref_col", "doc_col", "id_col",
                                                         "chunk", "fmt")}
    return {"archive": Path(options.archive).name, "config": config_dict, "reader": reader,
            "source_checks": options.source_checks, "parts_format": PARTS_FORMAT}


def _check_manifest(out: Path, manifest: dict[str, Any]) -> None:
    path = out / MANIFEST
    data = json.dumps(manifest, sort_keys=True, default=list, indent=1).encode()
    if path.exists():
        old = json.loads(path.read_bytes())
        if json.loads(data) != old:
            raise ConfigError(f"{out} holds a run with other settings or another archive; use another --out "
                              "or remove it", file=str(path))
        return
    _atomic_write_bytes(path, data)


def run_batch(options: BatchOptions, log: Callable[[str], None] | None = None) -> BatchOutcome:
    out = Path(options.out)
    parts = out / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    config_dict = config_to_dict(options.config)
    config_dict_worker = dict(config_dict)
    manifest = _manifest(options, config_dict)
    _check_manifest(out, manifest)
    worker_args = {"config": config_dict_worker, "source_checks": options.source_checks}

    stats = ReadStats()
    try:
        total_files = count_members(options.archive)
    except Exception:  # noqa: BLE001 - only for the progress bar's total
        total_files = None
    progress = Progress(total_files, enabled=options.progress)
    done_keys: list[str] = []
    seen: set[str] = set()
    failed: list[Skipped] = []
    counts = {"processed": 0, "resumed": 0}

    def todo() -> Iterator[BatchDocument]:
        members = iter_members(options.archive, options.limits)
        skipped_before = 0
        for doc in iter_documents(members, options.reader, stats):
            if options.should_stop is not None and options.should_stop():
                raise BatchCancelled(options.out)
            while skipped_before < len(stats.skipped):
                skipped_before += 1
                progress.file_skipped()
                progress.message(f"skipped: {stats.skipped[skipped_before - 1].message}")
            if doc.key in seen:  # the same document id and chunk twice (should not happen): keep the first
                continue
            seen.add(doc.key)
            done_keys.append(doc.key)
            if (parts / f"{doc.key}.jsonl").exists():
                counts["resumed"] += 1
                progress.document(len(doc.segments), doc.last, resumed=True)
                if options.on_progress is not None:
                    options.on_progress(counts["processed"] + counts["resumed"])
                continue
            yield doc
        while skipped_before < len(stats.skipped):
            skipped_before += 1
            progress.file_skipped()
            progress.message(f"skipped: {stats.skipped[skipped_before - 1].message}")

    def finished(doc: BatchDocument, result: BatchDocumentResult | None, error: BaseException | None) -> None:
        if error is not None or result is None:
            failed.append(Skipped(doc.doc_id, None, f"document failed: {error!r}"))
            done_keys.remove(doc.key)
            progress.message(f"failed: {doc.doc_id}: {error!r}")
            return
        write_part(parts, result)
        counts["processed"] += 1
        progress.document(len(doc.segments), doc.last)
        if options.on_progress is not None:
            options.on_progress(counts["processed"] + counts["resumed"])

    try:
        if options.scheduler:
            _run_dask(options, todo(), worker_args, finished)
        else:
            _run_pool(options, todo(), worker_args, finished)
    finally:
        progress.close()
    summary = merge(out, done_keys, stats, failed, options)
    outcome = BatchOutcome(out, summary, counts["processed"], counts["resumed"])
    if options.annotate:
        outcome.written_back = _write_back(out, done_keys, options)
    return outcome


def _write_back(out: Path, keys: list[str], options: BatchOptions) -> Any:
    """The translator's files with their flags (:mod:`audit.formats.batch`)."""
    from ..formats.batch import records_by_member, write_back

    records = records_by_member(out / "parts", keys, options.reader.fmt, read_part_header, iter_part_records)
    if not records:
        return None
    return write_back(out, iter_members(options.archive, options.limits), records, options.reader.fmt)


def _task(doc: BatchDocument, worker_args: dict[str, Any]) -> BatchDocumentResult:
    return process_document(doc, worker_args["config"], worker_args["source_checks"])


def _workers(options: BatchOptions) -> int:
    return options.workers or max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                  else (os.cpu_count() or 1))


def _run_pool(options: BatchOptions, docs: Iterator[BatchDocument], worker_args: dict[str, Any],
              finished: Callable[[BatchDocument, BatchDocumentResult | None, BaseException | None], None]) -> None:
    import multiprocessing

    workers = _workers(options)
    limit = options.in_flight or 2 * workers
    pending: dict[Future[BatchDocumentResult], BatchDocument] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            for doc in docs:
                pending[pool.submit(_task, doc, worker_args)] = doc
                while len(pending) >= limit:
                    _drain(pending, finished, FIRST_COMPLETED)
        except BatchCancelled:
            pool.shutdown(wait=True, cancel_futures=True)  # documents not started are dropped
            raise
        while pending:
            _drain(pending, finished, FIRST_COMPLETED)


def _drain(pending: dict[Future[BatchDocumentResult], BatchDocument], finished: Callable[..., None],
           mode: str) -> None:
    done, _ = wait(list(pending), return_when=mode)
    for future in done:
        doc = pending.pop(future)
        error = future.exception()
        finished(doc, None if error is not None else future.result(), error)


def _run_dask(options: BatchOptions, docs: Iterator[BatchDocument], worker_args: dict[str, Any],
              finished: Callable[[BatchDocument, BatchDocumentResult | None, BaseException | None], None]) -> None:
    from distributed import Client, as_completed

    with Client(options.scheduler, set_as_default=False) as client:
        workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or 1
        limit = options.in_flight or 2 * workers
        queue = as_completed(loop=client.loop, with_results=False)
        owner: dict[str, BatchDocument] = {}

        def submit(doc: BatchDocument) -> None:
            future = client.submit(_task, doc, worker_args, pure=False, key=f"mt-audit-doc-{doc.key}")
            owner[future.key] = doc
            queue.add(future)

        for doc in itertools.islice(docs, limit):
            submit(doc)
        for future in queue:
            doc = owner.pop(future.key)
            try:
                result = future.result()
                error = None
            except Exception as exc:  # noqa: BLE001 - one failed document does not stop the run
                result, error = None, exc
            future.release()
            finished(doc, result, error)
            nxt = next(docs, None)
            if nxt is not None:
                submit(nxt)


# --- merge ------------------------------------------------------------------------------------
PARQUET_COLUMNS = [
    ("doc_id", "string"), ("seg_id", "string"), ("index", "int64"), ("source", "string"), ("mt", "string"),
    ("reference", "string"), ("proposal", "string"), ("n_flags", "int32"), ("flags", "string"),
    ("categories", "list"), ("words", "int32"), ("penalty_points", "float64"), ("mqm_penalty", "float64"),
    ("edit_char_distance", "int64"), ("edit_char_ratio", "float64"), ("edit_ter", "float64"),
    ("ref_bleu", "float64"), ("ref_chrf", "float64"), ("ref_ter", "float64"),
]


def _parquet_schema() -> Any:
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "int32": pa.int32(), "float64": pa.float64(),
             "list": pa.list_(pa.string())}
    return pa.schema([(name, types[kind]) for name, kind in PARQUET_COLUMNS])


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    ref = record.get("reference_scores") or {}
    proposal = record.get("proposal")
    return {
        "doc_id": record["doc_id"], "seg_id": record["seg_id"], "index": record["index"],
        "source": record["source"], "mt": record["mt"], "reference": record["reference"],
        "proposal": proposal["text"] if proposal else None,
        "n_flags": len(record["flags"]), "flags": _dumps(record["flags"]),
        "categories": sorted({f["category"] for f in record["flags"]}),
        "words": record["words"], "penalty_points": float(record["penalty_points"]),
        "mqm_penalty": float(record["mqm_penalty"]),
        "edit_char_distance": record["edit"]["char_distance"], "edit_char_ratio": float(record["edit"]["char_ratio"]),
        "edit_ter": float(record["edit"]["ter"]),
        "ref_bleu": ref.get("bleu"), "ref_chrf": ref.get("chrf"), "ref_ter": ref.get("ter"),
    }


class _ParquetSink:
    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.path = path
        self.tmp = path.with_name(f".{path.name}.tmp")
        self.schema = _parquet_schema()
        self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
        self.rows: list[dict[str, Any]] = []

    def add(self, record: dict[str, Any]) -> None:
        self.rows.append(_flat(record))
        if len(self.rows) >= PARQUET_ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()
        os.replace(self.tmp, self.path)


class _TextSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.tmp")
        self.handle = self.tmp.open("w", encoding="utf-8", newline="")

    def close(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.tmp, self.path)


def corpus_scores(ref_stats: dict[str, list[float]], tgt_lang: str) -> dict[str, Any] | None:
    """Corpus BLEU/chrF/TER from summed sacrebleu sufficient statistics, with signatures."""
    if not ref_stats:
        return None
    from sacrebleu.metrics import BLEU, CHRF, TER

    from ..pipeline import _available_tokenizer
    from ..scoring import ASIAN_TOKENIZERS, tokenizer_for

    tokenize = _available_tokenizer(tokenizer_for(tgt_lang))
    metrics = {"bleu": BLEU(tokenize=tokenize), "chrf": CHRF(),
               "ter": TER(asian_support=tokenize in ASIAN_TOKENIZERS)}
    out: dict[str, Any] = {}
    signatures = {}
    for name, metric in metrics.items():
        metric._extract_corpus_statistics(["x"], [["x"]])  # sets the reference count of the signature
        vector = ref_stats[name]
        stats = [round(v) for v in vector] if name in ("bleu", "chrf") else vector
        out[name] = round(metric._compute_score_from_stats(stats).score, 4)
        signatures[name] = str(metric.get_signature())
    out["signatures"] = signatures
    return out


def _doc_row(doc_id: str, stats: BatchTotals, tgt_lang: str) -> dict[str, Any]:
    ref = corpus_scores(stats.ref_stats, tgt_lang) if stats.ref_segments else None
    totals = stats.totals
    return {
        "doc_id": doc_id,
        "segments": totals.segments,
        "flagged": totals.flagged,
        "words": totals.words,
        "flags": stats.flags,
        "flags_by_category": ";".join(f"{k}={v}" for k, v in sorted(totals.flags_by_category.items())),
        "penalty_points": round(totals.penalty_points, PENALTY_DIGITS),
        "mqm_penalty": totals.mqm_penalty,
        "mean_edit_ratio": stats.mean_edit_ratio,
        "proposals": stats.proposals,
        "ref_segments": stats.ref_segments,
        "bleu": ref["bleu"] if ref else "",
        "chrf": ref["chrf"] if ref else "",
        "ter": ref["ter"] if ref else "",
    }


DOC_COLUMNS = ["doc_id", "segments", "flagged", "words", "flags", "flags_by_category", "penalty_points",
               "mqm_penalty", "mean_edit_ratio", "proposals", "ref_segments", "bleu", "chrf", "ter"]


def merge(out: Path, keys: Iterable[str], stats_in: ReadStats, failed: list[Skipped],
          options: BatchOptions) -> dict[str, Any]:
    parts = out / "parts"
    headers = []
    for key in set(keys):
        path = parts / f"{key}.jsonl"
        if path.exists():
            header = read_part_header(path)
            headers.append((header["doc_id"], header["chunk"], key))  # stats are read again below
    headers.sort(key=lambda h: (h[0], h[1]))
    tgt = options.config.tgt_lang

    jsonl = _TextSink(out / "segments.jsonl")
    docs_csv = _TextSink(out / "documents.csv")
    writer = csv.DictWriter(docs_csv.handle, fieldnames=DOC_COLUMNS, lineterminator="\n")
    writer.writeheader()
    parquet = _ParquetSink(out / "segments.parquet")
    total = BatchTotals()
    worst_sentences: list[tuple[Any, ...]] = []
    worst_docs: list[tuple[Any, ...]] = []
    counter = itertools.count()
    documents = 0

    def close_doc(doc_id: str, stats: BatchTotals) -> None:
        nonlocal documents
        documents += 1
        row = _doc_row(doc_id, stats, tgt)
        writer.writerow(row)
        item = (row["mqm_penalty"], row["penalty_points"], -next(counter), row)
        if len(worst_docs) < WORST_DOCUMENTS:
            heapq.heappush(worst_docs, item)
        else:
            heapq.heappushpop(worst_docs, item)

    current_id: str | None = None
    current: BatchTotals | None = None
    for doc_id, _chunk, key in headers:
        stats = BatchTotals.from_dict(read_part_header(parts / f"{key}.jsonl")["stats"])
        if doc_id != current_id:
            if current is not None and current_id is not None:
                close_doc(current_id, current)
            current_id, current = doc_id, BatchTotals()
        assert current is not None
        current += stats
        total += stats
        for record in iter_part_records(parts / f"{key}.jsonl"):
            jsonl.handle.write(_dumps(record) + "\n")
            parquet.add(record)
            if record["penalty_points"] > 0:
                item = (record["penalty_points"], record["mqm_penalty"], -next(counter),
                        {k: record[k] for k in ("doc_id", "seg_id", "index", "mt", "words", "penalty_points",
                                                "mqm_penalty")}
                        | {"proposal": (record["proposal"] or {}).get("text"),
                           "rules": sorted({f["rule"] for f in record["flags"]})})
                if len(worst_sentences) < WORST_SENTENCES:
                    heapq.heappush(worst_sentences, item)
                else:
                    heapq.heappushpop(worst_sentences, item)
    if current is not None and current_id is not None:
        close_doc(current_id, current)
    jsonl.close()
    parquet.close()
    docs_csv.close()

    from ..pipeline import Auditor

    signatures = Auditor(options.config).signatures()
    skipped = [s.to_dict() for s in stats_in.skipped]
    totals = total.totals
    summary: dict[str, Any] = {
        "archive": Path(options.archive).name,
        "files": stats_in.files,
        "files_skipped": len(skipped),
        "skipped": skipped,
        "ignored": sorted(stats_in.ignored),
        "documents": documents,
        "documents_failed": [f.to_dict() for f in failed],
        "segments": totals.segments,
        "flagged": totals.flagged,
        "words": totals.words,
        "flags": total.flags,
        "flags_by_category": dict(sorted(totals.flags_by_category.items())),
        "flags_by_severity": dict(sorted(totals.flags_by_severity.items())),
        "flags_by_rule": dict(sorted(totals.flags_by_rule.items())),
        "penalty_points": round(totals.penalty_points, PENALTY_DIGITS),
        "mqm_penalty": totals.mqm_penalty,
        "mean_edit_ratio": total.mean_edit_ratio,
        "proposals": total.proposals,
        "edit": {"char_distance": totals.char_distance, "char_ratio": total.char_ratio},
        "reference_segments": total.ref_segments,
        "reference_scores": corpus_scores(total.ref_stats, tgt) if total.ref_segments else None,
        "histograms": {"edit_ratio": total.ratio_hist, "mqm_penalty": total.penalty_hist},
        "signatures": signatures,
    }
    _atomic_write_bytes(out / "summary.json",
                        (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    if options.report:
        from .report import render_report

        worst_s = [item[3] for item in sorted(worst_sentences, reverse=True)]
        worst_d = [item[3] for item in sorted(worst_docs, reverse=True)]
        html = render_report(summary, worst_d, worst_s)
        _atomic_write_bytes(out / "report.html", html.encode("utf-8"))
    return summary


__all__ = ["BatchCancelled", "BatchOptions", "BatchOutcome", "merge", "run_batch"]
