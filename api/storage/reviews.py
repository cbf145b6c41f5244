"""Stored audits and editor reviews: the service code shared by the API, the CLI and the review pages.

* :func:`store_audit` keeps one :class:`audit.pipeline.AuditResult` (with its texts) as a document.
* :func:`decide` records one editor decision on one segment in its own transaction, guarded by
  the segment's ``version`` (optimistic concurrency): a stale version raises :class:`Conflict`.
* :func:`final_text`, :func:`to_xliff`, :func:`to_tmx` build the downloads.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein
from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from audit.records import SegmentResult
from audit.scoring import EditScorer, tokenizer_for

from .db import Database
from .models import (
    REJECT_REASONS,
    ROLES,
    Comment,
    Document,
    FlagRecord,
    ProposalRecord,
    Review,
    SegmentRecord,
    User,
    utcnow,
)
from .review_exports import aligned_source, final_text, segment_target, to_tmx, to_xliff, to_xliff12

__all__ = ["aligned_source", "final_text", "segment_target", "to_tmx", "to_xliff", "to_xliff12"]

#: Segment status after each decision.
STATUS_AFTER = {"accept": "accepted", "edit": "edited", "reject": "rejected"}
XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
MIN_PASSWORD = 8
#: Limits: one sentence's edit (at least this many characters, or twice the MT's length), a reason's
#: free text, one comment, and the comments of one sentence.
MAX_EDIT_CHARS = 2000
MAX_REASON_CHARS = 500
MAX_COMMENT_CHARS = 2000
MAX_COMMENTS = 200
#: The one character-score definition, for sentences and document totals alike (said on the page).
CHAR_SCORE_DEFINITION = (
    "character edit ratio = Levenshtein distance ÷ length of the longer text (MT or final); "
    "document totals sum both over the sentences"
)


class Conflict(Exception):
    """The segment changed since the editor loaded it (another editor saved first)."""

    def __init__(self, segment: SegmentRecord, decided_by: str | None = None) -> None:
        super().__init__(
            f"sentence {segment.position + 1} was changed by {decided_by or 'someone else'} since you loaded it "
            f"(now version {segment.version}, {segment.status}); your change was not saved: take theirs, keep "
            "yours or merge the two"
        )
        self.current = {
            "id": segment.id,
            "version": segment.version,
            "status": segment.status,
            "final_text": segment.final_text,
            "text": segment.final_text if segment.final_text is not None else segment.mt_text,
            "decided_by": decided_by,
            "reason": segment.reason,
            "reason_text": segment.reason_text,
        }


class ReviewError(ValueError):
    """A decision that makes no sense (unknown segment, edit without text, nothing to undo)."""


# --- users ---------------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    """scrypt (werkzeug's default KDF) with a random salt."""
    return generate_password_hash(password, method="scrypt")


def create_user(db: Database, username: str, password: str, role: str, api_key_id: int | None = None) -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    username = username.strip()
    if not username:
        raise ValueError("the user name is empty")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")
    with db.session() as session:
        if session.scalars(select(User).where(User.username == username)).first() is not None:
            raise ValueError(f"user {username!r} exists already")
        user = User(
            username=username,
            password_hash=hash_password(password),
            role=role,
            api_key_id=api_key_id,
            created_at=utcnow(),
        )
        session.add(user)
    return user


#: What an unknown user's password is checked against, so a login takes the same time either way:
#: a fixed scrypt hash of a random string nobody knows (a literal: no key derivation at import time).
_DUMMY_HASH = ("scrypt:32768:8:1$iKZUbrQAsIXBUtcw$02d61992440e223c12d6f2886088dd2f42be0a3807ef3f08ae793c1b00d8e7db7e1"
               "ca3bb946e5157806ac43874c553e83a99d8eb2f9a8982e41ada2249ccef9d")


def authenticate(db: Database, username: str, password: str) -> User | None:
    """The user when the password matches (constant work whether or not the user exists)."""
    with db.session() as session:
        user = session.scalars(select(User).where(User.username == username.strip())).first()
        if user is None or user.disabled_at is not None:
            check_password_hash(_DUMMY_HASH, password)
            return None
        return user if check_password_hash(user.password_hash, password) else None


# --- storing audits ------------------------------------------------------------------------------
def store_audit(
    db: Database,
    *,
    text: str,
    segments: Iterable[SegmentResult],
    summary: dict[str, Any],
    tgt_lang: str,
    src_lang: str | None = None,
    source: str | None = None,
    glossaries: Sequence[str] = (),
    name: str = "text",
    submitter_key_id: int | None = None,
    submitter_user_id: int | None = None,
    project: str | None = None,
) -> str:
    """Store one audit; returns the new document id.

    With a source, each sentence keeps the offsets of its aligned source sentence(s) (length-based
    alignment, widened to hold the source evidence of its source-aware flags)."""
    segments = list(segments)
    doc_id = uuid.uuid4().hex
    document = Document(
        id=doc_id,
        name=name[:255] or "text",
        mt_text=text,
        source_text=source,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        glossaries=list(glossaries),
        summary=summary,
        submitter_key_id=submitter_key_id,
        submitter_user_id=submitter_user_id,
        project=(project or "").strip()[:100] or None,
        created_at=utcnow(),
    )
    spans = source_spans(source, segments, src_lang, tgt_lang) if source else {}
    scorer = _scorer(tgt_lang)
    for position, result in enumerate(segments):
        seg = result.segment
        source_span = spans.get(position)
        record = SegmentRecord(
            position=position,
            paragraph=seg.paragraph,
            start=seg.start,
            end=seg.end,
            mt_text=seg.text,
            status="open",
            version=1,
            source_start=source_span[0] if source_span else None,
            source_end=source_span[1] if source_span else None,
        )
        for flag in result.flags:
            record.flags.append(
                FlagRecord(
                    start=flag.start - seg.start,
                    end=flag.end - seg.start,
                    text=flag.text,
                    rule=flag.rule,
                    category=flag.category,
                    severity=flag.severity.value,
                    origin=flag.origin,
                    message=flag.message,
                    suggestion=flag.suggestion,
                    replacement=flag.replacement,
                    source_start=flag.source_start,
                    source_end=flag.source_end,
                )
            )
        if result.proposal is not None:
            edit = result.proposal.edit
            stats = edit_stats(scorer, seg.text, result.proposal.text)
            record.proposal = ProposalRecord(
                text=result.proposal.text,
                origin=list(result.proposal.origin),
                char_distance=edit.char_distance,
                char_ratio=edit.char_ratio,
                ter=edit.ter,
                char_base=stats.char_base,
                ter_edits=stats.ter_edits,
                ter_words=stats.ter_words,
            )
        document.segments.append(record)
    with db.session() as session:
        session.add(document)
    return doc_id


# --- reading ----------------------------------------------------------------------------------------
def load_document(session: Session, doc_id: str) -> Document | None:
    return session.scalars(
        select(Document)
        .where(Document.id == doc_id)
        .options(
            selectinload(Document.segments).selectinload(SegmentRecord.flags),
            selectinload(Document.segments).selectinload(SegmentRecord.proposal),
            selectinload(Document.segments).selectinload(SegmentRecord.comments),
        )
    ).first()


@dataclass
class QueueRow:
    id: str
    name: str
    src_lang: str | None
    tgt_lang: str
    created_at: Any
    segments: int
    flagged: int
    open: int
    accepted: int
    edited: int
    rejected: int
    project: str | None = None


def queue(
    session: Session,
    *,
    pair: str | None = None,
    severity: str | None = None,
    category: str | None = None,
    submitter_key_id: int | None = None,
    project: str | None = None,
) -> list[QueueRow]:
    """Documents, newest first, with counts of flagged sentences per review state (``project``: one
    named project's documents; ``-`` those with none)."""
    docs = select(Document).order_by(Document.created_at.desc(), Document.id)
    if project:
        docs = docs.where(Document.project.is_(None) if project == "-" else Document.project == project)
    if pair:
        src, _, tgt = pair.partition("-")
        docs = docs.where(Document.tgt_lang == tgt)
        docs = docs.where(Document.src_lang.is_(None)) if src in ("", "any") else docs.where(Document.src_lang == src)
    if severity or category:
        flagged = select(SegmentRecord.document_id).join(FlagRecord)
        if severity:
            flagged = flagged.where(FlagRecord.severity == severity)
        if category:
            flagged = flagged.where(FlagRecord.category.startswith(category))
        docs = docs.where(Document.id.in_(flagged))
    if submitter_key_id is not None:
        docs = docs.where(Document.submitter_key_id == submitter_key_id)
    rows = list(session.scalars(docs.limit(500)))
    flagged_ids = select(FlagRecord.segment_id).distinct()
    counts: dict[str, dict[str, int]] = {}
    if rows:
        stmt = (
            select(SegmentRecord.document_id, SegmentRecord.status, SegmentRecord.id.in_(flagged_ids), func.count())
            .where(SegmentRecord.document_id.in_([d.id for d in rows]))
            .group_by(SegmentRecord.document_id, SegmentRecord.status, SegmentRecord.id.in_(flagged_ids))
        )
        for doc_id, status, is_flagged, count in session.execute(stmt):
            c = counts.setdefault(doc_id, {})
            c["segments"] = c.get("segments", 0) + count
            if is_flagged:
                c["flagged"] = c.get("flagged", 0) + count
                c[status] = c.get(status, 0) + count
    return [
        QueueRow(
            id=d.id,
            name=d.name,
            src_lang=d.src_lang,
            tgt_lang=d.tgt_lang,
            created_at=d.created_at,
            segments=counts.get(d.id, {}).get("segments", 0),
            flagged=counts.get(d.id, {}).get("flagged", 0),
            open=counts.get(d.id, {}).get("open", 0),
            accepted=counts.get(d.id, {}).get("accepted", 0),
            edited=counts.get(d.id, {}).get("edited", 0),
            rejected=counts.get(d.id, {}).get("rejected", 0),
            project=d.project,
        )
        for d in rows
    ]


# --- aligned source, edit statistics -------------------------------------------------------------------
def source_spans(
    source: str, results: Sequence[SegmentResult], src_lang: str | None, tgt_lang: str
) -> dict[int, tuple[int, int]]:
    """Each sentence's aligned source span (offsets into ``source``), by sentence position.

    Length-based alignment (no model), paragraph by paragraph when the source has as many non-empty
    lines as the MT has paragraphs (else over the whole text), then widened to the source sentences
    that hold the source evidence of the sentence's source-aware flags."""
    from audit.source.checks import split_sentences

    src = split_sentences(source, src_lang)
    if not src or not results:
        return {}
    spans: dict[int, tuple[int, int]] = {}
    for src_part, positions in _paragraph_pairs(source, src, results):
        spans.update(_align_part(src_part, [(i, results[i]) for i in positions], src_lang, tgt_lang))
    for index, result in enumerate(results):
        for flag in result.flags:
            if flag.source_start is None or flag.source_end is None:
                continue
            covering = [s for s in src if s.start < max(flag.source_end, flag.source_start + 1)
                        and s.end > flag.source_start]
            lo = min([flag.source_start, *(s.start for s in covering)])
            hi = max([flag.source_end, *(s.end for s in covering)])
            old = spans.get(index)
            spans[index] = (min(lo, old[0]), max(hi, old[1])) if old else (lo, hi)
    return spans


def _paragraph_pairs(
    source: str, src: list[Any], results: Sequence[SegmentResult]
) -> list[tuple[list[Any], list[int]]]:
    """(source sentences, MT sentence positions) per paragraph when the paragraphs pair up; else one pair."""
    lines: list[tuple[int, int]] = []
    offset = 0
    for line in source.splitlines(keepends=True):
        if line.strip():
            lines.append((offset, offset + len(line)))
        offset += len(line)
    groups: dict[int, list[int]] = {}
    for position, result in enumerate(results):
        groups.setdefault(result.segment.paragraph, []).append(position)
    if len(lines) != len(groups):
        return [(src, list(range(len(results))))]
    return [
        ([s for s in src if start <= s.start < end], positions)
        for (start, end), positions in zip(lines, groups.values(), strict=True)
    ]


def _align_part(
    src: list[Any], targets: list[tuple[int, SegmentResult]], src_lang: str | None, tgt_lang: str
) -> dict[int, tuple[int, int]]:
    from audit.source.align import Sentence, align
    from audit.source.checks import EXPECTED_CHAR_RATIO
    from audit.source.embed import LengthOnly

    if not src or not targets:
        return {}
    tgt = [Sentence(r.segment.start, r.segment.end, r.segment.text) for _, r in targets]
    ratio = EXPECTED_CHAR_RATIO.get(src_lang or "", 1.0) if tgt_lang == "en" else None
    out: dict[int, tuple[int, int]] = {}
    for pair in align(src, tgt, LengthOnly(), ratio=ratio):
        if pair.source_ids and pair.target_ids:
            for index in pair.target_ids:
                out[targets[index][0]] = (pair.source_start, pair.source_end)
    return out


@dataclass(frozen=True, slots=True)
class EditStats:
    """One sentence's edit, with the sums the document totals are made of."""

    char_distance: int
    char_base: int
    char_ratio: float
    ter: float
    ter_edits: float
    ter_words: float


def _scorer(tgt_lang: str) -> EditScorer:
    return EditScorer(tokenize=tokenizer_for(tgt_lang))


def edit_stats(scorer: EditScorer, mt: str, final: str) -> EditStats:
    """Character Levenshtein over the longer text, and TER's edits and reference words (MT -> final)."""
    distance = Levenshtein.distance(mt, final)
    base = max(len(mt), len(final))
    ter = scorer.ter.sentence_score(mt, [final])
    return EditStats(
        char_distance=distance,
        char_base=base,
        char_ratio=distance / base if base else 0.0,
        ter=0.0 if mt == final else float(ter.score),
        ter_edits=float(ter.num_edits),
        ter_words=float(ter.ref_length),
    )


def team_of(document: Document) -> str:
    """The team whose decisions tune the rules: the named project, else the submitting API key."""
    if document.project:
        return f"project:{document.project}"
    if document.submitter_key_id is not None:
        return f"key:{document.submitter_key_id}"
    return "default"


def edit_limit(mt_text: str, floor: int = MAX_EDIT_CHARS) -> int:
    """The most characters one sentence's edit may have: ``floor``, or twice the MT when longer."""
    return max(floor, 2 * len(mt_text))


# --- deciding -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Decision:
    """What an editor asks for: ``accept``, ``edit`` (with ``text``), ``reject`` (with a reason) or ``undo``."""

    decision: str
    version: int
    text: str | None = None
    reason: str | None = None
    reason_text: str | None = None

    def check(self, mt_text: str, max_edit_chars: int = MAX_EDIT_CHARS) -> None:
        if self.decision not in (*STATUS_AFTER, "undo"):
            raise ReviewError(f"unknown decision {self.decision!r} (accept, edit, reject, undo)")
        if self.decision == "edit":
            if self.text is None or not self.text.strip():
                raise ReviewError("an edit needs the new text")
            limit = edit_limit(mt_text, max_edit_chars)
            if len(self.text) > limit:
                raise ReviewError(
                    f"the edit is too long: {len(self.text):,} characters, and one sentence's edit may have at "
                    f"most {limit:,}; split long text over its sentences"
                )
        if self.decision != "reject" and (self.reason or self.reason_text):
            raise ReviewError("a reason goes with a rejection only")
        if self.reason is not None and self.reason not in REJECT_REASONS:
            raise ReviewError(f"unknown reason {self.reason!r} (reasons: {', '.join(REJECT_REASONS)})")
        if self.reason_text is not None and len(self.reason_text) > MAX_REASON_CHARS:
            raise ReviewError(f"the reason's text may have at most {MAX_REASON_CHARS} characters")
        if self.reason == "other" and not (self.reason_text or "").strip():
            raise ReviewError("reason 'other' needs a few words saying why")


def decide(
    db: Database,
    doc_id: str,
    segment_id: int,
    decision: str | Decision,
    version: int | None = None,
    editor_id: int | None = None,
    text: str | None = None,
    max_edit_chars: int = MAX_EDIT_CHARS,
) -> SegmentRecord:
    """Record a decision on a segment seen at its ``version``; committed before this returns.

    ``accept`` takes the proposal (or the MT when there is none), ``edit`` takes ``text``,
    ``reject`` keeps the MT (with an optional reason), ``undo`` restores the state before the last
    decision. Raises :class:`Conflict` when the segment's version is no longer the one seen.
    """
    if not isinstance(decision, Decision):
        if version is None:
            raise ReviewError("the version of the sentence you saw is required")
        decision = Decision(decision, version, text)
    if decision.decision not in (*STATUS_AFTER, "undo"):
        raise ReviewError(f"unknown decision {decision.decision!r} (accept, edit, reject, undo)")
    try:
        _decide(db, doc_id, segment_id, decision, editor_id, max_edit_chars)
    except _Lost:
        with db.session() as session:
            current = session.get(SegmentRecord, segment_id)
            if current is None:
                raise ReviewError(f"no sentence {segment_id} in this document") from None
            raise Conflict(current, _username(session, current.decided_by)) from None
    with db.session() as session:
        return load_segment(session, segment_id)


def load_segment(session: Session, segment_id: int) -> SegmentRecord:
    return session.scalars(
        select(SegmentRecord)
        .where(SegmentRecord.id == segment_id)
        .options(
            selectinload(SegmentRecord.flags),
            selectinload(SegmentRecord.proposal),
            selectinload(SegmentRecord.comments),
        )
    ).one()


def _username(session: Session, user_id: int | None) -> str | None:
    return None if user_id is None else session.scalar(select(User.username).where(User.id == user_id))


class _Lost(Exception):
    """The compare-and-set on the version matched no row."""


def _decide(
    db: Database, doc_id: str, segment_id: int, wanted: Decision, editor_id: int | None, max_edit_chars: int
) -> None:
    with db.session() as session:
        segment = session.scalars(
            select(SegmentRecord)
            .where(SegmentRecord.id == segment_id, SegmentRecord.document_id == doc_id)
            .options(selectinload(SegmentRecord.flags), selectinload(SegmentRecord.proposal))
        ).first()
        if segment is None:
            raise ReviewError(f"no sentence {segment_id} in this document")
        wanted.check(segment.mt_text, max_edit_chars)
        if segment.version != wanted.version:
            raise Conflict(segment, _username(session, segment.decided_by))
        document = session.get(Document, doc_id)
        tgt_lang = document.tgt_lang if document else "en"
        reason, reason_text = wanted.reason, (wanted.reason_text or "").strip() or None
        if wanted.decision == "undo":
            status, final, reason, reason_text = _previous_state(session, segment)
        elif wanted.decision == "accept":
            status, final = "accepted", segment.proposal.text if segment.proposal else segment.mt_text
        elif wanted.decision == "edit":
            status, final = "edited", (wanted.text or "").strip()
        else:
            status, final = "rejected", segment.mt_text
        stats = edit_stats(_scorer(tgt_lang), segment.mt_text, final) if final is not None else None
        _write_decision(session, segment, wanted, status, final, stats, (reason, reason_text), editor_id)
        session.add(
            Review(
                segment_id=segment.id,
                editor_id=editor_id,
                decision=wanted.decision,
                final_text=final,
                rules=sorted({f.rule for f in segment.flags}),
                segment_version=wanted.version + 1,
                char_distance=stats.char_distance if stats else None,
                char_ratio=stats.char_ratio if stats else None,
                ter=stats.ter if stats else None,
                reason=reason,
                reason_text=reason_text,
                team=team_of(document) if document else None,
                created_at=utcnow(),
            )
        )


def _write_decision(
    session: Session,
    segment: SegmentRecord,
    wanted: Decision,
    status: str,
    final: str | None,
    stats: EditStats | None,
    why: tuple[str | None, str | None],
    editor_id: int | None,
) -> None:
    """Compare-and-set on the version: a concurrent save between our read and this write loses."""
    result = session.execute(
        update(SegmentRecord)
        .where(SegmentRecord.id == segment.id, SegmentRecord.version == wanted.version)
        .values(
            status=status,
            final_text=final,
            version=wanted.version + 1,
            effort_char_distance=stats.char_distance if stats else None,
            effort_char_ratio=stats.char_ratio if stats else None,
            effort_ter=stats.ter if stats else None,
            effort_char_base=stats.char_base if stats else None,
            effort_ter_edits=stats.ter_edits if stats else None,
            effort_ter_words=stats.ter_words if stats else None,
            decided_by=editor_id if status != "open" else None,
            decided_at=utcnow() if status != "open" else None,
            reason=why[0] if status == "rejected" else None,
            reason_text=why[1] if status == "rejected" else None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _Lost


def _previous_state(session: Session, segment: SegmentRecord) -> tuple[str, str | None, str | None, str | None]:
    """The status, text and rejection reason before the latest (non-undone) decision."""
    history = list(session.scalars(select(Review).where(Review.segment_id == segment.id).order_by(Review.id)))
    stack: list[Review] = []
    for review in history:
        if review.decision == "undo":
            if stack:
                stack.pop()
        else:
            stack.append(review)
    if not stack:
        raise ReviewError("nothing to undo for this sentence")
    stack.pop()
    if not stack:
        return "open", None, None, None
    last = stack[-1]
    return STATUS_AFTER[last.decision], last.final_text, last.reason, last.reason_text


# --- comments ---------------------------------------------------------------------------------------
def add_comment(db: Database, doc_id: str, segment_id: int, author_id: int | None, body: str) -> SegmentRecord:
    """Append a comment to a sentence's thread; returns the sentence with its comments."""
    body = body.strip()
    if not body:
        raise ReviewError("the comment is empty")
    if len(body) > MAX_COMMENT_CHARS:
        raise ReviewError(f"a comment may have at most {MAX_COMMENT_CHARS:,} characters (this one has {len(body):,})")
    with db.session() as session:
        found = session.scalar(
            select(SegmentRecord.id).where(SegmentRecord.id == segment_id, SegmentRecord.document_id == doc_id)
        )
        if found is None:
            raise ReviewError(f"no sentence {segment_id} in this document")
        count = session.scalar(select(func.count()).select_from(Comment).where(Comment.segment_id == segment_id))
        if (count or 0) >= MAX_COMMENTS:
            raise ReviewError(f"this sentence has {MAX_COMMENTS} comments already, the most one sentence may have")
        session.add(Comment(segment_id=segment_id, author_id=author_id, body=body, created_at=utcnow()))
    with db.session() as session:
        return load_segment(session, segment_id)


def usernames(session: Session, segments: Iterable[SegmentRecord]) -> dict[int, str]:
    """User id -> user name of those who decided or commented on ``segments``."""
    ids = {s.decided_by for s in segments if s.decided_by is not None}
    ids |= {c.author_id for s in segments for c in s.comments if c.author_id is not None}
    if not ids:
        return {}
    return {row[0]: row[1] for row in session.execute(select(User.id, User.username).where(User.id.in_(ids)))}


# --- totals ------------------------------------------------------------------------------------------
def _totals(counts: dict[str, float]) -> dict[str, Any]:
    """The totals dict from sums: character ratios are Σ distance / Σ longer length; TER is corpus TER
    (Σ edits / Σ reference words), never a mean of sentence TERs."""

    def ratio(part: float, whole: float, scale: float = 1.0, digits: int = 4) -> float:
        return round(scale * part / whole, digits) if whole else 0.0

    return {
        "decided": int(counts["decided"]),
        "segments": int(counts["segments"]),
        "flagged": int(counts["flagged"]),
        "flagged_decided": int(counts["flagged_decided"]),
        "effort_char_distance": int(counts["effort_chars"]),
        "effort_char_ratio": ratio(counts["effort_chars"], counts["effort_base"]),
        "effort_ter": ratio(counts["effort_edits"], counts["effort_words"], 100.0, 2),
        "proposal_char_distance": int(counts["proposal_chars"]),
        "proposal_char_ratio": ratio(counts["proposal_chars"], counts["proposal_base"]),
        "proposal_ter": ratio(counts["proposal_edits"], counts["proposal_words"], 100.0, 2),
        "char_definition": CHAR_SCORE_DEFINITION,
    }


def effort_totals(document: Document) -> dict[str, Any]:
    """Document totals from a loaded document's stored per-sentence sums (nothing is rescored)."""
    decided = [s for s in document.segments if s.status != "open"]
    proposals = [s.proposal for s in document.segments if s.proposal is not None]
    return _totals(
        {
            "segments": len(document.segments),
            "decided": len(decided),
            "flagged": sum(1 for s in document.segments if s.flags),
            "flagged_decided": sum(1 for s in decided if s.flags),
            "effort_chars": sum(s.effort_char_distance or 0 for s in decided),
            "effort_base": sum(s.effort_char_base or 0 for s in decided),
            "effort_edits": sum(s.effort_ter_edits or 0 for s in decided),
            "effort_words": sum(s.effort_ter_words or 0 for s in decided),
            "proposal_chars": sum(p.char_distance for p in proposals),
            "proposal_base": sum(p.char_base or 0 for p in proposals),
            "proposal_edits": sum(p.ter_edits or 0 for p in proposals),
            "proposal_words": sum(p.ter_words or 0 for p in proposals),
        }
    )


def document_totals(session: Session, doc_id: str) -> dict[str, Any]:
    """The same totals as :func:`effort_totals` by two aggregate queries (what a decision answers with).

    Rows stored before the per-sentence sums existed get them computed once, here."""
    _fill_missing_sums(session, doc_id)
    flagged = select(FlagRecord.id).where(FlagRecord.segment_id == SegmentRecord.id).exists()
    decided = SegmentRecord.status != "open"
    row = session.execute(
        select(
            func.count(),
            func.sum(case((decided, 1), else_=0)),
            func.sum(case((flagged, 1), else_=0)),
            func.sum(case((and_(decided, flagged), 1), else_=0)),
            func.sum(SegmentRecord.effort_char_distance),
            func.sum(SegmentRecord.effort_char_base),
            func.sum(SegmentRecord.effort_ter_edits),
            func.sum(SegmentRecord.effort_ter_words),
        ).where(SegmentRecord.document_id == doc_id)
    ).one()
    proposal = session.execute(
        select(
            func.sum(ProposalRecord.char_distance),
            func.sum(ProposalRecord.char_base),
            func.sum(ProposalRecord.ter_edits),
            func.sum(ProposalRecord.ter_words),
        )
        .join(SegmentRecord, SegmentRecord.id == ProposalRecord.segment_id)
        .where(SegmentRecord.document_id == doc_id)
    ).one()
    names = ("segments", "decided", "flagged", "flagged_decided", "effort_chars", "effort_base", "effort_edits",
             "effort_words", "proposal_chars", "proposal_base", "proposal_edits", "proposal_words")
    return _totals({name: float(value or 0) for name, value in zip(names, (*row, *proposal), strict=True)})


def _fill_missing_sums(session: Session, doc_id: str) -> None:
    missing_effort = list(
        session.scalars(
            select(SegmentRecord).where(
                SegmentRecord.document_id == doc_id,
                SegmentRecord.status != "open",
                SegmentRecord.effort_ter_words.is_(None),
            )
        )
    )
    missing_proposals = list(
        session.scalars(
            select(ProposalRecord)
            .join(SegmentRecord, SegmentRecord.id == ProposalRecord.segment_id)
            .where(SegmentRecord.document_id == doc_id, ProposalRecord.ter_words.is_(None))
            .options(selectinload(ProposalRecord.segment))
        )
    )
    if not missing_effort and not missing_proposals:
        return
    scorer = _scorer(session.scalar(select(Document.tgt_lang).where(Document.id == doc_id)) or "en")
    for segment in missing_effort:
        stats = edit_stats(scorer, segment.mt_text, segment_target(segment))
        segment.effort_char_base, segment.effort_ter_edits = stats.char_base, stats.ter_edits
        segment.effort_ter_words = stats.ter_words
    for record in missing_proposals:
        stats = edit_stats(scorer, record.segment.mt_text, record.text)
        record.char_base, record.ter_edits, record.ter_words = stats.char_base, stats.ter_edits, stats.ter_words
    session.flush()


def decisions_by_rule(session: Session) -> dict[str, dict[str, int]]:
    """Counts of the latest decision per rule: {rule: {accept: n, edit: n, reject: n}} (learning data)."""
    out: dict[str, dict[str, int]] = {}
    stmt = (
        select(FlagRecord.rule, SegmentRecord.status, func.count())
        .join(SegmentRecord)
        .group_by(FlagRecord.rule, SegmentRecord.status)
    )
    for rule, status, count in session.execute(stmt):
        if status == "open":
            continue
        decision = {v: k for k, v in STATUS_AFTER.items()}[status]
        out.setdefault(rule, {})[decision] = count
    return out

