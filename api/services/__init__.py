"""Services the API attaches to the app once per process: glossaries, auditors."""

from .auditors import AuditorKey, AuditorRegistry, make_key
from .glossaries import GlossaryService, LoadedGlossary

__all__ = ["AuditorKey", "AuditorRegistry", "GlossaryService", "LoadedGlossary", "make_key"]
