"""One blueprint per resource."""

from .audit import bp as audit_bp
from .docs import bp as docs_bp
from .glossaries import bp as glossaries_bp
from .health import bp as health_bp
from .jobs import bp as jobs_bp
from .keys import bp as keys_bp
from .score import bp as score_bp

ALL = (audit_bp, score_bp, glossaries_bp, jobs_bp, keys_bp, health_bp, docs_bp)

__all__ = ["ALL"]
