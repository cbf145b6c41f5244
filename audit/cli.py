"""The ``mt-audit`` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click

from .config import (
    DEFAULT_BATCH_GRAMMAR_RULES,
    DEFAULT_GRAMMAR_RULES,
    DEFAULT_QE_LEVEL,
    DEFAULT_SRC_LANG,
    DEFAULT_TGT_LANG,
    DEFAULT_WEIGHTS,
    GRAMMAR_RULE_SETS,
    QE_LEVEL_CAPS,
    AuditConfig,
)
from .errors import AuditError
from .limits import DEFAULT_MAX_TEXT_CHARS, check_lines, deadline, paragraphs_within
from .records import SegmentResult, Severity, Summary

EXIT_OK, EXIT_FLAGGED, EXIT_USAGE = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


#: Commands that live outside the core library and import heavier packages (Flask, ...);
#: they are imported only when run, so ``audit`` itself never imports Flask.
LAZY_COMMANDS = {
    "serve": "api.cli:serve",
    "keys": "api.cli:keys",
    "users": "api.cli:users",
    "eval": "audit.evaluation.cli:eval_command",
    "batch": "audit.batch.cli:batch_command",
    "models": "audit.models.cli:models_command",
    "jobs": "api.cli:jobs",
    "qe": "audit.qe.cli:qe_command",
}


class AuditGroup(click.Group):
    """Turns library errors into one clear line and exit status 2, never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        import importlib.util

        def present(target: str) -> bool:
            try:
                return importlib.util.find_spec(target.partition(":")[0]) is not None
            except ImportError:
                return False

        lazy = {name for name, target in LAZY_COMMANDS.items() if present(target)}
        return sorted(set(super().list_commands(ctx)) | lazy)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in LAZY_COMMANDS:
            return command
        import importlib

        module_name, _, attribute = LAZY_COMMANDS[cmd_name].partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise click.UsageError(f"'{cmd_name}' is not available: {exc}") from None
        loaded = getattr(module, attribute, None)
        return loaded if isinstance(loaded, click.Command) else None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AuditError as exc:
            click.echo(f"mt-audit: error: {exc.describe()}", err=True)
            ctx.exit(EXIT_USAGE)
        except BrokenPipeError:
            ctx.exit(EXIT_OK)


@click.group(cls=AuditGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mt-audit")
def main() -> None:
    """Audit machine-translated text: flag, explain, correct, score."""


def parse_weights(value: str | None) -> dict[str, float]:
    weights = dict(DEFAULT_WEIGHTS)
    if not value:
        return weights
    for part in value.split(","):
        name, _, number = part.partition("=")
        name = name.strip()
        if name not in weights:
            raise click.BadParameter(f"unknown severity {name!r} in {part!r}", param_hint="--weights")
        try:
            weights[name] = float(number)
        except ValueError:
            raise click.BadParameter(f"not a number: {number!r}", param_hint="--weights") from None
    return weights


def audit_options(func: F) -> F:
    """Options shared by every command that runs the flagger."""
    options = [
        click.option("--src-lang", default=DEFAULT_SRC_LANG, show_default=True,
                     help="Source language of the MT (ISO 639-1), or 'any'."),
        click.option("--tgt-lang", default=DEFAULT_TGT_LANG, show_default=True, help="Language of the MT."),
        click.option("--glossary", "glossaries", multiple=True, type=click.Path(dir_okay=False),
                     help="Glossary file (.csv/.tsv/.tbx); repeatable. Default: the shipped glossaries."),
        click.option("--no-glossary", is_flag=True, help="Do not use glossaries."),
        click.option("--rules", "rule_files", multiple=True, type=click.Path(dir_okay=False),
                     help="Rule file (YAML); repeatable. Default: the shipped rules."),
        click.option("--no-rules", is_flag=True, help="Do not use the pattern rules."),
        click.option("--no-grammar", is_flag=True, help="Do not run the Harper grammar checker."),
        click.option("--grammar-rules", type=click.Choice(GRAMMAR_RULE_SETS), default=None,
                     help="Harper lints to run: all, or only those with evidence on the development MQM data "
                          f"(~9x faster). Default: {DEFAULT_GRAMMAR_RULES} ({DEFAULT_BATCH_GRAMMAR_RULES} for batch)."),
        click.option("--disable-rule", "disabled_rules", multiple=True, help="Rule id to switch off; repeatable."),
        click.option("--weights", help="MQM weights, e.g. minor=1,major=5,critical=10."),
        click.option("--candidates", default=0, show_default=True, type=click.IntRange(0, 20),
                     help="Also list this many runner-up proposals."),
        click.option("--lm", default=None,
                     help="Causal LM for surprisal flags and fluency (alias 'smollm2', a directory, .gguf or "
                          "a cached hub id). Needs the models extra."),
        click.option("--mt", default=None, help="Seq2seq model source -> target language (e.g. "
                                                "Helsinki-NLP/opus-mt-zh-en after `mt-audit models download`)."),
        click.option("--mt-back", default=None, help="Seq2seq model target -> source language; with --mt, "
                                                     "round-trip rewrites."),
        click.option("--embedder", default=None, help="Sentence embedder for the adequacy guard (alias 'minilm')."),
        click.option("--models", "models_file", default=None, type=click.Path(dir_okay=False, exists=True),
                     help="YAML file with the model layer's settings (keys of ModelsConfig); flags override it."),
        click.option("--qe/--no-qe", "qe", default=None,
                     help="The learned error-span detector (qe.span flags and a quality score per sentence). "
                          "Default: on (off when MT_AUDIT_QE=0)."),
        click.option("--qe-model", default=None, type=click.Path(file_okay=False, exists=True),
                     help="A detector folder trained by `mt-audit qe train` (default: the shipped one)."),
        click.option("--qe-level", type=click.Choice(list(QE_LEVEL_CAPS)), default=DEFAULT_QE_LEVEL,
                     show_default=True,
                     help="The detector's operating point: precise flags least and is right most often; "
                          "balanced and thorough find more errors with more false flags; exhaustive has no cap "
                          "on false flags (a full revision)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_config(src_lang: str, tgt_lang: str, glossaries: tuple[str, ...], no_glossary: bool,
                 rule_files: tuple[str, ...], no_rules: bool, no_grammar: bool,
                 disabled_rules: tuple[str, ...], weights: str | None, candidates: int, lm: str | None = None,
                 mt: str | None = None, mt_back: str | None = None, embedder: str | None = None,
                 models_file: str | None = None, grammar_rules: str | None = None,
                 default_grammar_rules: str = DEFAULT_GRAMMAR_RULES, qe: bool | None = None,
                 qe_model: str | None = None, qe_level: str = DEFAULT_QE_LEVEL) -> AuditConfig:
    """The command line's flags as :meth:`AuditConfig.from_options` options (the API's names)."""
    models = None
    if lm or mt or mt_back or embedder or models_file:
        from .models.options import models_config

        models = models_config(models_file, lm=lm, mt=mt, mt_back=mt_back, embedder=embedder)
    return AuditConfig.from_options({
        "src_lang": src_lang, "tgt_lang": tgt_lang, "glossary_files": glossaries, "glossary": not no_glossary,
        "rule_files": rule_files, "rules": not no_rules, "grammar": not no_grammar, "grammar_rules": grammar_rules,
        "disabled_rules": disabled_rules, "weights": parse_weights(weights), "candidates": candidates,
        "models": models, "qe_model": qe_model, "qe_level": qe_level,
    } | ({} if qe is None else {"qe": qe}), grammar_rules=default_grammar_rules)


@contextmanager
def open_input(path: str) -> Iterator[tuple[BinaryIO, str]]:
    if path == "-":
        yield sys.stdin.buffer, "<stdin>"
        return
    from .textio import open_binary

    with open_binary(path) as handle:
        yield handle, path


class _Tracker:
    """Passes results through while remembering the worst severity seen."""

    def __init__(self) -> None:
        self.worst = 0

    def watch(self, results: Iterator[SegmentResult]) -> Iterator[SegmentResult]:
        for result in results:
            for flag in result.flags:
                self.worst = max(self.worst, flag.severity.rank)
            yield result


@main.command()
@click.argument("file", type=str)
@audit_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout.")
@click.option("--fail-on", type=click.Choice([s.value for s in Severity]), default="minor", show_default=True,
              help="Exit 1 when a flag at or above this severity is found.")
@click.option("--all", "show_all", is_flag=True, help="Text format: also print unflagged sentences.")
@click.option("--source", "source_file", type=click.Path(dir_okay=False, exists=True),
              help="The source document of FILE: adds the source-aware checks (numbers, names, "
                   "untranslated text, terminology, omissions). With --src-lang any, its language is detected.")
@click.option("--store", is_flag=True,
              help="Also store the audit for review by editors (the database of `mt-audit serve`); "
                   "prints the review URL to stderr.")
@click.option("--base-url", envvar="MT_AUDIT_BASE_URL", default="http://127.0.0.1:8000", show_default=True,
              help="With --store: the review server's address, for the printed URL.")
@click.option("--project", help="With --store: the named project (team) to store the audit under; the rules its "
                                "editors' decisions switched off, lowered or stopped from proposing are applied.")
@click.option("--annotate", "annotate_to", type=click.Path(dir_okay=False),
              help="XLIFF/PO/TMX input: write the file back here with the flags in it (ITS 2.0 in XLIFF).")
@click.option("--qa-report", type=click.Path(dir_okay=False),
              help="XLIFF/PO/TMX input: write a QA report, one row per flag (.csv or .xlsx).")
@click.option("--max-chars", default=DEFAULT_MAX_TEXT_CHARS, show_default=True, type=click.IntRange(1),
              envvar="MT_AUDIT_MAX_TEXT_CHARS",
              help="A line longer than this (characters) is not audited (named on stderr; the rest is); with "
                   "--source, refused (env MT_AUDIT_MAX_TEXT_CHARS).")
@click.option("--time-limit", type=click.FloatRange(0, 86_400, min_open=True), envvar="MT_AUDIT_CHECK_TIME_LIMIT",
              help="Stop with an error (exit 2) once the audit has taken this many seconds (default: no limit; "
                   "env MT_AUDIT_CHECK_TIME_LIMIT).")
def check(file: str, fmt: str, output: str | None, fail_on: str, show_all: bool, source_file: str | None = None,
          store: bool = False, base_url: str = "http://127.0.0.1:8000", annotate_to: str | None = None,
          qa_report: str | None = None, max_chars: int = DEFAULT_MAX_TEXT_CHARS, time_limit: float | None = None,
          project: str | None = None, **options: Any) -> None:
    """Audit FILE (or - for standard input): flags, proposals, edit scores. XLIFF, PO and TMX files
    are audited unit by unit, with --annotate and --qa-report."""
    from .formats.annotate import translator_format

    if annotate_to or qa_report or (file != "-" and translator_format(file)):
        from .formats.check import check_translator_file

        with open(output, "w", encoding="utf-8") if output else nullcontext(sys.stdout) as out:
            worst = check_translator_file(file, build_config(**options), fmt=fmt, output=out, annotate_to=annotate_to,
                                          qa_report=qa_report, show_all=show_all, source_file=source_file, store=store)
        sys.exit(EXIT_FLAGGED if worst >= Severity(fail_on).rank else EXIT_OK)
    from .pipeline import Auditor
    from .report import write_html, write_json, write_text

    if project is not None and not store:
        raise click.UsageError("--project needs --store (the project's rule states live in the review database)")
    config = build_config(**options)
    if project is not None:
        config = _project_config(config, project)
    auditor = Auditor(config)
    if config.glossaries is not None and config.use_glossary:
        _warn_other_pairs(auditor.loaded.glossaries, config.src_lang, config.tgt_lang)
    tracker = _Tracker()
    summary: Summary = auditor.new_summary()
    kept: list[SegmentResult] = []
    stored_text: str | None = None
    with open_input(file) as (stream, name), deadline(time_limit):
        if store:  # the text is stored with the audit: read it once, audit the same characters
            import io

            from .textio import iter_decoded

            stored_text = "".join(iter_decoded(stream, name))
            stream = io.BytesIO(stored_text.encode("utf-8"))
        if source_file is not None:
            from .textio import iter_decoded

            with open(source_file, "rb") as source_stream:
                source_text = "".join(iter_decoded(source_stream, source_file))
            mt_text = "".join(iter_decoded(stream, name))
            check_lines(mt_text, max_chars, "text", name)
            check_lines(source_text, max_chars, "source", source_file)
            paired = auditor.audit_pair(source_text, mt_text, name)
            summary = paired.summary
            results = tracker.watch(iter(paired.segments))
        else:
            from .textio import iter_decoded, iter_paragraphs

            paragraphs = paragraphs_within(iter_paragraphs(iter_decoded(stream, name)), max_chars, name,
                                           lambda line: click.echo(f"mt-audit: {line}", err=True))
            results = tracker.watch(auditor.audit_paragraphs(paragraphs, summary, pipelined=True))
        if store:
            results = _keep(results, kept)
        out = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115 - closed below
        try:
            if fmt == "json":
                write_json(results, summary, out or sys.stdout)
            elif fmt == "html":
                write_html(results, summary, out or sys.stdout, title=f"mt-audit: {Path(name).name}")
            else:
                from rich.console import Console

                console = Console(file=out, highlight=False, soft_wrap=out is not None)
                write_text(results, summary, console, show_all=show_all)
        finally:
            if out:
                out.close()
    if store and stored_text is not None:
        _store_checked(stored_text, kept, summary, config, name, base_url, source_file, project)
    sys.exit(EXIT_FLAGGED if tracker.worst >= Severity(fail_on).rank else EXIT_OK)


def _keep(results: Iterator[SegmentResult], kept: list[SegmentResult]) -> Iterator[SegmentResult]:
    for result in results:
        kept.append(result)
        yield result


def _api_cli() -> Any:
    """The API's command-line helpers (the review database), imported lazily."""
    try:
        from api import cli
    except ImportError as exc:
        raise click.UsageError(f"--store needs the api extra (pip install 'mt-audit[api]'): {exc}") from None
    return cli


def _project_config(config: AuditConfig, project: str) -> AuditConfig:
    """``config`` with what the project's editors taught (:mod:`audit.learning`), said on stderr."""
    config, learnt = _api_cli().project_config(config, project)
    if learnt:
        click.echo(f"mt-audit: project {project!r}: rules off {list(learnt.off)}, lowered {list(learnt.lowered)}, "
                   f"not proposing {list(learnt.not_proposing)}", err=True)
    return config


def _store_checked(text: str, kept: list[SegmentResult], summary: Summary, config: AuditConfig, name: str,
                   base_url: str, source_file: str | None, project: str | None = None) -> None:
    """``check --store``: keep the audit in the API's database (imported lazily) and print its review URL."""
    store_checked = _api_cli().store_checked
    source = None
    if source_file is not None:
        from .textio import iter_decoded

        with open(source_file, "rb") as handle:
            source = "".join(iter_decoded(handle, source_file))
    doc_id, url = store_checked(text, kept, summary, config, name, base_url, source, project)
    click.echo(f"stored as document {doc_id}; review it at {url}", err=True)


def _read_lines(path: str) -> list[str]:
    """Lines as sacrebleu's command reads them (trailing whitespace stripped)."""
    with open_input(path) as (stream, name):
        from .textio import iter_decoded

        text = "".join(iter_decoded(stream, name))
    return [line.rstrip() for line in text.splitlines()]


@main.command()
@click.option("--hyp", required=True, help="Hypothesis file, one segment a line.")
@click.option("--ref", required=True, help="Reference file, line-aligned with --hyp.")
@click.option("--tokenize", default="13a", show_default=True, help="sacrebleu tokenizer (13a, zh, ja-mecab, ...).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def score(hyp: str, ref: str, tokenize: str, fmt: str) -> None:
    """Score HYP against REF line by line and as a corpus (BLEU, chrF, TER, char edit distance)."""
    import json

    from .scoring import score_corpus

    hyps, refs = _read_lines(hyp), _read_lines(ref)
    if len(hyps) != len(refs):
        raise AuditError(f"{len(hyps)} lines in {hyp} but {len(refs)} in {ref}: files must be line-aligned",
                         file=hyp)
    try:
        result = score_corpus(hyps, refs, tokenize=tokenize)
    except (ValueError, RuntimeError) as exc:  # sacrebleu: unknown tokenizer, missing mecab, ...
        raise AuditError(str(exc), field="tokenize") from None
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo("line\tBLEU\tchrF\tTER\tchars")
    for index, s in enumerate(result.sentences, start=1):
        click.echo(f"{index}\t{s.bleu:.2f}\t{s.chrf:.2f}\t{s.ter:.2f}\t{s.char_distance}")
    click.echo(f"corpus\tBLEU {result.bleu:.2f}\tchrF {result.chrf:.2f}\tTER {result.ter:.2f}\t"
               f"chars {result.char_distance} (ratio {result.char_ratio:.4f})")
    for name, signature in result.signatures.items():
        click.echo(f"{name}: {signature}")


@main.group()
def glossary() -> None:
    """Validate and convert glossaries (CSV/TSV <-> TBX-Basic)."""


def _warn_other_pairs(glossaries: Any, src_lang: str | None, tgt_lang: str) -> None:
    """Name on stderr each given glossary's entries of another language pair (they are not used)."""
    from .glossary import other_pairs

    for loaded in glossaries:
        counts = other_pairs([loaded], src_lang, tgt_lang)
        if counts:
            pairs = ", ".join(f"{n} for {src}-{tgt}" for (src, tgt), n in sorted(counts.items()))
            click.echo(f"mt-audit: warning: glossary {loaded.path or loaded.name}: {pairs}, not used "
                       f"(this run is {src_lang or 'any'}-{tgt_lang})", err=True)


@glossary.command("check")
@click.argument("files", nargs=-1, required=True)
def glossary_check(files: tuple[str, ...]) -> None:
    """Load each glossary and report its size; exit 2 on the first bad row."""
    from .glossary import load_glossary
    from .matcher import GlossaryMatcher

    for path in files:
        loaded = load_glossary(path)
        matcher = GlossaryMatcher(loaded.entries)
        pairs = ", ".join(f"{src or '*'}-{tgt}" for src, tgt in sorted(loaded.language_pairs))
        click.echo(f"{path}: {len(loaded)} entries ({pairs}), {matcher.pattern_count} surface forms")


@glossary.command("convert")
@click.argument("source")
@click.argument("target")
@click.option("--src-lang", default=None,
              help="Source language of entries that do not name one (a file without a src_lang column).")
def glossary_convert(source: str, target: str, src_lang: str | None = None) -> None:
    """Convert SOURCE to TARGET; formats follow the file suffixes."""
    from .glossary import load_glossary, save_glossary

    loaded = load_glossary(source, src_lang)
    save_glossary(loaded, target)
    click.echo(f"wrote {len(loaded)} entries to {target}")


if __name__ == "__main__":  # pragma: no cover
    main()
