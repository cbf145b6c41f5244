"""Throughput of the learned detector (audit/qe) beside Harper's, measured in the same run.

Pairs from the zh->en MQM file (or the seed text, target-only, when it is absent) go through the
detector with torch in fp32 and with dynamic int8 quantisation of the linear layers (the default),
and, when ONNX Runtime is installed (``pip install -e '.[onnx]'``), through the same network exported
to ONNX, in fp32 and dynamically quantised to int8 by ``onnxruntime.quantization``; each with the
source and target-only. Harper lints the same MT sentences. Each variant is timed twice, interleaved,
and the best run kept; CPU seconds are reported beside wall time (a shared machine), and so is how
far each variant's word error probabilities move from torch fp32's (max |dp|).

    .venv/bin/python benchmarks/bench_qe.py [--pairs 256] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load_pairs(limit: int) -> list[tuple[str | None, str]]:
    shared = ROOT.parent / "shared/benchmarks/mqm-newstest2021-zhen.jsonl"
    path = Path(os.environ.get("MT_AUDIT_MQM_DATA", shared))
    pairs: dict[str, str | None] = {}
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                pairs.setdefault(row["target"].strip(), row["source"].strip())
                if len(pairs) >= limit:
                    break
    else:
        from audit.segment import segment_text

        seed = (ROOT / "seeds/lavrov-kommersant.en.txt").read_text(encoding="utf-8")
        pairs = {s.text: None for s in segment_text(seed)}
    return [(s, t) for t, s in list(pairs.items())[:limit]]


def timed(func) -> tuple[float, float, list]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = func()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def onnx_detectors(threads: int, folder: Path) -> dict:
    """Detectors whose network runs in ONNX Runtime (fp32 and int8), or {} when it is not installed."""
    try:
        import onnxruntime
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        return {}
    import torch

    from audit.qe.detector import Detector
    from audit.qe.model import build_inputs

    class OrtNetwork:
        def __init__(self, path: Path) -> None:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
            self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

        def __call__(self, ids, mask, target_mask):
            tags, sentence = self.session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy(),
                                                     "target_mask": target_mask.numpy()})
            return torch.from_numpy(tags), torch.from_numpy(sentence)

    class OnnxDetector(Detector):
        def __init__(self, int8: bool) -> None:
            super().__init__(quantise=False, threads=threads)
            self.int8 = int8

        def _build(self) -> tuple:
            model, tok = super()._build()
            path = folder / "qe.onnx"
            if not path.exists():
                sample = build_inputs([[5, 6, 7]], [[8, 9]], tok.bos, tok.eos, tok.pad)
                axes = {0: "batch", 1: "tokens"}
                torch.onnx.export(model, (sample.input_ids, sample.attention_mask, sample.target_mask), str(path),
                                  input_names=["input_ids", "attention_mask", "target_mask"],
                                  output_names=["tags", "sentence"], dynamo=False, opset_version=17,
                                  dynamic_axes={"input_ids": axes, "attention_mask": axes, "target_mask": axes,
                                                "tags": axes, "sentence": {0: "batch"}})
            if self.int8:
                quantised = folder / "qe.int8.onnx"
                if not quantised.exists():
                    quantize_dynamic(str(path), str(quantised), weight_type=QuantType.QInt8)
                path = quantised
            return OrtNetwork(path), tok

    return {"onnx fp32": OnnxDetector(int8=False), "onnx int8": OnnxDetector(int8=True)}


def max_drift(preds: list, reference: list) -> float:
    return max((abs(a.p_error - b.p_error) for p, r in zip(preds, reference, strict=True)
                for a, b in zip(p.words, r.words, strict=True)), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch

    from audit.qe.detector import Detector

    torch.set_num_threads(args.threads)
    pairs = load_pairs(args.pairs)
    targets = [t for _, t in pairs]
    sources = [s for s, _ in pairs]
    with tempfile.TemporaryDirectory() as folder:
        detectors = {"torch fp32": Detector(quantise=False, threads=args.threads),
                     "torch int8": Detector(quantise=True, threads=args.threads),
                     **onnx_detectors(args.threads, Path(folder))}
        for detector in detectors.values():
            detector.predict(targets[:8], sources[:8])  # load (export, quantise) and warm outside the timing
        report(detectors, targets, sources, len(pairs), args.threads)


def report(detectors: dict, targets: list[str], sources: list, n: int, threads: int) -> None:
    import torch

    from audit.grammar import GrammarChecker

    def harper() -> None:
        checker = GrammarChecker()  # Harper keeps results of texts it has seen: a fresh one per run
        checker.warm()
        start = time.perf_counter(), time.process_time()
        for target in targets:
            checker.check(target)
        best["Harper alone"] = min(best.get("Harper alone", (1e9, 1e9, [])),
                                   (time.perf_counter() - start[0], time.process_time() - start[1], []),
                                   key=lambda t: t[:2])

    variants = {f"detector {q}, {mode}": (lambda d=d, m=mode: d.predict(targets, sources if m == "with source"
                                                                      else None))
                for q, d in detectors.items() for mode in ("with source", "target only")}
    best: dict[str, tuple[float, float, list]] = {}
    for _ in range(2):  # interleaved repeats; the best of each kept
        harper()
        for name, run in variants.items():
            best[name] = min(best.get(name, (1e9, 1e9, [])), timed(run), key=lambda t: t[:2])
    slowest = max(wall for wall, _, _ in best.values())
    print(f"{n} sentence pairs, torch {torch.__version__}, {threads} threads"
          + ("" if any(k.startswith("onnx") for k in detectors) else "; ONNX Runtime not installed"))
    print(f"| {'variant':34} | pairs/s | CPU s | wall s | x slowest | max abs dp vs torch fp32 |")
    print("|" + "---|" * 6)
    for name, (wall, cpu, preds) in sorted(best.items(), key=lambda kv: kv[1][0]):
        mode = name.rsplit(", ", 1)[-1]
        reference = best.get(f"detector torch fp32, {mode}", (0, 0, []))[2]
        drift = f"{max_drift(preds, reference):.3f}" if preds and reference else ""
        print(f"| {name:34} | {n / wall:7.1f} | {cpu:5.1f} | {wall:6.1f} | {slowest / wall:9.1f} | {drift:>24} |")


if __name__ == "__main__":
    main()
