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

from ..errors import error_response
from ..extension import services
from ..storage.models import Document, FlagRecord, SegmentRecord, User
from ..storage.reviews import (
    Conflict,
    ReviewError,
    authenticate,
    decide,
    effort_totals,
    final_text,
    load_document,
    queue,
    to_tmx,
    to_xliff,
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
    with services().db.session() as db_session:
        rows = queue(db_session, pair=pair, severity=severity, category=category)
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
        filters={"pair": pair or "", "severity": severity or "", "category": category or ""},
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
    return render_template(
        "review/document.html",
        doc=doc,
        segments=[segment_view(s) for s in doc.segments],
        totals=effort_totals(doc),
        has_source=to_tmx(doc) is not None,
    )


@bp.post("/documents/<doc_id>/segments/<int:segment_id>")
@login_required
def decision(doc_id: str, segment_id: int) -> Any:
    """Record a decision: JSON ``{decision, version, text?}`` (or a form); answers the new segment."""
    raw = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(raw, dict):
        abort(400, "send JSON {decision, version, text}")
    body: dict[str, Any] = raw
    try:
        version = int(body.get("version"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        abort(400, "version: the segment version you saw is required")
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        abort(400, "text: a string")
    _document_or_404(doc_id)
    try:
        segment = decide(
            services().db,
            doc_id,
            segment_id,
            str(body.get("decision", "")),
            version,
            g.user.id,
            text,
        )
    except Conflict as exc:
        response = error_response(409, "conflict", str(exc))
        payload = response.get_json()
        payload["error"]["current"] = exc.current
        response.set_data(current_app.json.dumps(payload))
        return response
    except ReviewError as exc:
        return error_response(422, "invalid_decision", str(exc))
    doc = _document_or_404(doc_id)
    view = segment_view(segment)
    return {
        "segment": {
            "id": segment.id,
            "status": segment.status,
            "version": segment.version,
            "final_text": segment.final_text,
            "effort": view["effort"],
        },
        "html": render_template("review/_segment.html", s=view, doc=doc),
        "totals": effort_totals(doc),
    }


@bp.get("/documents/<doc_id>/download.<fmt>")
@login_required
def download(doc_id: str, fmt: str) -> Any:
    doc = _document_or_404(doc_id)
    stem = Path(doc.name).stem or "document"
    if fmt == "txt":
        body, mimetype, name = final_text(doc).encode("utf-8"), "text/plain; charset=utf-8", f"{stem}.reviewed.txt"
    elif fmt == "xlf":
        body, mimetype, name = to_xliff(doc), "application/xliff+xml", f"{stem}.xlf"
    elif fmt == "tmx":
        tmx = to_tmx(doc)
        if tmx is None:
            abort(404, "no TMX: this document was stored without a source text (or its lines do not align)")
        body, mimetype, name = tmx, "application/x-tmx+xml", f"{stem}.tmx"
    else:
        abort(404, "downloads: .txt, .xlf, .tmx")
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- views of segments ----------------------------------------------------------------------------
def highlight(segment: SegmentRecord) -> Markup:
    """The MT sentence with each flag's span in a <mark> (overlapping flags: the first one wins)."""
    text = segment.mt_text
    out: list[str] = []
    cursor = 0
    for index, flag in enumerate(sorted(segment.flags, key=lambda f: (f.start, -f.end))):
        if flag.start < cursor or flag.end > len(text):
            continue
        out.append(str(escape(text[cursor : flag.start])))
        out.append(
            f'<mark class="flag sev-{escape(flag.severity)}" data-flag="{index}" '
            f'title="{escape(flag.rule)}: {escape(flag.message)}">{escape(text[flag.start : flag.end])}</mark>'
        )
        cursor = flag.end
    out.append(str(escape(text[cursor:])))
    return Markup("".join(out))


def diff_html(old: str, new: str) -> Markup:
    parts = []
    for piece in word_diff(old, new):
        if piece.op == "equal":
            parts.append(str(escape(piece.text)))
        elif piece.op == "delete":
            parts.append(f"<del>{escape(piece.text)}</del>")
        else:
            parts.append(f"<ins>{escape(piece.text)}</ins>")
    return Markup("".join(parts))


def segment_view(segment: SegmentRecord) -> dict[str, Any]:
    proposal = segment.proposal
    final = segment.final_text
    return {
        "id": segment.id,
        "number": segment.position + 1,
        "status": segment.status,
        "version": segment.version,
        "mt": segment.mt_text,
        "highlighted": highlight(segment),
        "flags": sorted(segment.flags, key=lambda f: f.start),
        "flagged": bool(segment.flags),
        "severity": next((s for s in SEVERITY_ORDER if any(f.severity == s for f in segment.flags)), None),
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
    if _wants_json():
        codes = {401: "unauthorized", 403: "forbidden", 404: "not_found", 400: "bad_request"}
        return error_response(status, codes.get(status, "http_error"), exc.description or exc.name)
    return render_template("review/error.html", status=status, message=exc.description or exc.name), status
