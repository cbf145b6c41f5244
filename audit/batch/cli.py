"""``mt-audit batch ARCHIVE --out DIR``: audit and score every segment of an archive."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..cli import EXIT_OK, EXIT_USAGE, audit_options, build_config
from ..config import DEFAULT_BATCH_GRAMMAR_RULES
from ..limits import DEFAULT_MAX_TEXT_CHARS
from .archive import Limits, MiB
from .readers import DEFAULT_CHUNK, FORMATS, ReaderOptions


@click.command("batch")
@click.argument("archive", type=click.Path(exists=True))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Output directory.")
@click.option("--workers", default=0, show_default=True, type=click.IntRange(0, 512),
              help="Local worker processes (0: the local cores).")
@click.option("--scheduler", help="Run on a Dask distributed cluster, e.g. tcp://HOST:8786.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Read every member as this format "
              "(default: by extension).")
@click.option("--source-col", default="source", show_default=True, help="CSV/TSV column or JSONL field: source.")
@click.option("--mt-col", default="mt", show_default=True, help="CSV/TSV column or JSONL field: MT.")
@click.option("--ref-col", default="reference", show_default=True, help="CSV/TSV column or JSONL field: reference.")
@click.option("--doc-col", default="doc", show_default=True, help="CSV/TSV column or JSONL field: document id.")
@click.option("--id-col", default="id", show_default=True, help="CSV/TSV column or JSONL field: segment id.")
@click.option("--chunk", default=DEFAULT_CHUNK, show_default=True, type=click.IntRange(1),
              help="Cut longer documents into chunks of this many segments (units of work and checkpoints).")
@click.option("--source-checks/--no-source-checks", default=True, show_default=True,
              help="Run the source-aware checks on segments that have a source.")
@click.option("--max-member-mb", default=512, show_default=True, type=click.IntRange(1),
              help="Refuse archive members larger than this (uncompressed).")
@click.option("--max-total-mb", default=16384, show_default=True, type=click.IntRange(1),
              help="Stop when the archive's uncompressed size passes this.")
@click.option("--max-ratio", default=200.0, show_default=True, type=click.FloatRange(1),
              help="Refuse members compressed more than this ratio (zip bombs).")
@click.option("--max-chars", default=DEFAULT_MAX_TEXT_CHARS, show_default=True, type=click.IntRange(1),
              envvar="MT_AUDIT_MAX_TEXT_CHARS",
              help="A segment whose MT or source is longer (characters) is not audited: it is listed as skipped "
              "with the reason and the rest of its document goes on (env MT_AUDIT_MAX_TEXT_CHARS).")
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
@click.option("--annotate/--no-annotate", default=True, show_default=True,
              help="Write each XLIFF/PO/TMX file back with its flags (OUT/annotated) and a QA report (OUT/qa).")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@audit_options
def batch_command(archive: str, out: str, workers: int, scheduler: str | None, fmt: str | None, source_col: str,
                  mt_col: str, ref_col: str, doc_col: str, id_col: str, chunk: int, source_checks: bool,
                  max_member_mb: int, max_total_mb: int, max_ratio: float, no_report: bool, quiet: bool,
                  annotate: bool = True, max_chars: int = DEFAULT_MAX_TEXT_CHARS, **options: Any) -> None:
    """Audit and score every segment of ARCHIVE (a directory, .zip or .tar.gz of TMX, XLIFF, PO,
    CSV/TSV, JSONL or text files). Rerun the same command to resume an interrupted run."""
    from .runner import BatchOptions, run_batch

    config = build_config(**options, default_grammar_rules=DEFAULT_BATCH_GRAMMAR_RULES)
    reader = ReaderOptions(source_col=source_col, mt_col=mt_col, ref_col=ref_col, doc_col=doc_col or None,
                           id_col=id_col or None, chunk=chunk, fmt=fmt, max_chars=max_chars)
    limits = Limits(member_bytes=max_member_mb * MiB, total_bytes=max_total_mb * MiB, ratio=max_ratio)
    outcome = run_batch(BatchOptions(archive=archive, out=out, config=config, reader=reader, limits=limits,
                                     workers=workers, scheduler=scheduler, progress=not quiet,
                                     source_checks=source_checks, report=not no_report, annotate=annotate))
    s = outcome.summary
    if not quiet:
        click.echo(f"{s['documents']} documents, {s['segments']} segments ({outcome.processed} documents audited, "
                   f"{outcome.resumed} resumed), {s['flags']} flags, MQM {s['mqm_penalty']}/100 words, "
                   f"{s['files_skipped']} files skipped -> {outcome.out}", err=True)
        for skipped in s["skipped"]:
            click.echo(f"skipped: {skipped['message']}", err=True)
        written = outcome.written_back
        if written is not None:
            click.echo(f"{len(written.files)} translator's files written back with their flags -> "
                       f"{outcome.out / 'annotated'}, QA reports -> {outcome.out / 'qa'}", err=True)
            for failed in written.failed:
                click.echo(f"not written back: {failed['message']}", err=True)
    sys.exit(EXIT_OK if s["segments"] or not s["files"] else EXIT_USAGE)
