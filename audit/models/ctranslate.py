"""CTranslate2 (int8 on CPU) for the same seq2seq and causal models.

A model is converted on first use and cached on disk (``$MT_AUDIT_CACHE`` or
``~/.cache/mt-audit/ct2/``, keyed by the model's location and modification time). GGUF
weights loaded by transformers cannot be ``save_pretrained`` directly, so the dequantized
state dict is loaded into a model rebuilt from the config, saved, then converted.

CTranslate2 has no logits-processor hook, so glossary constraints are met by prefix
forcing: when the unconstrained best translation lacks a term, decoding is re-run with
``target_prefix`` = (the best hypothesis up to an insertion point) + (the term's tokens) at
a few insertion points, and the highest-scoring completion that contains every term wins.
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .causal import Scored, _words
from .sources import ModelSource


def cache_dir() -> Path:
    root = os.environ.get("MT_AUDIT_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "mt-audit" / "ct2"


def _key(source: ModelSource, quantization: str) -> str:
    where = source.path if source.path is not None else source.location
    stamp = ""
    if source.path is not None:
        target = source.path
        stamp = str(max((p.stat().st_mtime for p in target.rglob("*")), default=0)) if target.is_dir() \
            else str(target.stat().st_mtime)
    digest = hashlib.sha256(f"{where}|{stamp}|{quantization}".encode()).hexdigest()[:16]
    return f"{Path(str(where)).name}-{quantization}-{digest}"


def convert(source: ModelSource, kind: str, local_only: bool = True, quantization: str = "int8",
            out_dir: Path | None = None) -> Path:
    """Convert ``source`` to CTranslate2 (cached); returns the converted directory (with the tokenizer)."""
    try:
        import ctranslate2  # noqa: F401
        from ctranslate2.converters import TransformersConverter
    except ImportError as exc:  # pragma: no cover
        raise ConfigError(f"ctranslate2 is not installed: {exc}", field="models") from None
    target = out_dir or cache_dir() / _key(source, quantization)
    if (target / "model.bin").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mt-audit-ct2-") as tmp:
        hf_dir = Path(tmp) / "hf"
        if source.gguf_file:
            _save_dequantized(source, hf_dir, local_only)
        elif source.path is not None:
            hf_dir = source.path
        else:
            from huggingface_hub import snapshot_download

            hf_dir = Path(snapshot_download(source.location, local_files_only=local_only))
        staging = Path(tmp) / "ct2"
        TransformersConverter(str(hf_dir), load_as_float16=False).convert(str(staging), quantization=quantization)
        from transformers import AutoTokenizer

        AutoTokenizer.from_pretrained(str(hf_dir), local_files_only=True).save_pretrained(str(staging))
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staging), str(target))
    return target


def _save_dequantized(source: ModelSource, out: Path, local_only: bool) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = {"gguf_file": source.gguf_file, "local_files_only": local_only}
    loaded = AutoModelForCausalLM.from_pretrained(source.location, dtype=torch.float32, **kwargs)
    config = copy.deepcopy(loaded.config)
    if hasattr(config, "quantization_config"):  # the GGUF quantization is gone once dequantized
        del config.quantization_config
    rebuilt = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    rebuilt.load_state_dict(loaded.state_dict(), strict=False)
    rebuilt.generation_config = loaded.generation_config
    rebuilt.save_pretrained(out)
    AutoTokenizer.from_pretrained(source.location, **kwargs).save_pretrained(out)


@dataclass
class CT2LanguageModel:
    """Surprisal scoring with ``ctranslate2.Generator.score_batch`` (same interface as LanguageModel.score)."""

    generator: Any
    tokenizer: Any
    name: str

    @classmethod
    def load(cls, source: ModelSource, local_only: bool = True, threads: int = 1, **_: Any) -> CT2LanguageModel:
        import ctranslate2
        from transformers import AutoTokenizer

        path = convert(source, "causal", local_only)
        generator = ctranslate2.Generator(str(path), device="cpu", compute_type="int8", intra_threads=threads)
        return cls(generator, AutoTokenizer.from_pretrained(str(path), local_files_only=True), source.name)

    @property
    def start_token(self) -> str:
        tok = self.tokenizer
        for candidate in (tok.bos_token, tok.eos_token, tok.pad_token):
            if candidate is not None:
                return str(candidate)
        return str(tok.convert_ids_to_tokens(0))  # pragma: no cover

    def score(self, texts: Sequence[str], batch_size: int = 8) -> list[Scored]:
        enc = self.tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True)
        tokens = [[self.start_token, *self.tokenizer.convert_ids_to_tokens(ids)] for ids in enc["input_ids"]]
        results = self.generator.score_batch(tokens, max_batch_size=batch_size)
        out = []
        for i, (text, result) in enumerate(zip(texts, results, strict=True)):
            surprisals = [-lp for lp in result.log_probs]
            out.append(Scored(text, tuple(surprisals), tuple(_words(text, enc["offset_mapping"][i], surprisals))))
        return out


@dataclass
class CT2Translator:
    """Seq2seq translation with ``ctranslate2.Translator`` (same interface as seq2seq.Translator)."""

    translator: Any
    tokenizer: Any
    name: str
    family: str = "marian"

    @classmethod
    def load(cls, source: ModelSource, local_only: bool = True, threads: int = 1, **_: Any) -> CT2Translator:
        import ctranslate2
        from transformers import AutoTokenizer

        path = convert(source, "seq2seq", local_only)
        translator = ctranslate2.Translator(str(path), device="cpu", compute_type="int8", intra_threads=threads)
        return cls(translator, AutoTokenizer.from_pretrained(str(path), local_files_only=True), source.name)

    def _target_tokens(self, phrase: str) -> list[str]:
        ids = self.tokenizer(text_target=phrase, add_special_tokens=False)["input_ids"]
        return self.tokenizer.convert_ids_to_tokens(ids)

    def translate(self, texts: Sequence[str], constraints: Sequence[Sequence[str]] | None = None, *,
                  src_lang: str | None = None, tgt_lang: str | None = None, num_beams: int = 4,
                  max_new_tokens: int = 128, num_return_sequences: int = 1, batch_size: int = 16,
                  start_bonus: float = 0.0, insertion_points: int = 4) -> list[list[str]]:
        sources = [self.tokenizer.convert_ids_to_tokens(self.tokenizer(t)["input_ids"]) for t in texts]
        options = {"beam_size": max(num_beams, num_return_sequences), "max_decoding_length": max_new_tokens,
                   "max_batch_size": batch_size, "return_scores": True}
        first = self.translator.translate_batch(sources, num_hypotheses=num_return_sequences, **options)
        outputs: list[list[str]] = []
        for i, result in enumerate(first):
            hyps = [(h, s) for h, s in zip(result.hypotheses, result.scores, strict=True)]
            wanted = list(constraints[i]) if constraints else []
            missing = [p for p in wanted if p.lower() not in self._decode(hyps[0][0]).lower()]
            if missing:
                hyps = self._force(sources[i], hyps[0][0], missing, options, insertion_points) or hyps
            outputs.append([self._decode(h) for h, _ in hyps[:num_return_sequences]])
        return outputs

    def _decode(self, tokens: Sequence[str]) -> str:
        return str(self.tokenizer.convert_tokens_to_string(list(tokens))).strip()

    def _force(self, source: list[str], best: list[str], phrases: Sequence[str], options: dict[str, Any],
               points: int) -> list[tuple[list[str], float]]:
        prefix_base: list[str] = []
        for phrase in phrases:  # one term at a time, each at its best insertion point
            tokens = self._target_tokens(phrase)
            length = max(1, len(best))
            positions = sorted({round(k * length / points) for k in range(points)} | {len(prefix_base)})
            positions = [p for p in positions if p >= len(prefix_base)]
            prefixes = [best[:p] + tokens for p in positions]
            results = self.translator.translate_batch([source] * len(prefixes), prefixes, num_hypotheses=1,
                                                      **options)
            scored = [(r.hypotheses[0], r.scores[0], len(p)) for r, p in zip(results, prefixes, strict=True)]
            best, _, cut = max(scored, key=lambda x: x[1])
            prefix_base = best[:cut]
        return [(best, 0.0)]
