"""Per Harper lint on the development MQM data: the share of its flags on a gold span and the share
of its replacements that fix what it flags; writes ``harper_proposing`` (the lints allowed to feed
proposals) into audit/calibration.yaml with ``--write``.

Run from the repository root:  python benchmarks/lint_precision.py [--write] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.evaluation.calibrate import measure_lints, write_proposing  # noqa: E402
from audit.evaluation.data import read_annotations  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "benchmarks" / "mqm-newstest2021-zhen.jsonl"))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--write", action="store_true", help="write harper_proposing into audit/calibration.yaml")
    args = parser.parse_args()
    segments = read_annotations(args.data)[:args.limit]
    measures = measure_lints(segments)
    print("| lint | flags | on gold span | on error-free | replacements | fix what they flag | proposes |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for m in sorted(measures, key=lambda m: -m.flags):
        fixed = "—" if m.fixed_share is None else f"{m.fixed}/{m.replaced} ({m.fixed_share:.0%})"
        print(f"| `{m.rule.removeprefix('grammar.harper.')}` | {m.flags} | {m.on_gold} ({m.on_gold_share:.0%}) |"
              f" {m.on_clean} | {m.replaced} | {fixed} | {'yes' if m.proposes else 'no'} |")
    if args.write:
        chosen = write_proposing(ROOT / "audit" / "calibration.yaml", measures)
        print(f"harper_proposing: {list(chosen)}")


if __name__ == "__main__":
    main()
