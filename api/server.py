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

from typing import Any

from gunicorn.app.base import BaseApplication


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

    def load(self) -> Any:
        from . import create_app

        return create_app(self.app_config)
