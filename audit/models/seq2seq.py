"""Translation with any ``AutoModelForSeq2SeqLM`` (Marian/opus-mt, NLLB, M2M100), batched and
with glossary terms forced into the output (:mod:`audit.models.constraints`).

The same loader takes a local directory (the tests build a tiny Marian model) or a hub id
such as ``Helsinki-NLP/opus-mt-zh-en`` or ``facebook/nllb-200-distilled-600M``, read from the
local Hugging Face cache (``mt-audit models download NAME`` fills it, or ``--to DIR``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from .constraints import ForcedPhrasesProcessor
from .sources import ModelSource

#: ISO 639-1 -> NLLB-200 (FLORES-200) codes for the languages the audit knows.
NLLB_CODES = {"en": "eng_Latn", "zh": "zho_Hans", "ru": "rus_Cyrl", "de": "deu_Latn", "fr": "fra_Latn",
              "ja": "jpn_Jpan", "es": "spa_Latn"}


@dataclass
class Translator:
    """One loaded seq2seq model and its tokenizer."""

    model: Any
    tokenizer: Any
    name: str
    family: str  # "marian", "nllb", "m2m100" or the config's model_type

    @classmethod
    def load(cls, source: ModelSource, local_only: bool = True, **_: Any) -> Translator:
        try:
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        except ImportError as exc:  # pragma: no cover - the models extra is missing
            raise ConfigError(f"the models extra is not installed: {exc}", field="models") from None
        import warnings

        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        try:
            tokenizer = AutoTokenizer.from_pretrained(source.location, local_files_only=local_only)
            model = AutoModelForSeq2SeqLM.from_pretrained(source.location, local_files_only=local_only)
        except OSError as exc:
            hint = f" (run: mt-audit models download {source.name})" if source.hub_id else ""
            raise ConfigError(f"cannot load translation model {source.name!r}: {exc}{hint}",
                              field="models") from None
        model.eval()
        model_type = getattr(model.config, "model_type", "")
        family = "nllb" if "nllb" in type(tokenizer).__name__.lower() else model_type
        return cls(model, tokenizer, source.name, family)

    # -----------------------------------------------------------------------------------
    def _target_ids(self, phrase: str) -> list[int]:
        """Token ids of ``phrase`` as it appears mid-sentence in the output."""
        tok = self.tokenizer
        if self.family == "marian":
            ids = tok(text_target=phrase, add_special_tokens=False)["input_ids"]
        else:
            ids = tok(phrase, add_special_tokens=False)["input_ids"]
        unk = getattr(tok, "unk_token_id", None)
        return [i for i in ids if i != unk]

    def _prepare(self, src_lang: str | None, tgt_lang: str | None) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        tok = self.tokenizer
        if self.family == "nllb":
            if src_lang:
                tok.src_lang = NLLB_CODES.get(src_lang, src_lang)
            if tgt_lang:
                extra["forced_bos_token_id"] = tok.convert_tokens_to_ids(NLLB_CODES.get(tgt_lang, tgt_lang))
        elif self.family == "m2m_100":
            if src_lang:
                tok.src_lang = src_lang
            if tgt_lang:
                extra["forced_bos_token_id"] = tok.get_lang_id(tgt_lang)
        return extra

    def translate(self, texts: Sequence[str], constraints: Sequence[Sequence[str]] | None = None, *,
                  src_lang: str | None = None, tgt_lang: str | None = None, num_beams: int = 4,
                  max_new_tokens: int = 128, num_return_sequences: int = 1, batch_size: int = 16,
                  start_bonus: float = 2.0) -> list[list[str]]:
        """Translate ``texts`` in batches; ``constraints[i]`` are phrases forced into output ``i``.

        Returns ``num_return_sequences`` translations per input (best first).
        """
        import torch
        from transformers import LogitsProcessorList

        results: list[list[str]] = []
        extra = self._prepare(src_lang, tgt_lang)
        start_ids = 2 if "forced_bos_token_id" in extra else 1  # decoder start (+ forced language token)
        eos = self.model.generation_config.eos_token_id
        eos_id = eos[0] if isinstance(eos, list) else eos
        for begin in range(0, len(texts), batch_size):
            chunk = list(texts[begin:begin + batch_size])
            wanted = [list(c) for c in (constraints[begin:begin + batch_size] if constraints else [[]] * len(chunk))]
            encoded = self.tokenizer(chunk, return_tensors="pt", padding=True, truncation=True,
                                     max_length=max_new_tokens * 2)
            phrases = [[self._target_ids(p) for p in row] for row in wanted]
            processors = LogitsProcessorList()
            if any(any(row) for row in phrases):
                processors.append(ForcedPhrasesProcessor(phrases, start_ids + max_new_tokens, eos_id,
                                                         prompt_length=start_ids, start_bonus=start_bonus))
            beams = max(num_beams, num_return_sequences)
            with torch.inference_mode():
                out = self.model.generate(**encoded, num_beams=beams, max_new_tokens=max_new_tokens,
                                          num_return_sequences=num_return_sequences, do_sample=False,
                                          logits_processor=processors, **extra)
            decoded = self.tokenizer.batch_decode(out, skip_special_tokens=True)
            for i in range(len(chunk)):
                rows = decoded[i * num_return_sequences:(i + 1) * num_return_sequences]
                results.append([r.strip() for r in rows])
        return results
