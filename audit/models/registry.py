"""Where models come from, and one loaded copy of each per registry.

A model is named by a short alias of a model shipped in a Python package (see
:data:`ALIASES`), a local directory, a ``.gguf`` file, or a Hugging Face model id.
Loading never downloads: hub ids resolve from the local Hugging Face cache only
(``local_files_only=True``) unless the caller opts in with ``allow_download=True``.
``mt-audit models download`` is the separate, explicit step that may call the hub.

:class:`ModelRegistry` is not a module-level singleton: the :class:`~audit.pipeline.Auditor`
holds one (or a caller passes one in), so models load lazily, once per registry, and are
dropped with it.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .sources import ALIASES, Alias, ModelSource, _distribution_file, resolve

if TYPE_CHECKING:
    from ..qe.detector import Detector
    from .causal import LanguageModel
    from .embeddings import Embedder
    from .seq2seq import Translator

__all__ = ["ALIASES", "Alias", "ModelRegistry", "ModelSource", "_distribution_file", "models_available", "resolve"]


def set_threads(threads: int | None) -> None:
    """Set torch's intra-op thread count (with a busy second core, 2 threads ran 6x slower than 1)."""
    if threads:
        import torch

        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


@dataclass
class ModelRegistry:
    """Loaded models keyed by (kind, name); each is loaded on first use, once.

    ``allow_download`` is passed to loaders (False: ``local_files_only=True``).
    """

    allow_download: bool = False
    threads: int | None = 1
    _loaded: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, kind: str, name: str, loader: Callable[[ModelSource, ModelRegistry], Any] | None = None) -> Any:
        key = (kind, name)
        with self._lock:
            if key in self._loaded:
                return self._loaded[key]
            set_threads(self.threads)
            _quiet_transformers()
            source = resolve(name)
            build = loader or _default_loader(kind)
            model = build(source, self)
            self._loaded[key] = model
            return model

    def loaded(self) -> list[tuple[str, str]]:
        return sorted(self._loaded)

    # typed shortcuts -----------------------------------------------------------------
    def translator(self, name: str, **options: Any) -> Translator:
        from .seq2seq import Translator

        return self.get("seq2seq", name, lambda s, r: Translator.load(s, local_only=not r.allow_download, **options))

    def language_model(self, name: str, **options: Any) -> LanguageModel:
        from .causal import LanguageModel

        return self.get("causal", name, lambda s, r: LanguageModel.load(s, local_only=not r.allow_download, **options))

    def embedder(self, name: str) -> Embedder:
        from .embeddings import Embedder

        return self.get("embedder", name, lambda s, r: Embedder.load(s, local_only=not r.allow_download))

    def detector(self, model_dir: str | None = None) -> Detector:
        """The learned error-span detector of ``model_dir`` (None: the shipped one); it loads its
        weights on first use (:class:`audit.qe.detector.Detector`)."""
        from ..qe.detector import Detector
        from ..qe.weights import shipped_detector_dir

        name = str(model_dir or shipped_detector_dir())
        return self.get("qe", name, lambda s, r: Detector(s.path, threads=r.threads))


def _default_loader(kind: str) -> Callable[[ModelSource, ModelRegistry], Any]:
    if kind == "seq2seq":
        from .seq2seq import Translator

        return lambda s, r: Translator.load(s, local_only=not r.allow_download)
    if kind == "causal":
        from .causal import LanguageModel

        return lambda s, r: LanguageModel.load(s, local_only=not r.allow_download)
    if kind == "embedder":
        from .embeddings import Embedder

        return lambda s, r: Embedder.load(s, local_only=not r.allow_download)
    raise ConfigError(f"unknown model kind {kind!r}", field="models")


def _quiet_transformers() -> None:
    """No progress bars on stderr from loading (the CLI's output stays readable)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover
        return
    hf_logging.disable_progress_bar()


def models_available() -> bool:
    """Whether the ``models`` extra (torch, transformers) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers"))
