"""Benchmarks of the model layer; prints a table (and --json for the figures).

    python benchmarks/bench_models.py            # everything (a few minutes on 2 cores)
    python benchmarks/bench_models.py --quick    # tiny models only (seconds)

Each backend runs in its own subprocess, so peak memory (ru_maxrss) belongs to that backend.
Rows: LM surprisal sentences/s (transformers vs CTranslate2 int8, batch 1 and 8, tokens/s,
peak RSS), seq2seq (tiny Marian, same sentences, both backends), proposals/s and the whole
seed with models, cold (including load) and warm, beside the no-model path.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "lavrov-kommersant.en.txt"


def sentences() -> list[str]:
    from audit.segment import SentenceSplitter

    splitter = SentenceSplitter("en")
    return [line[s:e] for line in SEED.read_text(encoding="utf-8").splitlines() for s, e in splitter.split(line)]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(task: str, name: str, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    from audit.models.registry import ModelRegistry, resolve

    sents = sentences()
    out: dict = {"task": task, "model": name}
    t0 = time.perf_counter()
    if task in ("lm-hf", "lm-ct2"):
        if task == "lm-hf":
            model = ModelRegistry(threads=threads).language_model(name)
        else:
            from audit.models.ctranslate import CT2LanguageModel

            model = CT2LanguageModel.load(resolve(name), threads=threads)
        out["load_s"] = time.perf_counter() - t0
        model.score(sents[:2])  # warm-up
        for batch in (1, 8):
            t = time.perf_counter()
            scored = model.score(sents, batch_size=batch)
            elapsed = time.perf_counter() - t
            tokens = sum(len(s.tokens) for s in scored)
            out[f"b{batch}_sent_s"] = len(sents) / elapsed
            out[f"b{batch}_tok_s"] = tokens / elapsed
        out["mean_surprisal"] = [s.mean for s in scored]
    elif task in ("mt-hf", "mt-ct2"):
        if task == "mt-hf":
            model = ModelRegistry(threads=threads).translator(name)
        else:
            from audit.models.ctranslate import CT2Translator

            model = CT2Translator.load(resolve(name), threads=threads)
        out["load_s"] = time.perf_counter() - t0
        t = time.perf_counter()
        outputs = model.translate(sents, num_beams=2, max_new_tokens=32, batch_size=8)
        elapsed = time.perf_counter() - t
        out["b8_sent_s"] = len(sents) / elapsed
        out["b8_tok_s"] = sum(len(model.tokenizer(o[0])["input_ids"]) for o in outputs) / elapsed
    elif task in ("seed-models", "seed-nomodel"):
        from audit.config import AuditConfig, ModelsConfig
        from audit.pipeline import Auditor

        text = SEED.read_text(encoding="utf-8")
        models = None
        if task == "seed-models":
            mt = name or None
            models = ModelsConfig(lm="smollm2", embedder="minilm", mt=mt, mt_back=mt, num_beams=2, max_length=48)
        auditor = Auditor(AuditConfig(models=models))
        result = auditor.audit(text)
        out["cold_s"] = time.perf_counter() - t0
        t = time.perf_counter()
        result = auditor.audit(text)
        out["warm_s"] = time.perf_counter() - t
        proposals = sum(1 for s in result.segments if s.proposal)
        out["proposals"] = proposals
        out["proposals_s"] = proposals / out["warm_s"]
        out["sent_s"] = len(result.segments) / out["warm_s"]
        out["model_flags"] = sum(1 for s in result.segments for f in s.flags if f.origin == "model")
    out["peak_rss_mb"] = peak_mb()
    return out


def run(task: str, name: str, threads: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", task, "--name", name, "--threads", str(threads)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        return {"task": task, "model": name, "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker")
    parser.add_argument("--name", default="")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.name, args.threads)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        import os

        os.environ.setdefault("MT_AUDIT_CACHE", str(Path(tmp) / "ct2"))
        from audit.models.tiny import build_tiny_llama, build_tiny_marian

        text = SEED.read_text(encoding="utf-8")
        marian = str(build_tiny_marian(Path(tmp) / "marian", text, d_model=64, layers=2))
        llama = str(build_tiny_llama(Path(tmp) / "llama", text, hidden=64, layers=2))
        rows = [run("mt-hf", marian, args.threads), run("mt-ct2", marian, args.threads),
                run("lm-hf", llama, args.threads), run("lm-ct2", llama, args.threads)]
        if not args.quick:
            rows += [run("lm-hf", "smollm2", args.threads), run("lm-ct2", "smollm2", args.threads),
                     run("seed-nomodel", "", args.threads), run("seed-models", "", args.threads),
                     run("seed-models", marian, args.threads)]
    if args.json:
        print(json.dumps(rows, indent=1))
    print_table(rows)


def print_table(rows: list[dict]) -> None:
    def f(row: dict, key: str, fmt: str = "{:.1f}") -> str:
        return fmt.format(row[key]) if key in row else "-"

    print(f"{'task':<13} {'model':<10} {'load s':>7} {'sent/s b1':>10} {'sent/s b8':>10} {'tok/s b8':>9} "
          f"{'cold s':>7} {'warm s':>7} {'prop/s':>7} {'peak MB':>8}")
    for row in rows:
        name = Path(row["model"]).name if row["model"] else "-"
        if "error" in row:
            print(f"{row['task']:<13} {name:<10} error: {row['error']}")
            continue
        b8 = f(row, "b8_sent_s") if "b8_sent_s" in row else f(row, "sent_s")
        print(f"{row['task']:<13} {name[:10]:<10} {f(row, 'load_s'):>7} {f(row, 'b1_sent_s'):>10} {b8:>10} "
              f"{f(row, 'b8_tok_s', '{:.0f}'):>9} {f(row, 'cold_s'):>7} {f(row, 'warm_s'):>7} "
              f"{f(row, 'proposals_s'):>7} {f(row, 'peak_rss_mb', '{:.0f}'):>8}")
    by = {(r["task"], Path(r["model"]).name if r["model"] else ""): r for r in rows}
    for kind, hf, ct in (("lm", "lm-hf", "lm-ct2"), ("mt", "mt-hf", "mt-ct2")):
        for model in {m for t, m in by if t == hf}:
            a, b = by.get((hf, model)), by.get((ct, model))
            if a and b and "error" not in a and "error" not in b:
                for key in ("b1_sent_s", "b8_sent_s"):
                    if key in a and key in b:
                        print(f"CTranslate2/transformers {kind} {model} {key}: {b[key] / a[key]:.2f}x")


if __name__ == "__main__":
    main()
