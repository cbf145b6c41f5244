"""The unit of work: audit and score one document (picklable, runs in a pool or on a Dask worker).

Each segment is one :class:`audit.records.Document` through :meth:`audit.pipeline.Auditor.run`.
Per segment: the flags and proposal of the JSON contract (offsets into the segment's MT), its
words and penalty from the auditor's :class:`audit.records.Totals`, the edit MT -> proposal
summed from the sentences' edit scores, and against a reference: sentence BLEU, chrF and TER
from sacrebleu sufficient statistics. :class:`BatchTotals` sums them per document and per run,
so corpus scores never need all the text.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..config import AuditConfig, ModelsConfig
from ..errors import AuditError
from ..learning import RuleAdjustment
from ..records import Document, DocumentResult, SegmentResult, Totals
from .readers import BatchDocument, BatchSegment

if TYPE_CHECKING:
    from ..scoring import EditScorer
    from ..source.embed import EmbeddingCache

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
    data["rule_adjustments"] = tuple(RuleAdjustment.of(a) for a in data.get("rule_adjustments") or ())
    return AuditConfig(**data)


def config_key(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, default=list)


class _Engine:
    """What one process builds once per configuration: the Auditor and the reference metrics."""

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


@lru_cache(maxsize=4)
def _engine(key: str) -> _Engine:
    return _Engine(config_from_dict(json.loads(key)))


def engine_for(config_dict: dict[str, Any]) -> _Engine:
    return _engine(config_key(config_dict))


@dataclass
class BatchDocumentResult:
    doc_id: str
    chunk: int
    key: str
    member: str
    records: list[dict[str, Any]]
    stats: BatchTotals


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


def segment_edit(scorer: EditScorer, mt: str, proposal: str | None, results: list[SegmentResult]
                 ) -> dict[str, Any]:
    """The edit MT -> composed proposal, from the sentences' own edit scores (no second Levenshtein
    or TER shift search): character distances add up; TER adds up its sufficient statistics
    (edits, reference words; an unchanged sentence brings its words), as sacreBLEU's corpus TER."""
    if proposal is None:
        return {"char_distance": 0, "char_ratio": 0.0, "ter": 0.0}
    distance = 0
    edits = words = 0.0
    for result in results:
        if result.proposal is not None and result.proposal.text != result.segment.text:
            distance += result.proposal.edit.char_distance
            edits += result.proposal.edit.ter_edits
            words += result.proposal.edit.ter_words
        else:
            words += scorer.ter_words(result.segment.text)
    longest = max(len(mt), len(proposal))
    return {
        "char_distance": distance,
        "char_ratio": round(distance / longest, 4) if longest else 0.0,
        "ter": round(scorer.ter._compute_score_from_stats([edits, words]).score, 2),
    }


def audit_segments(auditor: Any, segments: list[BatchSegment], source_checks: bool = True
                   ) -> list[DocumentResult]:
    """Each segment as one :class:`audit.records.Document` through :meth:`audit.pipeline.Auditor.run`
    (offsets are into the segment's MT). Segments with a source are audited with it when
    ``source_checks``; the others are audited alone, all in one run (their sentences checked in
    batches across segments), each segment one paragraph."""
    out: list[DocumentResult | None] = [None for _ in segments]
    plain: list[int] = []
    paired = [i for i, seg in enumerate(segments) if seg.source and source_checks]
    embeddings = _prefetch(auditor, [(segments[i].source or "", segments[i].mt) for i in paired])
    for i in paired:
        try:
            (out[i],) = auditor.run([Document(segments[i].mt, segments[i].source)], embeddings)
        except AuditError:  # a text the pair checks refuse is still audited on its own
            plain.append(i)
    alone = set(range(len(segments))).difference(paired)
    plain = sorted([*plain, *alone])
    # Each segment one paragraph (newlines, and NULs a text is refused for, become spaces: offsets
    # stay those of its MT); an empty one has no sentence.
    texts = [i for i in plain if segments[i].mt.strip()]
    documents = (Document(segments[i].mt.replace("\n", " ").replace("\x00", " ")) for i in texts)
    for i, result in zip(texts, auditor.run(documents), strict=True):
        out[i] = result
    return [result if result is not None else DocumentResult([], auditor.new_summary()) for result in out]


def _prefetch(auditor: Any, pairs: list[tuple[str, str]]) -> EmbeddingCache | None:
    """The document's sentences embedded in large batches before its pairs are aligned one by one
    (per pair, the embedding call is most of the cost); None without pairs."""
    if not pairs:
        return None
    from ..source.prefetch import plan_pairs, prefetch

    try:
        return prefetch(plan_pairs(auditor, pairs))
    except AuditError:  # a pair the checks refuse is audited (and reported) on its own
        return None


def process_document(doc: BatchDocument, config_dict: dict[str, Any], source_checks: bool = True
                     ) -> BatchDocumentResult:
    """Audit and score one document; ``source_checks``: segments with a source are audited with it
    (the source-aware checks)."""
    engine = engine_for(config_dict)
    scorer = engine.auditor.scorer
    segments = doc.segments
    audited = audit_segments(engine.auditor, segments, source_checks)

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
    stats = BatchTotals()
    for i, (seg, result) in enumerate(zip(segments, audited, strict=True)):
        sentences = result.segments
        flags = [f for r in sentences for f in r.flags]
        proposal = compose_proposal(seg.mt, sentences)
        origin = sorted({o for r in sentences if r.proposal is not None for o in r.proposal.origin})
        totals = result.summary.totals
        record: dict[str, Any] = {
            "doc_id": doc.doc_id,
            "seg_id": seg.seg_id,
            "index": doc.first_index + i,
            "source": seg.source,
            "mt": seg.mt,
            "reference": seg.reference,
            "flags": [f.to_dict() for f in flags],
            "proposal": None if proposal is None else {"text": proposal, "origin": origin},
            "words": totals.words,
            "penalty_points": totals.penalty_points,
            "mqm_penalty": totals.mqm_penalty,
            "edit": segment_edit(scorer, seg.mt, proposal, sentences),
            "reference_scores": None,
        }
        row = BatchTotals.of(record, totals)
        if i in ref_position:
            n = ref_position[i]
            b, c, t = ref_stats["bleu"][n], ref_stats["chrf"][n], ref_stats["ter"][n]
            record["reference_scores"] = {
                "bleu": round(engine.sentence_bleu._compute_score_from_stats(b).score, 4),
                "chrf": round(engine.chrf._compute_score_from_stats(c).score, 4),
                "ter": round(engine.ter._compute_score_from_stats(t).score, 4),
            }
            row.ref_segments = 1
            row.ref_stats = {"bleu": [float(v) for v in b], "chrf": [float(v) for v in c],
                             "ter": [float(v) for v in t]}
        stats += row
        records.append(record)
    return BatchDocumentResult(doc.doc_id, doc.chunk, doc.key, doc.member, records, stats)


# --- summable statistics of batch segments -------------------------------------------------
def _add_vectors(into: dict[str, list[float]], other: dict[str, list[float]]) -> None:
    for name, values in other.items():
        current = into.get(name)
        into[name] = list(values) if current is None else [a + b for a, b in zip(current, values, strict=True)]


def _bin(value: float, edges: list[float]) -> int:
    for k in range(len(edges) - 1):
        if value < edges[k + 1]:
            return k
    return len(edges) - 2


@dataclass(slots=True)
class BatchTotals:
    """The auditor's :class:`audit.records.Totals` of batch segments, one segment (a row of the
    input, of one or more sentences) counting once in ``segments`` and ``flagged``, with what the
    batch report adds: proposals, the rows' edit ratios and histograms, and the sacreBLEU
    sufficient statistics against references. Summable (``a + b``) per document and per run."""

    totals: Totals = field(default_factory=Totals)
    chars: int = 0  # MT characters of every segment (the run's character edit ratio divides by them)
    proposals: int = 0
    edit_ratio_sum: float = 0.0
    ref_segments: int = 0
    ref_stats: dict[str, list[float]] = field(default_factory=dict)
    ratio_hist: list[int] = field(default_factory=lambda: [0] * RATIO_BINS)
    penalty_hist: list[int] = field(default_factory=lambda: [0] * (len(PENALTY_BINS) - 1))

    @classmethod
    def of(cls, record: dict[str, Any], sentences: Totals) -> BatchTotals:
        """One segment: its sentences' totals (from the auditor), counted as one segment."""
        totals = Totals() + sentences
        totals.segments, totals.flagged = 1, int(sentences.flagged > 0)
        ratio = record["edit"]["char_ratio"]
        out = cls(totals, chars=len(record["mt"]), proposals=int(record["proposal"] is not None),
                  edit_ratio_sum=ratio)
        out.ratio_hist[min(int(ratio * RATIO_BINS), RATIO_BINS - 1)] += 1
        out.penalty_hist[_bin(record["mqm_penalty"], PENALTY_BINS)] += 1
        return out

    def __iadd__(self, other: BatchTotals) -> BatchTotals:
        self.totals += other.totals
        self.chars += other.chars
        self.proposals += other.proposals
        self.edit_ratio_sum += other.edit_ratio_sum
        self.ref_segments += other.ref_segments
        _add_vectors(self.ref_stats, other.ref_stats)
        self.ratio_hist = [a + b for a, b in zip(self.ratio_hist, other.ratio_hist, strict=True)]
        self.penalty_hist = [a + b for a, b in zip(self.penalty_hist, other.penalty_hist, strict=True)]
        return self

    def __add__(self, other: BatchTotals) -> BatchTotals:
        total = BatchTotals()
        total += self
        total += other
        return total

    @property
    def flags(self) -> int:
        return sum(self.totals.flags_by_category.values())

    @property
    def mean_edit_ratio(self) -> float:
        return round(self.edit_ratio_sum / self.totals.segments, 4) if self.totals.segments else 0.0

    @property
    def char_ratio(self) -> float:
        """Character edits per MT character, over every segment."""
        return round(self.totals.char_distance / self.chars, 4) if self.chars else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The exact figures (a checkpoint's header; :meth:`from_dict` reads them back)."""
        return {"totals": asdict(self.totals), "chars": self.chars, "proposals": self.proposals,
                "edit_ratio_sum": self.edit_ratio_sum, "ref_segments": self.ref_segments,
                "ref_stats": self.ref_stats, "ratio_hist": self.ratio_hist, "penalty_hist": self.penalty_hist}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BatchTotals:
        return cls(**{**data, "totals": Totals(**data["totals"])})
