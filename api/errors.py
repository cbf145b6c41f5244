"""Every error answers JSON ``{"error": {"code", "message", "field"?}}`` with its status.

Library errors (:class:`audit.errors.AuditError`) become 422 naming the field; HTTP
errors keep their status and headers (``Allow`` on 405, ``Retry-After`` on 429);
anything unexpected is logged and answered 500 ``internal_error`` without details.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify
from werkzeug.exceptions import HTTPException

from audit.errors import AuditError, ConfigError, GlossaryError, InputError
from audit.limits import TextTooLong, TimeLimitExceeded

#: Status -> error code for errors raised by Flask/Werkzeug itself.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "invalid_field",
    429: "rate_limited",
    431: "headers_too_large",
    500: "internal_error",
    503: "unavailable",
}
#: Fields whose invalid value means "this language pair is not supported".
LANGUAGE_FIELDS = frozenset({"src_lang", "tgt_lang"})


class ApiError(Exception):
    """An error answered as JSON; raise it anywhere in a request."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    response = jsonify(error_body(code, message, field))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_audit_error(exc: AuditError, field_prefix: str = "") -> ApiError:
    """Map a library error onto a 422 naming the request field."""
    field = exc.field
    if isinstance(exc, TextTooLong):
        name = f"{field_prefix}{field}" if field else "text"
        return ApiError(413, "text_too_long",
                        f"{exc.length} characters, over this server's limit of {exc.limit} (MT_AUDIT_MAX_TEXT_CHARS); "
                        "split the text into several requests", name)
    if isinstance(exc, TimeLimitExceeded):
        return ApiError(503, "time_limit_exceeded",
                        f"the audit took longer than this server's limit of {exc.seconds:g} s "
                        "(MT_AUDIT_TIME_LIMIT_SECONDS) and was stopped; send a shorter text", "text")
    if isinstance(exc, ConfigError):
        if field in LANGUAGE_FIELDS:
            return ApiError(422, "unsupported_language_pair", exc.message, field)
        return ApiError(422, "invalid_field", exc.message, f"{field_prefix}{field}" if field else None)
    if isinstance(exc, InputError):
        return ApiError(422, "invalid_text", exc.message, "text")
    if isinstance(exc, GlossaryError):
        return ApiError(422, "invalid_glossary", exc.describe(), "file")
    return ApiError(422, "invalid_input", exc.describe(), field)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)

    @app.errorhandler(AuditError)
    def _audit_error(exc: AuditError) -> Response:
        return _api_error(from_audit_error(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        # Keep the exception's own headers (Allow on 405, WWW-Authenticate, ...), not its HTML body.
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        message = exc.description or exc.name
        if status == 429:
            message = f"rate limit exceeded: {exc.description}; retry after the time in Retry-After"
        elif status == 413:
            limit = current_app.config.get("MAX_CONTENT_LENGTH")
            message = f"request body too large (limit {limit} bytes)" if limit else "request body too large"
        return error_response(status, HTTP_CODES.get(status, "http_error"), message, None, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        current_app.logger.exception("unhandled error")
        return error_response(500, "internal_error", "internal server error")
