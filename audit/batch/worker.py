"""The unit of work: audit and score one document (picklable, runs in a pool or on a Dask worker).

Per segment: the flags and proposal of the JSON contract (offsets into the segment's MT), the
edit MT -> proposal (rapidfuzz character distance and ratio; sacrebleu TER only when there is a
proposal), and against a reference: sentence BLEU, chrF and TER from sacrebleu sufficient
statistics, which are also summed per document so corpus scores never need all the text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import Levenshtein

from ..config import AuditConfig, ModelsConfig
from ..errors import AuditError
from ..records import Document, Paragraph, SegmentResult, mqm_penalty, penalty_points
from .readers import BatchDocument, BatchSegment

#: Bins of the histograms kept for the report (edit ratio 0..1, penalty per 100 words).
RATIO_BINS = 20
PENALTY_BINS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1e12]


def config_to_dict(config: AuditConfig) -> dict[str, Any]:
    return asdict(config)


def config_from_dict(data: dict[str, Any]) -> AuditConfig:
    data = dict(data)
    for key in ("glossaries", "rules", "disabled_rules", "harper_disabled"):
        if data.get(key) is not None:
            data[key] = tuple(data[key])
    if data.get("models") is not None:
        data["models"] = ModelsConfig(**data["models"])
    return AuditConfig(**data)


def config_key(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, default=list)


class _Engine:
    """What one process builds once per configuration: the Auditor and the metric objects."""

    def __init__(self, config: AuditConfig) -> None:
        from sacrebleu.metrics import BLEU, CHRF, TER

        from ..pipeline import Auditor, _available_tokenizer
        from ..scoring import ASIAN_TOKENIZERS, tokenizer_for

        self.auditor = Auditor(config)
        self.auditor.warm()
        tokenize = _available_tokenizer(tokenizer_for(config.tgt_lang))
        asian = tokenize in ASIAN_TOKENIZERS
        self.corpus_bleu = BLEU(tokenize=tokenize)
        self.sentence_bleu = BLEU(tokenize=tokenize, effective_order=True)
        self.chrf = CHRF()
        self.ter = TER(asian_support=asian)
        # The proposer's TER (audit.scoring.EditScorer) may stand in for ours only with the same settings.
        self.same_ter = _ter_settings(self.ter) == _ter_settings(self.auditor.scorer.ter)
        self.weights = dict(config.weights)


def _ter_settings(ter: Any) -> tuple[Any, ...]:
    return tuple(getattr(ter, name, None) for name in ("case_sensitive", "no_punct", "normalized", "asian_support"))


@lru_cache(maxsize=4)
def _engine(key: str) -> _Engine:
    return _Engine(config_from_dict(json.loads(key)))


def engine_for(config_dict: dict[str, Any]) -> _Engine:
    return _engine(config_key(config_dict))


@dataclass
class DocumentResult:
    doc_id: str
    chunk: int
    key: str
    member: str
    records: list[dict[str, Any]]
    stats: dict[str, Any] = field(default_factory=dict)


def compose_proposal(mt: str, results: list[SegmentResult]) -> str | None:
    """The MT with each sentence's proposal substituted; None when nothing changes."""
    pieces: list[str] = []
    pos = 0
    changed = False
    for result in sorted(results, key=lambda r: r.segment.start):
        if result.proposal is None or result.proposal.text == result.segment.text:
            continue
        start, end = result.segment.start, result.segment.end
        if start < pos:
            continue
        pieces.append(mt[pos:start])
        pieces.append(result.proposal.text)
        pos = end
        changed = True
    if not changed:
        return None
    pieces.append(mt[pos:])
    return "".join(pieces)


def _ter(engine: _Engine, mt: str, proposal: str, results: list[SegmentResult]) -> float:
    """TER MT -> proposal. When the segment is one sentence spanning the whole MT, the proposer has
    already scored exactly this pair with the same TER settings (:class:`audit.scoring.EditScorer`):
    reuse it instead of a second shift search (~1.6 ms a segment)."""
    if len(results) == 1 and engine.same_ter:
        only = results[0]
        if (only.proposal is not None and only.segment.start == 0 and only.segment.text == mt
                and only.proposal.text == proposal):
            return float(only.proposal.edit.ter)
    return float(engine.ter.sentence_score(mt, [proposal]).score)


def _audit_document(engine: _Engine, segments: list[BatchSegment], source_checks: bool = True
                    ) -> list[list[SegmentResult]]:
    return audit_segments(engine.auditor, segments, source_checks)


def audit_segments(auditor: Any, segments: list[BatchSegment], source_checks: bool = True
                   ) -> list[list[SegmentResult]]:
    """The sentence results of each segment; offsets are into the segment's MT. Segments with a
    source are audited with it (:meth:`audit.pipeline.Auditor.run`) when ``source_checks``; the others
    are audited alone, all in one batched run (each segment one paragraph at offset 0)."""
    out: list[list[SegmentResult]] = [[] for _ in segments]
    plain: list[int] = []
    paired = [i for i, seg in enumerate(segments) if seg.source and source_checks]
    with _prefetched_pairs(auditor, [(segments[i].source or "", segments[i].mt) for i in paired]):
        for i in paired:
            try:
                (result,) = auditor.run([Document(segments[i].mt, segments[i].source)])
                out[i] = list(result.segments)
            except AuditError:  # a text the pair checks refuse is still audited on its own
                plain.append(i)
    alone = set(range(len(segments))).difference(paired)
    plain = sorted([*plain, *alone])
    if plain:
        # One call for all MT-only segments: Harper lints them in batches; each segment is one
        # paragraph at offset 0, so offsets stay relative to its own text.
        paragraphs = [Paragraph(i, 0, segments[i].mt.replace("\n", " ")) for i in plain]
        summary = auditor.new_summary()
        for result in auditor.audit_paragraphs(paragraphs, summary):
            out[result.segment.paragraph].append(result)
    return out


@contextmanager
def _prefetched_pairs(auditor: Any, pairs: list[tuple[str, str]]) -> Iterator[None]:
    """The document's sentences embedded in large batches before its pairs are aligned one by one
    (per pair, the embedding call is most of the cost); nothing to do without pairs."""
    if not pairs:
        yield
        return
    from ..source.prefetch import plan_pairs, prefetched

    try:
        plans = plan_pairs(auditor, pairs)
    except AuditError:  # a pair the checks refuse is audited (and reported) on its own below
        yield
        return
    with prefetched(plans):
        yield


def process_document(doc: BatchDocument, config_dict: dict[str, Any], source_checks: bool = True
                     ) -> DocumentResult:
    """Audit and score one document; ``source_checks``: segments with a source are audited with it
    (the source-aware checks)."""
    engine = engine_for(config_dict)
    weights = engine.weights
    segments = doc.segments
    audited = _audit_document(engine, segments, source_checks)

    with_ref = [i for i, s in enumerate(segments) if s.reference is not None]
    ref_stats: dict[str, list[Any]] = {}
    if with_ref:
        hyps = [segments[i].mt for i in with_ref]
        refs = [[segments[i].reference or "" for i in with_ref]]
        ref_stats = {
            "bleu": engine.corpus_bleu._extract_corpus_statistics(hyps, refs),
            "chrf": engine.chrf._extract_corpus_statistics(hyps, refs),
            "ter": engine.ter._extract_corpus_statistics(hyps, refs),
        }
    ref_position = {i: n for n, i in enumerate(with_ref)}

    records: list[dict[str, Any]] = []
    stats = new_stats()
    for i, (seg, results) in enumerate(zip(segments, audited, strict=True)):
        flags = [f for r in results for f in r.flags]
        proposal = compose_proposal(seg.mt, results)
        origin = sorted({o for r in results if r.proposal is not None for o in r.proposal.origin})
        words = len(seg.mt.split())
        points = penalty_points(flags, weights)
        if proposal is None:
            edit = {"char_distance": 0, "char_ratio": 0.0, "ter": 0.0}
        else:
            edit = {
                "char_distance": Levenshtein.distance(seg.mt, proposal),
                "char_ratio": round(Levenshtein.normalized_distance(seg.mt, proposal), 4),
                "ter": round(_ter(engine, seg.mt, proposal, results), 2),
            }
        record: dict[str, Any] = {
            "doc_id": doc.doc_id,
            "seg_id": seg.seg_id,
            "index": doc.first_index + i,
            "source": seg.source,
            "mt": seg.mt,
            "reference": seg.reference,
            "flags": [f.to_dict() for f in flags],
            "proposal": None if proposal is None else {"text": proposal, "origin": origin},
            "words": words,
            "penalty_points": points,
            "mqm_penalty": mqm_penalty(points, words),
            "edit": edit,
            "reference_scores": None,
        }
        if i in ref_position:
            n = ref_position[i]
            b, c, t = ref_stats["bleu"][n], ref_stats["chrf"][n], ref_stats["ter"][n]
            record["reference_scores"] = {
                "bleu": round(engine.sentence_bleu._compute_score_from_stats(b).score, 4),
                "chrf": round(engine.chrf._compute_score_from_stats(c).score, 4),
                "ter": round(engine.ter._compute_score_from_stats(t).score, 4),
            }
            add_vector(stats["ref_stats"], "bleu", b)
            add_vector(stats["ref_stats"], "chrf", c)
            add_vector(stats["ref_stats"], "ter", t)
            stats["ref_segments"] += 1
        add_record(stats, record)
        records.append(record)
    return DocumentResult(doc.doc_id, doc.chunk, doc.key, doc.member, records, stats)


# --- per-document statistics (summable) -----------------------------------------------------
def new_stats() -> dict[str, Any]:
    return {
        "segments": 0, "flagged": 0, "words": 0, "penalty_points": 0.0, "proposals": 0,
        "char_distance": 0, "mt_chars": 0, "edit_ratio_sum": 0.0,
        "flags_by_category": {}, "flags_by_severity": {}, "flags_by_rule": {},
        "ref_segments": 0, "ref_stats": {},
        "ratio_hist": [0] * RATIO_BINS, "penalty_hist": [0] * (len(PENALTY_BINS) - 1),
    }


def add_vector(target: dict[str, list[float]], name: str, values: list[Any]) -> None:
    values = [float(v) for v in values]
    current = target.get(name)
    target[name] = values if current is None else [a + b for a, b in zip(current, values, strict=True)]


def _bin(value: float, edges: list[float]) -> int:
    for k in range(len(edges) - 1):
        if value < edges[k + 1]:
            return k
    return len(edges) - 2


def add_record(stats: dict[str, Any], record: dict[str, Any]) -> None:
    stats["segments"] += 1
    stats["words"] += record["words"]
    stats["penalty_points"] += record["penalty_points"]
    if record["flags"]:
        stats["flagged"] += 1
    for flag in record["flags"]:
        for key, name in (("flags_by_category", "category"), ("flags_by_severity", "severity"),
                          ("flags_by_rule", "rule")):
            bucket = stats[key]
            bucket[flag[name]] = bucket.get(flag[name], 0) + 1
    ratio = record["edit"]["char_ratio"]
    stats["edit_ratio_sum"] += ratio
    stats["char_distance"] += record["edit"]["char_distance"]
    stats["mt_chars"] += len(record["mt"])
    if record["proposal"] is not None:
        stats["proposals"] += 1
    stats["ratio_hist"][min(int(ratio * RATIO_BINS), RATIO_BINS - 1)] += 1
    stats["penalty_hist"][_bin(record["mqm_penalty"], PENALTY_BINS)] += 1


def merge_stats(total: dict[str, Any], part: dict[str, Any]) -> None:
    for key in ("segments", "flagged", "words", "penalty_points", "proposals", "char_distance", "mt_chars",
                "edit_ratio_sum", "ref_segments"):
        total[key] += part[key]
    for key in ("flags_by_category", "flags_by_severity", "flags_by_rule"):
        for name, count in part[key].items():
            total[key][name] = total[key].get(name, 0) + count
    for name, vector in part["ref_stats"].items():
        add_vector(total["ref_stats"], name, vector)
    for key in ("ratio_hist", "penalty_hist"):
        total[key] = [a + b for a, b in zip(total[key], part[key], strict=True)]
