"""Running the API under gunicorn, programmatically (``mt-audit serve``).

``preload_app`` is off: each worker builds its own app (database engine, limiter,
auditors), and the ``post_worker_init`` hook builds and warms the default auditor
(glossary automaton, rules, Harper) before the worker takes requests, so the models
load once per worker and ``/v1/health/ready`` answers 200 from the first request on. The
same hook starts the batch-job runner in the one worker that gets ``<jobs>/runner.lock``, so
unfinished jobs resume when the server starts (never in the master: forked workers would
inherit its lock).
"""

from __future__ import annotations

import json
import re
from typing import Any

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

#: What gunicorn refuses before the app sees a request, as the API's JSON error codes.
GUNICORN_ERRORS = {
    400: ("bad_request", "malformed HTTP request"),
    403: ("forbidden", "request forbidden"),
    414: ("uri_too_long", "the request line (method, path and query string) is longer than {line} bytes"),
    417: ("expectation_failed", "unsupported Expect header"),
    431: ("headers_too_large", "too many or too large request headers (at most {fields} fields of {field} bytes)"),
    500: ("internal_error", "internal server error"),
    501: ("not_implemented", "unsupported transfer coding"),
}
_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3}) ([^\r\n]*)")


class _Captured:
    """A stand-in socket for gunicorn's ``util.write_error``: keeps the bytes instead of sending them."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.data += data


class JsonErrorWorker(ThreadWorker):
    """gunicorn's gthread worker whose own errors (a request line over ``limit_request_line``: 414;
    too many headers: 431; a malformed request: 400) answer the API's JSON error body,
    ``{"error": {"code", "message"}}``, not gunicorn's HTML page."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        captured = _Captured()
        super().handle_error(req, captured, addr, exc)
        match = _STATUS_LINE.match(captured.data)
        status = int(match.group(1)) if match else 500
        reason = match.group(2).decode("latin-1") if match else "Internal Server Error"
        code, template = GUNICORN_ERRORS.get(status, ("http_error", reason))
        message = template.format(line=self.cfg.limit_request_line, fields=self.cfg.limit_request_fields,
                                  field=self.cfg.limit_request_field_size)
        body = json.dumps({"error": {"code": code, "message": message}}).encode()
        head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        try:
            util.write_nonblock(client, head + body)
        except OSError:
            self.log.debug("Failed to send error message.")


def post_worker_init(worker: Any) -> None:
    app = worker.wsgi
    ext = app.extensions["mt_audit"]
    ext.warm_default()
    if ext.start_jobs_runner():  # one worker (runner.lock) runs batch jobs and resumes unfinished ones
        worker.log.info("mt-audit worker %s runs the batch jobs", worker.pid)
    worker.log.info("mt-audit worker %s ready (default auditor warm)", worker.pid)


class ApiServer(BaseApplication):
    """gunicorn with the options of ``mt-audit serve``; the app comes from :func:`api.create_app`."""

    def __init__(self, options: dict[str, Any], app_config: dict[str, Any] | None = None) -> None:
        self.options = options
        self.app_config = app_config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)
        self.cfg.set("post_worker_init", post_worker_init)
        if self.cfg.worker_class_str == "gthread":  # the same worker, with JSON errors
            self.cfg.set("worker_class", "api.server.JsonErrorWorker")

    def load(self) -> Any:
        from . import create_app

        return create_app(self.app_config)
