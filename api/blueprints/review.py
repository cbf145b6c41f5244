"""The editors' review pages (server-rendered Jinja, a little plain JS in ``static/review.js``).

Editors log in with a user name and password (``mt-audit users create``); a signed session
cookie (HttpOnly, SameSite=Lax) carries the user id, and every POST is checked for a CSRF
token (Flask-WTF). Access: editors and admins see every stored document (the queue is
shared, not assigned); translators are refused (403) on every review page, so a review
URL never tells a translator whether the document exists. Each decision is one
transaction, committed before the answer; a stale ``version`` answers 409 ``conflict``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup, escape
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from audit.diff import word_diff
from audit.learning import Thresholds

from ..errors import error_response
from ..extension import services
from ..storage.learning import set_override, team_rule_states, teams
from ..storage.models import REJECT_REASONS, RULE_MODES, Document, FlagRecord, SegmentRecord, User
from ..storage.reviews import (
    MAX_COMMENT_CHARS,
    MAX_EDIT_CHARS,
    MAX_REASON_CHARS,
    Conflict,
    Decision,
    ReviewError,
    add_comment,
    authenticate,
    decide,
    document_totals,
    edit_limit,
    effort_totals,
    final_text,
    load_document,
    load_segment,
    queue,
    to_tmx,
    to_xliff,
    to_xliff12,
    usernames,
)

bp = Blueprint("review", __name__, url_prefix="/review", template_folder="../templates", static_folder="../static")
csrf = CSRFProtect()
REVIEW_ROLES = ("editor", "admin")
SEVERITY_ORDER = ("critical", "major", "minor")


def init_review(app: Flask) -> None:
    """Secret key, cookie flags and CSRF for the review pages (the JSON API keeps bearer keys only)."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # CSRF is checked in this blueprint only (the API is authenticated by bearer keys, not cookies).
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session
    app.config.setdefault("BASE_URL", None)
    csrf.init_app(app)


def _instance_secret(app: Flask) -> str:
    """A random key kept in the instance folder, shared by every worker and kept across restarts."""
    path = Path(app.instance_path) / "secret_key"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key)
        return key
    except OSError:
        return secrets.token_hex(32)


def review_url(doc_id: str) -> str:
    """Absolute URL of a document's review page (``MT_AUDIT_BASE_URL`` when set, else this request's host)."""
    base = current_app.config.get("BASE_URL") or os.environ.get("MT_AUDIT_BASE_URL")
    path = url_for("review.document", doc_id=doc_id)
    if base:
        return base.rstrip("/") + path
    return url_for("review.document", doc_id=doc_id, _external=True)


# --- authentication -----------------------------------------------------------------------------
def _wants_json() -> bool:
    return request.method != "GET" and not request.path.endswith(("/login", "/logout"))


@bp.before_request
def _load_user() -> Any:
    g.user = None
    user_id = session.get("user_id")
    if user_id is not None:
        with services().db.session() as db_session:
            user = db_session.get(User, user_id)
            if user is not None and user.disabled_at is None:
                g.user = user
    if request.method == "POST":
        csrf.protect()
    return None


def login_required(view: Any) -> Any:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.user is None:
            if _wants_json():
                abort(401, "log in first: your session has ended")
            return redirect(url_for("review.login", next=request.full_path.rstrip("?")))
        if g.user.role not in REVIEW_ROLES:
            abort(403, f"reviewing needs the editor role; {g.user.username} is a {g.user.role}")
        return view(*args, **kwargs)

    return wrapped


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/review") and not urlsplit(target).netloc and "//" not in target:
        return target
    return url_for("review.queue_page")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        user = authenticate(services().db, request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            error = "Wrong user name or password."
        else:
            session.clear()
            session["user_id"] = user.id
            session.permanent = False
            return redirect(_safe_next(request.form.get("next")))
    status = 401 if error else 200
    return render_template("review/login.html", error=error, next=request.values.get("next", "")), status


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("review.login"))


# --- pages --------------------------------------------------------------------------------------
@bp.get("/")
@login_required
def queue_page() -> Any:
    pair = request.args.get("pair") or None
    severity = request.args.get("severity") or None
    category = request.args.get("category") or None
    project = request.args.get("project") or None
    with services().db.session() as db_session:
        rows = queue(db_session, pair=pair, severity=severity, category=category, project=project)
        projects = sorted(p for p in db_session.scalars(select(Document.project).distinct()) if p)
        pairs = sorted(
            {f"{s or 'any'}-{t}" for s, t in db_session.execute(select(Document.src_lang, Document.tgt_lang))}
        )
        categories = sorted({c.split("/")[0] for c in db_session.scalars(select(FlagRecord.category).distinct())})
    return render_template(
        "review/queue.html",
        rows=rows,
        pairs=pairs,
        categories=categories,
        severities=SEVERITY_ORDER,
        projects=projects,
        filters={"pair": pair or "", "severity": severity or "", "category": category or "",
                 "project": project or ""},
    )


def _document_or_404(doc_id: str) -> Document:
    with services().db.session() as db_session:
        document = load_document(db_session, doc_id)
    if document is None:
        abort(404, "no such document")
    return document


@bp.get("/documents/<doc_id>")
@login_required
def document(doc_id: str) -> Any:
    doc = _document_or_404(doc_id)
    with services().db.session() as db_session:
        names = usernames(db_session, doc.segments)
    info = DocInfo.of(doc)
    segments = [segment_view(s, info, names) for s in doc.segments]
    return render_template(
        "review/document.html",
        doc=doc,
        segments=segments,
        totals=effort_totals(doc),
        has_source=to_tmx(doc) is not None,
        with_source=any(s["source"] is not None for s in segments),
        facets=_facets(doc),
        reasons=REJECT_REASONS,
        limits={"comment": MAX_COMMENT_CHARS, "reason": MAX_REASON_CHARS},
        states=("open", "accepted", "edited", "rejected"),
    )


def _facets(doc: Document) -> dict[str, list[str]]:
    """The values the sentence filters offer: severities, categories and rules present in the document."""
    flags = [f for s in doc.segments for f in s.flags]
    return {
        "severities": [s for s in SEVERITY_ORDER if any(f.severity == s for f in flags)],
        "categories": sorted({f.category.split("/")[0] for f in flags}),
        "rules": sorted({f.rule for f in flags}),
    }


def _json_body() -> dict[str, Any]:
    raw = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(raw, dict):
        abort(400, "send a JSON object")
    return raw


def _optional_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        abort(400, f"{name}: a string")
    return value or None


def _doc_info_or_404(doc_id: str) -> DocInfo:
    """The document's id, languages and source, without its sentences (a decision touches one)."""
    with services().db.session() as db_session:
        row = db_session.execute(
            select(Document.id, Document.src_lang, Document.tgt_lang, Document.source_text).where(Document.id == doc_id)
        ).first()
    if row is None:
        abort(404, "no such document")
    return DocInfo(*row)


def _segment_answer(segment: SegmentRecord, info: DocInfo, with_totals: bool = True) -> dict[str, Any]:
    with services().db.session() as db_session:
        names = usernames(db_session, [segment])
        totals = document_totals(db_session, info.id) if with_totals else None
    view = segment_view(segment, info, names)
    answer: dict[str, Any] = {
        "segment": {
            "id": segment.id,
            "status": segment.status,
            "version": segment.version,
            "final_text": segment.final_text,
            "effort": view["effort"],
            "decided_by": view["decided_by"],
            "comments": len(segment.comments),
        },
        "html": render_template("review/_segment.html", s=view, doc=info, reasons=REJECT_REASONS),
    }
    if totals is not None:
        answer["totals"] = totals
    return answer


def _max_edit_chars() -> int:
    return int(current_app.config.get("REVIEW_MAX_EDIT_CHARS") or MAX_EDIT_CHARS)


@bp.post("/documents/<doc_id>/segments/<int:segment_id>")
@login_required
def decision(doc_id: str, segment_id: int) -> Any:
    """Record a decision: JSON ``{decision, version, text?, reason?, reason_text?}``; answers the new segment."""
    body = _json_body()
    try:
        version = int(body.get("version"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        abort(400, "version: the segment version you saw is required")
    wanted = Decision(
        str(body.get("decision", "")),
        version,
        _optional_str(body, "text"),
        _optional_str(body, "reason"),
        _optional_str(body, "reason_text"),
    )
    info = _doc_info_or_404(doc_id)
    try:
        segment = decide(services().db, doc_id, segment_id, wanted, editor_id=g.user.id,
                         max_edit_chars=_max_edit_chars())
    except Conflict as exc:
        response = error_response(409, "conflict", str(exc))
        payload = response.get_json()
        payload["error"]["current"] = exc.current
        with services().db.session() as db_session:
            fresh = load_segment(db_session, segment_id)
        payload["error"]["html"] = _segment_answer(fresh, info, with_totals=False)["html"]
        response.set_data(current_app.json.dumps(payload))
        return response
    except ReviewError as exc:
        return error_response(422, "invalid_decision", str(exc))
    return _segment_answer(segment, info)


@bp.get("/documents/<doc_id>/segments/<int:segment_id>")
@login_required
def segment_page(doc_id: str, segment_id: int) -> Any:
    """One sentence as it is now (JSON with its HTML): what "take theirs" shows after a conflict."""
    info = _doc_info_or_404(doc_id)
    with services().db.session() as db_session:
        found = db_session.scalar(
            select(SegmentRecord.id).where(SegmentRecord.id == segment_id, SegmentRecord.document_id == doc_id)
        )
        if found is None:
            abort(404, "no such sentence in this document")
        segment = load_segment(db_session, segment_id)
    return _segment_answer(segment, info)


@bp.post("/documents/<doc_id>/segments/<int:segment_id>/comments")
@login_required
def comment(doc_id: str, segment_id: int) -> Any:
    """Add to a sentence's comment thread: JSON ``{body}``; answers the sentence with its thread."""
    body = _optional_str(_json_body(), "body") or ""
    info = _doc_info_or_404(doc_id)
    try:
        segment = add_comment(services().db, doc_id, segment_id, g.user.id, body)
    except ReviewError as exc:
        return error_response(422, "invalid_comment", str(exc))
    return _segment_answer(segment, info, with_totals=False)


DOWNLOADS = {
    "txt": "text/plain; charset=utf-8",
    "xlf": "application/xliff+xml",
    "tmx": "application/x-tmx+xml",
}


@bp.get("/documents/<doc_id>/download.<fmt>")
@login_required
def download(doc_id: str, fmt: str) -> Any:
    """``download.txt``, ``download.xlf`` (XLIFF 2.0; ``?version=1.2`` for XLIFF 1.2), ``download.tmx``."""
    if fmt not in DOWNLOADS:
        abort(404, "downloads: .txt, .xlf (?version=1.2 for XLIFF 1.2), .tmx")
    doc = _document_or_404(doc_id)
    stem = Path(doc.name).stem or "document"
    with services().db.session() as db_session:
        names = usernames(db_session, doc.segments)
    if fmt == "txt":
        body, name = final_text(doc).encode("utf-8"), f"{stem}.reviewed.txt"
    elif fmt == "xlf":
        version = request.args.get("version", "2.0")
        if version not in ("2.0", "1.2"):
            abort(400, "version: 2.0 or 1.2")
        body = to_xliff12(doc, names) if version == "1.2" else to_xliff(doc, names)
        name = f"{stem}.xliff12.xlf" if version == "1.2" else f"{stem}.xlf"
    else:
        tmx = to_tmx(doc)
        if tmx is None:
            abort(404, "no TMX: this document was stored without a source text (or its lines do not align)")
        body, name = tmx, f"{stem}.tmx"
    return Response(body, mimetype=DOWNLOADS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- what the team's decisions taught: the rules page ------------------------------------------------
def learning_thresholds() -> Thresholds:
    """``REVIEW_LEARNING`` (``MT_AUDIT_REVIEW_LEARNING='{"window": 50, "min_decisions": 10, ...}'``)."""
    try:
        return Thresholds.from_mapping(current_app.config.get("REVIEW_LEARNING"))
    except ValueError as exc:
        abort(500, f"REVIEW_LEARNING: {exc}")


@bp.get("/rules")
@login_required
def rules_page() -> Any:
    thresholds = learning_thresholds()
    with services().db.session() as db_session:
        known = teams(db_session)
        team = request.args.get("team") or (known[0] if known else "default")
        if len(team) > 120:
            abort(400, "team: at most 120 characters")
        states = team_rule_states(db_session, team, thresholds)
    return render_template(
        "review/rules.html", team=team, teams=sorted({*known, team}), states=list(states.values()),
        thresholds=thresholds, modes=RULE_MODES,
    )


@bp.post("/rules")
@login_required
def rule_override() -> Any:
    """An editor's override of one rule for one team (a form, or JSON ``{team, rule, mode}``)."""
    body = _json_body()
    team, rule, mode = (str(body.get(k) or "") for k in ("team", "rule", "mode"))
    try:
        with services().db.session() as db_session:
            set_override(db_session, team, rule, mode, g.user.id)
    except ValueError as exc:
        return error_response(422, "invalid_override", str(exc))
    if request.is_json:
        with services().db.session() as db_session:
            state = team_rule_states(db_session, team, learning_thresholds()).get(rule)
        return {"rule": state.to_dict() if state else None}
    return redirect(url_for("review.rules_page", team=team))


# --- views of segments ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DocInfo:
    """What a sentence's view needs of its document."""

    id: str
    src_lang: str | None
    tgt_lang: str
    source_text: str | None

    @classmethod
    def of(cls, doc: Document) -> DocInfo:
        return cls(doc.id, doc.src_lang, doc.tgt_lang, doc.source_text)


def _marked(text: str, spans: list[tuple[int, int, str, str]], css: str) -> Markup:
    """``text`` with each (start, end, severity, title) span in a <mark> (overlaps: the first one wins)."""
    out: list[str] = []
    cursor = 0
    for index, (start, end, severity, title) in enumerate(sorted(spans, key=lambda s: (s[0], -s[1]))):
        if start < cursor or end > len(text) or end <= start:
            continue
        out.append(str(escape(text[cursor:start])))
        out.append(
            f'<mark class="{css} sev-{escape(severity)}" data-flag="{index}" title="{escape(title)}">'
            f"{escape(text[start:end])}</mark>"
        )
        cursor = end
    out.append(str(escape(text[cursor:])))
    return Markup("".join(out))


def highlight(segment: SegmentRecord) -> Markup:
    """The MT sentence with each flag's span in a <mark> (overlapping flags: the first one wins)."""
    spans = [(f.start, f.end, f.severity, f"{f.rule}: {f.message}") for f in segment.flags]
    return _marked(segment.mt_text, spans, "flag")


def source_view(segment: SegmentRecord, info: DocInfo) -> Markup | None:
    """The aligned source sentence with the source evidence of source-aware flags highlighted."""
    if info.source_text is None or segment.source_start is None or segment.source_end is None:
        return None
    base = segment.source_start
    text = info.source_text[base : segment.source_end]
    spans = [
        (f.source_start - base, f.source_end - base, f.severity, f"{f.rule}: {f.message}")
        for f in segment.flags
        if f.source_start is not None and f.source_end is not None
    ]
    return _marked(text, spans, "src-flag")


def _punct_marks(text: str) -> str:
    """Escaped text with each punctuation mark boxed, so a changed mark is visible inside a change."""
    return "".join(
        f'<span class="pm">{escape(c)}</span>' if not (c.isalnum() or c.isspace()) else str(escape(c)) for c in text
    )


def diff_html(old: str, new: str) -> Markup:
    """The word diff as <del>/<ins>; punctuation-only changes boxed and named (``hyphen-minus → en dash``)."""
    parts = []
    pieces = word_diff(old, new)
    for piece in pieces:
        if piece.op == "equal":
            parts.append(str(escape(piece.text)))
            continue
        tag = "del" if piece.op == "delete" else "ins"
        if piece.punct:
            parts.append(f'<{tag} class="punct" title="{escape(piece.note or "")}">{escape(piece.text)}</{tag}>')
        else:
            parts.append(f"<{tag}>{_punct_marks(piece.text)}</{tag}>")
    notes = list(dict.fromkeys(p.note for p in pieces if p.punct and p.note))
    if notes:
        parts.append(f' <span class="punct-note">punctuation: {escape("; ".join(notes))}</span>')
    return Markup("".join(parts))


def segment_view(segment: SegmentRecord, info: DocInfo, names: dict[int, str] | None = None) -> dict[str, Any]:
    names = names or {}
    proposal = segment.proposal
    final = segment.final_text
    flags = sorted(segment.flags, key=lambda f: f.start)
    return {
        "id": segment.id,
        "number": segment.position + 1,
        "status": segment.status,
        "version": segment.version,
        "mt": segment.mt_text,
        "highlighted": highlight(segment),
        "source": source_view(segment, info),
        "flags": flags,
        "flagged": bool(flags),
        "severity": next((s for s in SEVERITY_ORDER if any(f.severity == s for f in flags)), None),
        "severities": " ".join(sorted({f.severity for f in flags})),
        "categories": "|".join(sorted({f.category.split("/")[0] for f in flags})),
        "rules": "|".join(sorted({f.rule for f in flags})),
        "proposal": proposal.text if proposal else None,
        "proposal_diff": diff_html(segment.mt_text, proposal.text) if proposal else None,
        "proposal_edit": {"char_ratio": proposal.char_ratio, "ter": proposal.ter} if proposal else None,
        "final": final,
        "final_diff": diff_html(segment.mt_text, final) if final is not None and final != segment.mt_text else None,
        "effort": {
            "char_distance": segment.effort_char_distance,
            "char_ratio": segment.effort_char_ratio,
            "ter": segment.effort_ter,
        }
        if segment.status != "open"
        else None,
        "decided_by": names.get(segment.decided_by) if segment.decided_by is not None else None,
        "decided_at": segment.decided_at,
        "reason": REJECT_REASONS.get(segment.reason or "", segment.reason) if segment.reason else None,
        "reason_text": segment.reason_text,
        "comments": [
            {"author": names.get(c.author_id, "unknown") if c.author_id is not None else "unknown",
             "body": c.body, "at": c.created_at}
            for c in segment.comments
        ],
        "max_edit": edit_limit(segment.mt_text, _max_edit_chars()),
    }


# --- errors: pages get HTML, the decision endpoint JSON ---------------------------------------------
@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError) -> Any:
    message = f"CSRF check failed: {exc.description} Reload the page and try again."
    if _wants_json():
        return error_response(400, "csrf_failed", message)
    return render_template("review/error.html", status=400, message=message), 400


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        exc.description = (
            f"too large: this request has more than {limit:,} bytes. One sentence's edit may have at most "
            f"{_max_edit_chars():,} characters (or twice its MT's length)"
            if limit
            else "too large"
        )
    if _wants_json():
        codes = {401: "unauthorized", 403: "forbidden", 404: "not_found", 400: "bad_request"}
        return error_response(status, codes.get(status, "http_error"), exc.description or exc.name)
    return render_template("review/error.html", status=status, message=exc.description or exc.name), status
