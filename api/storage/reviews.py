"""Stored audits and editor reviews: the service code shared by the API, the CLI and the review pages.

* :func:`store_audit` keeps one :class:`audit.pipeline.AuditResult` (with its texts) as a document.
* :func:`decide` records one editor decision on one segment in its own transaction, guarded by
  the segment's ``version`` (optimistic concurrency): a stale version raises :class:`Conflict`.
* :func:`final_text`, :func:`to_xliff`, :func:`to_tmx` build the downloads.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from audit.records import SegmentResult
from audit.scoring import EditScorer, tokenizer_for

from .db import Database
from .models import (
    ROLES,
    Document,
    FlagRecord,
    ProposalRecord,
    Review,
    SegmentRecord,
    User,
    utcnow,
)

#: Segment status after each decision.
STATUS_AFTER = {"accept": "accepted", "edit": "edited", "reject": "rejected"}
XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
MIN_PASSWORD = 8


class Conflict(Exception):
    """The segment changed since the editor loaded it (another editor saved first)."""

    def __init__(self, segment: SegmentRecord) -> None:
        super().__init__(
            f"sentence {segment.position + 1} was changed by someone else since you loaded it (now version "
            f"{segment.version}, {segment.status}); your change was not saved: reload to see theirs"
        )
        self.current = {
            "id": segment.id,
            "version": segment.version,
            "status": segment.status,
            "final_text": segment.final_text,
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


_DUMMY_HASH = hash_password("not-a-password-at-all")


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
) -> str:
    """Store one audit; returns the new document id."""
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
        created_at=utcnow(),
    )
    for position, result in enumerate(segments):
        seg = result.segment
        record = SegmentRecord(
            position=position,
            paragraph=seg.paragraph,
            start=seg.start,
            end=seg.end,
            mt_text=seg.text,
            status="open",
            version=1,
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
                )
            )
        if result.proposal is not None:
            edit = result.proposal.edit
            record.proposal = ProposalRecord(
                text=result.proposal.text,
                origin=list(result.proposal.origin),
                char_distance=edit.char_distance,
                char_ratio=edit.char_ratio,
                ter=edit.ter,
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


def queue(
    session: Session,
    *,
    pair: str | None = None,
    severity: str | None = None,
    category: str | None = None,
    submitter_key_id: int | None = None,
) -> list[QueueRow]:
    """Documents, newest first, with counts of flagged sentences per review state."""
    docs = select(Document).order_by(Document.created_at.desc(), Document.id)
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
        )
        for d in rows
    ]


# --- deciding -------------------------------------------------------------------------------------
def _scorer(tgt_lang: str) -> EditScorer:
    return EditScorer(tokenize=tokenizer_for(tgt_lang))


def decide(
    db: Database,
    doc_id: str,
    segment_id: int,
    decision: str,
    version: int,
    editor_id: int | None,
    text: str | None = None,
) -> SegmentRecord:
    """Record ``decision`` on a segment seen at ``version``; committed before this returns.

    ``accept`` takes the proposal (or the MT when there is none), ``edit`` takes ``text``,
    ``reject`` keeps the MT, ``undo`` restores the state before the last decision.
    Raises :class:`Conflict` when the segment's version is no longer ``version``.
    """
    if decision not in (*STATUS_AFTER, "undo"):
        raise ReviewError(f"unknown decision {decision!r} (accept, edit, reject, undo)")
    try:
        _decide(db, doc_id, segment_id, decision, version, editor_id, text)
    except _Lost:
        with db.session() as session:
            current = session.get(SegmentRecord, segment_id)
            if current is None:
                raise ReviewError(f"no sentence {segment_id} in this document") from None
            raise Conflict(current) from None
    with db.session() as session:
        fresh_segment = session.scalars(
            select(SegmentRecord)
            .where(SegmentRecord.id == segment_id)
            .options(selectinload(SegmentRecord.flags), selectinload(SegmentRecord.proposal))
        ).one()
    return fresh_segment


class _Lost(Exception):
    """The compare-and-set on the version matched no row."""


def _decide(
    db: Database, doc_id: str, segment_id: int, decision: str, version: int, editor_id: int | None, text: str | None
) -> None:
    with db.session() as session:
        segment = session.scalars(
            select(SegmentRecord)
            .where(SegmentRecord.id == segment_id, SegmentRecord.document_id == doc_id)
            .options(selectinload(SegmentRecord.flags), selectinload(SegmentRecord.proposal))
        ).first()
        if segment is None:
            raise ReviewError(f"no sentence {segment_id} in this document")
        if segment.version != version:
            raise Conflict(segment)
        tgt_lang = session.scalar(select(Document.tgt_lang).where(Document.id == doc_id)) or "en"
        if decision == "undo":
            status, final = _previous_state(session, segment)
        elif decision == "accept":
            status, final = "accepted", segment.proposal.text if segment.proposal else segment.mt_text
        elif decision == "edit":
            if text is None or not text.strip():
                raise ReviewError("an edit needs the new text")
            status, final = "edited", text.strip()
        else:
            status, final = "rejected", segment.mt_text
        effort = _scorer(tgt_lang).score(segment.mt_text, final) if final is not None else None
        # Compare-and-set on the version: a concurrent save between our read and this write loses.
        result = session.execute(
            update(SegmentRecord)
            .where(SegmentRecord.id == segment.id, SegmentRecord.version == version)
            .values(
                status=status,
                final_text=final,
                version=version + 1,
                effort_char_distance=effort.char_distance if effort else None,
                effort_char_ratio=effort.char_ratio if effort else None,
                effort_ter=effort.ter if effort else None,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise _Lost
        session.add(
            Review(
                segment_id=segment.id,
                editor_id=editor_id,
                decision=decision,
                final_text=final,
                rules=sorted({f.rule for f in segment.flags}),
                segment_version=version + 1,
                char_distance=effort.char_distance if effort else None,
                char_ratio=effort.char_ratio if effort else None,
                ter=effort.ter if effort else None,
                created_at=utcnow(),
            )
        )


def _previous_state(session: Session, segment: SegmentRecord) -> tuple[str, str | None]:
    """The status and text before the latest (non-undone) decision."""
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
        return "open", None
    last = stack[-1]
    return STATUS_AFTER[last.decision], last.final_text


# --- totals and downloads --------------------------------------------------------------------------
def _corpus_ter(tgt_lang: str, hypotheses: list[str], references: list[str]) -> float:
    """Corpus TER (total edits over total reference words), not a mean of sentence TERs."""
    if not hypotheses:
        return 0.0
    return float(_scorer(tgt_lang).ter.corpus_score(hypotheses, [references]).score)


def effort_totals(document: Document) -> dict[str, Any]:
    """Document totals: the proposals' edit and the editors' real post-edit effort (decided sentences).

    Character ratios are total Levenshtein distance over total MT characters; TER is corpus TER.
    """
    decided = [s for s in document.segments if s.status != "open"]
    mt_chars = sum(len(s.mt_text) for s in decided)
    effort_chars = sum(s.effort_char_distance or 0 for s in decided)
    proposals = [s for s in document.segments if s.proposal is not None]
    proposal_mt_chars = sum(len(s.mt_text) for s in proposals)
    proposal_chars = sum(s.proposal.char_distance for s in proposals if s.proposal)
    return {
        "decided": len(decided),
        "segments": len(document.segments),
        "flagged": sum(1 for s in document.segments if s.flags),
        "flagged_decided": sum(1 for s in decided if s.flags),
        "effort_char_distance": effort_chars,
        "effort_char_ratio": round(effort_chars / mt_chars, 4) if mt_chars else 0.0,
        "effort_ter": round(
            _corpus_ter(document.tgt_lang, [s.mt_text for s in decided], [segment_target(s) for s in decided]), 2
        ),
        "proposal_char_distance": proposal_chars,
        "proposal_char_ratio": round(proposal_chars / proposal_mt_chars, 4) if proposal_mt_chars else 0.0,
        "proposal_ter": round(
            _corpus_ter(
                document.tgt_lang, [s.mt_text for s in proposals], [s.proposal.text for s in proposals if s.proposal]
            ),
            2,
        ),
    }


def segment_target(segment: SegmentRecord) -> str:
    return segment.final_text if segment.final_text is not None else segment.mt_text


def final_text(document: Document) -> str:
    """The MT text with every sentence replaced by its reviewed text (layout kept)."""
    out: list[str] = []
    cursor = 0
    for segment in sorted(document.segments, key=lambda s: s.start):
        out.append(document.mt_text[cursor : segment.start])
        out.append(segment_target(segment))
        cursor = segment.end
    out.append(document.mt_text[cursor:])
    return "".join(out)


def _paragraphs(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _final_paragraphs(document: Document) -> list[str]:
    return _paragraphs(final_text(document))


def aligned_source(document: Document) -> list[str] | None:
    """Source paragraphs when they align line by line with the MT's non-empty lines."""
    if not document.source_text:
        return None
    source = _paragraphs(document.source_text)
    return source if len(source) == len(_paragraphs(document.mt_text)) else None


XLIFF_STATE = {"open": "translated", "accepted": "reviewed", "edited": "reviewed", "rejected": "reviewed"}


def to_xliff(document: Document) -> bytes:
    """XLIFF 2.0: one unit per sentence; ``<source>`` is the aligned source paragraph (first sentence of
    each paragraph) or empty, the MT is kept in a note (category ``mt``), ``<target>`` is the final text,
    ``state``/``subState`` give the review decision."""
    ET.register_namespace("", XLIFF_NS)
    q = f"{{{XLIFF_NS}}}"
    root = ET.Element(
        f"{q}xliff", {"version": "2.0", "srcLang": document.src_lang or "und", "trgLang": document.tgt_lang}
    )
    file_el = ET.SubElement(root, f"{q}file", {"id": f"d{document.id}", "original": document.name})
    source = aligned_source(document)
    seen_paragraphs: set[int] = set()
    # Paragraph index among non-empty lines, for alignment with the source.
    para_rank = {p: i for i, p in enumerate(sorted({s.paragraph for s in document.segments}))}
    for segment in document.segments:
        unit = ET.SubElement(file_el, f"{q}unit", {"id": f"u{segment.position + 1}"})
        notes = ET.SubElement(unit, f"{q}notes")
        ET.SubElement(notes, f"{q}note", {"category": "mt"}).text = segment.mt_text
        if segment.proposal is not None:
            ET.SubElement(notes, f"{q}note", {"category": "proposal"}).text = segment.proposal.text
        for flag in segment.flags:
            ET.SubElement(
                notes, f"{q}note", {"category": f"flag:{flag.severity}", "priority": "1"}
            ).text = f"{flag.rule}: {flag.text} — {flag.message}"
        attrs = {"id": f"s{segment.position + 1}", "state": XLIFF_STATE[segment.status]}
        if segment.status != "open":
            attrs["subState"] = f"mt-audit:{segment.status}"
        seg_el = ET.SubElement(unit, f"{q}segment", attrs)
        src_el = ET.SubElement(seg_el, f"{q}source")
        rank = para_rank.get(segment.paragraph)
        if source is not None and rank is not None and rank not in seen_paragraphs and rank < len(source):
            src_el.text = source[rank]
            seen_paragraphs.add(rank)
        ET.SubElement(seg_el, f"{q}target").text = segment_target(segment)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_tmx(document: Document) -> bytes | None:
    """TMX 1.4, one translation unit per paragraph (source line -> reviewed target line); None without source."""
    source = aligned_source(document)
    if source is None:
        return None
    from audit import __version__

    root = ET.Element("tmx", {"version": "1.4"})
    ET.SubElement(
        root,
        "header",
        {
            "creationtool": "mt-audit",
            "creationtoolversion": __version__,
            "segtype": "paragraph",
            "o-tmf": "mt-audit",
            "adminlang": "en",
            "srclang": document.src_lang or "und",
            "datatype": "plaintext",
        },
    )
    body = ET.SubElement(root, "body")
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for src, tgt in zip(source, _final_paragraphs(document), strict=True):
        tu = ET.SubElement(body, "tu")
        for language, text in ((document.src_lang or "und", src), (document.tgt_lang, tgt)):
            tuv = ET.SubElement(tu, "tuv", {lang: language})
            ET.SubElement(tuv, "seg").text = text
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


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
