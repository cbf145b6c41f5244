"""Sentence embeddings for the adequacy guard (all-MiniLM-L6-v2 by default).

Plain transformers ``AutoModel`` + mean pooling + L2 normalisation, which is what the
sentence-transformers configuration of all-MiniLM-L6-v2 does, so sentence-transformers is
not needed. A cosine from this model catches gross inventions and truncations only (a
correct correction can score 0.70 and a reversed one 0.90): :mod:`audit.models.guards`
adds the lexical checks that catch the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from .sources import ModelSource


@dataclass
class Embedder:
    model: Any
    tokenizer: Any
    name: str
    prefix: str = ""  # e5 models want "query: "

    @classmethod
    def load(cls, source: ModelSource, local_only: bool = True, **_: Any) -> Embedder:
        try:
            from transformers import AutoModel, AutoTokenizer
        except ImportError as exc:  # pragma: no cover
            raise ConfigError(f"the models extra is not installed: {exc}", field="models") from None
        try:
            tokenizer = AutoTokenizer.from_pretrained(source.location, local_files_only=local_only)
            model = AutoModel.from_pretrained(source.location, local_files_only=local_only)
        except OSError as exc:
            raise ConfigError(f"cannot load embedder {source.name!r}: {exc}", field="models") from None
        model.eval()
        prefix = "query: " if "e5" in source.name.lower() else ""
        return cls(model, tokenizer, source.name, prefix)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> Any:
        import torch

        chunks = []
        for begin in range(0, len(texts), batch_size):
            batch = [self.prefix + t for t in texts[begin:begin + batch_size]]
            enc = self.tokenizer(batch, padding=True, truncation=True, max_length=256, return_tensors="pt")
            with torch.inference_mode():
                hidden = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            chunks.append(torch.nn.functional.normalize(pooled, dim=-1))
        return torch.cat(chunks) if chunks else torch.empty(0)

    def similarity(self, a: str, others: Sequence[str]) -> list[float]:
        """Cosine of ``a`` with each of ``others``."""
        vectors = self.encode([a, *others])
        return (vectors[1:] @ vectors[0]).tolist()
