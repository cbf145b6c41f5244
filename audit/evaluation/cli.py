"""``mt-audit eval``: measure the flagger against human MQM annotations (and calibrate it)."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from ..cli import audit_options, build_config
from ..config import DEFAULT_SRC_LANG, DEFAULT_TGT_LANG, AuditConfig, shipped_calibration
from ..errors import AuditError
from ..grammar import DEFAULT_HARPER_DISABLED
from .calibrate import MAX_FALSE_FLAG as RULE_FALSE_FLAG
from .data import detect_format, read_annotations
from .heldout import MAX_FALSE_FLAG as LENGTH_FALSE_FLAG


def _config(options: dict[str, Any], calibrated: bool) -> AuditConfig:
    """The flagger options, with the shipped calibration (or none) under the user's --disable-rule."""
    config = build_config(**options)
    user = tuple(config.disabled_rules)
    if calibrated:
        shipped = shipped_calibration()
        return config.with_options(
            harper_disabled=shipped.harper_disabled,
            disabled_rules=tuple(dict.fromkeys((*shipped.disabled_rules, *user))),
        )
    return config.with_options(harper_disabled=DEFAULT_HARPER_DISABLED, disabled_rules=user)


@click.command("eval")
@click.argument("data", type=str)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@click.option(
    "--input-format",
    type=click.Choice(["jsonl", "tsv"]),
    help="Annotation format; default: by suffix (.jsonl/.json: JSONL, .tsv: MQM TSV).",
)
@click.option("--with-source", is_flag=True, help="Let source-aware checks use the source column.")
@click.option("--limit", type=click.IntRange(1), help="Only the first N segments.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random baseline and of the folds.")
@click.option(
    "--no-calibration",
    is_flag=True,
    help="Measure the flagger without the shipped calibration (built-in Harper exclusions only).",
)
@click.option(
    "--calibrate",
    is_flag=True,
    help="Choose the rules to switch off by document-level cross-validation; print the held-out figures.",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 50),
              help="Folds for --calibrate and --held-out.")
@click.option(
    "--held-out",
    is_flag=True,
    help="Document-level cross-validated figures, target only and with the source, beside flag-all, random at "
    "the same rate and length-only (audit.evaluation.heldout): rules and length thresholds chosen on the other folds.",
)
@click.option(
    "--detector",
    is_flag=True,
    help="The learned detector on DATA's held-out documents (the fold it never trained on): detector alone, "
    "rules alone and both, target only and with the source, beside flag-all, random at the same rate and "
    "length-only (as `mt-audit qe calibrate`; --qe-model for another model).",
)
@click.option(
    "--max-false-flag",
    default=LENGTH_FALSE_FLAG,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="With --held-out: the most false-flag rate the length thresholds may reach on the training documents.",
)
@click.option(
    "--rule-false-flag",
    default=RULE_FALSE_FLAG,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="With --calibrate and --held-out: after the noisy rules, drop the least precise ones until the kept "
    "rules flag at most this share of the training documents' error-free segments (1: no cap).",
)
@click.option(
    "--objective",
    type=click.Choice(["utility", "span_f1", "segment_f1"]),
    default="utility",
    show_default=True,
    help="What --calibrate maximises when choosing the minimum support "
    "(utility: flags on gold spans minus flags on error-free segments).",
)
@click.option(
    "--min-support",
    type=click.IntRange(1),
    help="With --calibrate: drop a noisy rule only if it raised at least this many flags on the training "
    "documents. Default: chosen by an inner cross-validation maximising --objective.",
)
@click.option(
    "--write-calibration",
    type=click.Path(dir_okay=False),
    help="With --calibrate: write the selection fitted on all documents to this YAML "
    "(audit/calibration.yaml is the shipped one).",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write here, not to stdout.")
@click.option(
    "--replay-decisions",
    is_flag=True,
    help="DATA is the review server's database (URL or SQLite file): replay its editors' decisions through "
    "the per-team rule learning and report what the adjusted rules would have saved (audit.evaluation.replay).",
)
@click.option("--thresholds", "thresholds_json", help='With --replay-decisions: JSON, e.g. \'{"window": 50}\'.')
@audit_options
def eval_command(
    data: str,
    fmt: str,
    input_format: str | None,
    with_source: bool,
    limit: int | None,
    seed: int,
    no_calibration: bool,
    calibrate: bool,
    folds: int,
    objective: str,
    min_support: int | None,
    write_calibration: str | None,
    output: str | None,
    replay_decisions: bool = False,
    thresholds_json: str | None = None,
    held_out: bool = False,
    max_false_flag: float = LENGTH_FALSE_FLAG,
    rule_false_flag: float = RULE_FALSE_FLAG,
    detector: bool = False,
    **options: Any,
) -> None:
    """Score the flagger on DATA, human MQM annotations (JSONL or the WMT MQM TSV), beside baselines.

    Figures: segment-level precision/recall/F1 of "flagged" against "has an error" and "has a major
    error", span-level character-overlap precision/recall/F1 (WMT23 QE task 2, micro-averaged),
    the false-flag rate on error-free segments, and where each rule's flags land. Baselines: flag
    every segment, flag none, flag at random at the flagger's rate.

    The learned detector is off here unless --qe says otherwise: it was trained on most documents of
    the shared MQM files, so its figures come from --detector (held-out documents only).
    """
    from rich.console import Console

    from .runner import evaluate, flags_only

    if replay_decisions:
        from .replay import replay_command

        with open(output, "w", encoding="utf-8") if output else nullcontext(sys.stdout) as stream:
            replay_command(data, thresholds_json, "json" if fmt == "json" else "table", stream)
        return
    if detector:
        _detector(data, options.get("qe_model"), output)
        return
    if options.get("qe") is None:
        options["qe"] = False
    if write_calibration and not calibrate:
        raise click.UsageError("--write-calibration needs --calibrate")
    segments = read_annotations(data, input_format)
    if limit is not None:
        segments = segments[:limit]
    if not segments:
        raise AuditError("no annotated segments to evaluate", file=data)
    fmt_name = input_format or detect_format(data)
    out = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115 - closed below
    try:
        stream = out or sys.stdout
        if held_out:
            _held_out(segments, _config(options, calibrated=False), k=folds, seed=seed,
                      max_false_flag=max_false_flag, rule_false_flag=rule_false_flag, fmt=fmt, out=stream)
            return
        if calibrate:
            _calibrate(
                segments,
                _config(options, calibrated=False),
                data=data,
                with_source=with_source,
                k=folds,
                seed=seed,
                objective=objective,
                min_support=min_support,
                rule_false_flag=rule_false_flag,
                write=write_calibration,
                fmt=fmt,
                out=stream,
                flagger_args=_flagger_args(options),
            )
            return
        from ..pipeline import Auditor

        auditor = flags_only(Auditor(_config(options, calibrated=not no_calibration)))
        report = evaluate(
            segments, auditor=auditor, with_source=with_source, seed=seed, data=data, input_format=fmt_name
        )
        report.config["calibration"] = "none" if no_calibration else "shipped"
        if fmt == "json":
            stream.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n")
        elif fmt == "markdown":
            from .render import markdown

            stream.write(markdown(report) + "\n")
        else:
            from .render import print_tables

            wide = out is not None or not stream.isatty()
            print_tables(report, Console(file=stream, highlight=False, width=140 if wide else None))
    finally:
        if out:
            out.close()


def _detector(data: str, model_dir: str | None, output: str | None) -> None:
    from pathlib import Path

    from ..qe.detector import Detector
    from ..qe.evaluate import detector_report, markdown_table

    table, _ = detector_report([data], Detector(Path(model_dir) if model_dir else None),
                               log=lambda message: click.echo(message, err=True))
    with open(output, "w", encoding="utf-8") if output else nullcontext(sys.stdout) as stream:
        stream.write(markdown_table(table) + "\n")


def _held_out(segments: list[Any], config: AuditConfig, *, k: int, seed: int, max_false_flag: float,
              rule_false_flag: float, fmt: str, out: Any) -> None:
    import time

    from ..pipeline import Auditor
    from .heldout import candidates, fold_lines, held_out, table
    from .runner import flags_only

    started = time.perf_counter()
    with_source = any(s.source for s in segments)
    cand = candidates(flags_only(Auditor(config)), segments, with_source=with_source)
    cap = rule_false_flag if rule_false_flag < 1 else None
    results = [held_out(cand, segments, with_source=mode, k=k, seed=seed, max_false_flag=max_false_flag,
                        rule_false_flag=cap)
               for mode in ((False, True) if with_source else (False,))]
    seconds = time.perf_counter() - started
    if fmt == "json":
        data = {r.mode: {"scores": {n: s.to_dict() for n, s in r.scores.items()}, "per_fold": r.per_fold}
                for r in results}
        out.write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    out.write(f"Document-level {k}-fold cross-validation (seed {seed}), {len(segments)} segments, "
              f"{len({s.doc for s in segments})} documents, {seconds:.0f} s; held-out figures (%):\n\n")
    for r in results:
        out.write(table(r) + "\n\n" + fold_lines(r) + "\n\n")


def _flagger_args(options: dict[str, Any]) -> list[str]:
    """The flagger options that differ from the defaults, as command-line arguments."""
    args: list[str] = []
    if options.get("grammar_rules"):
        args += ["--grammar-rules", str(options["grammar_rules"])]
    for name, flag in (("src_lang", "--src-lang"), ("tgt_lang", "--tgt-lang")):
        if options.get(name) not in (None, DEFAULT_SRC_LANG if name == "src_lang" else DEFAULT_TGT_LANG):
            args += [flag, str(options[name])]
    for name, flag in (
        ("glossaries", "--glossary"),
        ("rule_files", "--rules"),
        ("disabled_rules", "--disable-rule"),
    ):
        for value in options.get(name) or ():
            args += [flag, str(value)]
    for name, flag in (
        ("no_glossary", "--no-glossary"),
        ("no_rules", "--no-rules"),
        ("no_grammar", "--no-grammar"),
    ):
        if options.get(name):
            args.append(flag)
    return args


def _calibrate(
    segments: list[Any],
    config: AuditConfig,
    *,
    data: str,
    with_source: bool,
    k: int,
    seed: int,
    objective: str,
    min_support: int | None,
    write: str | None,
    fmt: str,
    rule_false_flag: float = RULE_FALSE_FLAG,
    out: Any,
    flagger_args: Sequence[str] = (),
) -> None:
    from ..pipeline import Auditor
    from .calibrate import cross_validate, write_calibration
    from .runner import flag_segments, flags_only

    auditor = flags_only(Auditor(config))
    predictions = flag_segments(auditor, segments, with_source=with_source)
    try:
        cv = cross_validate(predictions, segments, k=k, seed=seed, objective=objective, min_support=min_support,
                            max_false_flag=rule_false_flag if rule_false_flag < 1 else None)
    except ValueError as exc:
        raise AuditError(str(exc), file=data) from None
    summary = cv.summary()
    if write:
        parts = [
            "mt-audit",
            "eval",
            data,
            "--calibrate",
            "--folds",
            str(k),
            "--seed",
            str(seed),
            "--objective",
            objective,
        ]
        if min_support is not None:
            parts += ["--min-support", str(min_support)]
        parts += ["--rule-false-flag", str(rule_false_flag)]
        if with_source:
            parts.append("--with-source")
        parts += [*flagger_args, "--write-calibration", write]
        command = " ".join(shlex.quote(p) for p in parts)
        harper, rules = write_calibration(
            write,
            cv,
            data=Path(data).name,
            command=command,
            segments=len(segments),
            documents=len({s.doc for s in segments}),
        )
        summary["written"] = {"path": write, "harper_disabled": list(harper), "disabled_rules": list(rules)}
    if fmt == "json":
        out.write(json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
        return
    _print_cv(summary, out)


def _print_cv(summary: dict[str, Any], out: Any) -> None:
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{100 * value:.1f}"

    names = [
        ("span_precision", "span P"),
        ("span_recall", "span R"),
        ("span_f1", "span F1"),
        ("segment_any_precision", "seg P"),
        ("segment_any_recall", "seg R"),
        ("segment_any_f1", "seg F1"),
        ("false_flag_rate", "false-flag"),
        ("flag_rate", "flagged"),
    ]
    lines = [
        f"Document-level {summary['folds']}-fold cross-validation (seed {summary['seed']}), "
        f"min_support {summary['min_support']}, objective {summary['objective']}; held-out figures (%):",
        "",
        "| | " + " | ".join(label for _, label in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for which, label in (("before", "uncalibrated"), ("after", "calibrated")):
        mean = summary["mean_over_folds"][which]
        pooled = summary["pooled_held_out"][which]
        lines.append(f"| {label}, mean over folds | " + " | ".join(pct(mean[n]) for n, _ in names) + " |")
        lines.append(f"| {label}, pooled | " + " | ".join(pct(pooled[n]) for n, _ in names) + " |")
    lines.append("")
    for which, label in (("before", "uncalibrated"), ("after", "calibrated")):
        counts = summary["pooled_held_out_flags"][which]
        lines.append(
            f"{label}: {counts['flags']} held-out flags, {counts['on_gold']} on a gold span, "
            f"{counts['on_clean']} on error-free segments"
        )
    for fold in summary["per_fold"]:
        lines.append(
            f"fold {fold['fold']}: {fold['documents']} docs, {fold['segments']} segments, "
            f"min_support {fold['min_support']}, dropped {len(fold['dropped'])}: "
            f"{', '.join(fold['dropped']) or '-'}"
        )
    final = summary["final"]
    lines.append(
        f"fitted on all documents: min_support {final['min_support']}, dropped {len(final['dropped'])}: "
        f"{', '.join(final['dropped']) or '-'}"
    )
    if "written" in summary:
        written = summary["written"]
        lines.append(
            f"wrote {written['path']}: harper_disabled {written['harper_disabled']}, "
            f"disabled_rules {written['disabled_rules']}"
        )
    out.write("\n".join(lines) + "\n")
