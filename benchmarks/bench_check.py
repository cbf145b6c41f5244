"""Throughput of `check` without models: glossary+rules pass, Harper, the whole pipeline.

Run from the repository root:  python benchmarks/bench_check.py [--sentences N]

Sentences are the English MT of the development MQM data (../shared/benchmarks, or
$MT_AUDIT_MQM_DATA) plus the seed; the synthetic 100,000-entry glossary is made of
word bigrams and trigrams drawn from that same text, so entries hit at realistic rates.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audit.checkers.glossary import GlossaryChecker  # noqa: E402
from audit.config import AuditConfig  # noqa: E402
from audit.glossary import (  # noqa: E402
    Glossary,
    default_glossary_dir,
    glossary_files,
    load_glossary,
    make_entry,
    save_glossary,
)
from audit.matcher import GlossaryMatcher  # noqa: E402
from audit.normalize import fold  # noqa: E402
from audit.pipeline import Auditor, Resources  # noqa: E402
from audit.records import Segment  # noqa: E402
from audit.rules import load_rules  # noqa: E402


def glossary_matcher(auditor: Auditor) -> GlossaryMatcher:
    """The glossary automaton the auditor's glossary checker runs."""
    checker = auditor.chain.find(GlossaryChecker)
    if not isinstance(checker, GlossaryChecker):
        raise LookupError("the auditor runs no glossary checker")
    return checker.matcher


def mqm_path() -> Path | None:
    shared = ROOT.parent / "shared/benchmarks/mqm-newstest2021-zhen.jsonl"
    for candidate in (os.environ.get("MT_AUDIT_MQM_DATA"), shared):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return None


def load_sentences(limit: int) -> tuple[list[str], list[str], list[str]]:
    """Sentences, and documents (the sentences of each MQM doc joined) for Harper's own run."""
    from audit.segment import segment_text

    seed = (ROOT / "seeds/lavrov-kommersant.en.txt").read_text(encoding="utf-8")
    sentences = [s.text for s in segment_text(seed)]
    documents: dict[str, list[str]] = {"seed": list(sentences)}
    path = mqm_path()
    if path:
        seen = set()
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                target = row["target"].strip()
                if target and target not in seen:
                    seen.add(target)
                    sentences.append(target)
                    documents.setdefault(f"{row['system']}/{row['doc']}", []).append(target)
    corpus = list(sentences)
    sentences = sentences[:limit]
    keep = set(sentences)
    docs = [" ".join(s for s in doc if s in keep) for doc in documents.values()]
    return sentences, [d for d in docs if d], corpus


def synthetic_glossary(sentences: list[str], size: int, seed: int = 7) -> Glossary:
    rng = random.Random(seed)
    words = [w.strip(".,;:!?\"'()") for s in sentences for w in s.split()]
    words = [w for w in words if w.isalpha()]
    entries = []
    seen = set()
    for _ in range(size * 20):
        if len(entries) >= size:
            break
        n = rng.choice((2, 3, 3, 4, 4))
        start = rng.randrange(len(words) - n)
        phrase = " ".join(words[start:start + n])
        key = phrase.lower()
        if key in seen:
            continue
        seen.add(key)
        entries.append(make_entry({"id": f"syn.{len(entries)}", "deprecated": phrase, "preferred": phrase.upper(),
                                   "source_term": "术语"}, file="synthetic", line=len(entries) + 2,
                                  default_id=""))
    return Glossary("synthetic", tuple(entries))


def best_rate(func, items: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return items / best


def lexical_rate(auditor: Auditor, sentences: list[str]) -> float:
    segments = [Segment(i, 0, len(s), s) for i, s in enumerate(sentences)]

    def run() -> None:
        for segment in segments:
            auditor.lexical_flags(segment)

    auditor.lexical_flags(segments[0])
    return best_rate(run, len(segments))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    sentences, documents, corpus = load_sentences(args.sentences)
    rows: list[tuple[str, str]] = []
    rows.append(("sentences", f"{len(sentences):,} ({sum(len(s) for s in sentences) / len(sentences):.0f} chars avg)"))

    shipped_paths = glossary_files(default_glossary_dir())
    start = time.perf_counter()
    shipped = [load_glossary(p) for p in shipped_paths]
    rules = load_rules()
    shipped_auditor = Auditor(AuditConfig(grammar=False), Resources(shipped, rules))
    _ = glossary_matcher(shipped_auditor)
    rows.append(("load shipped glossaries + rules + automaton",
                 f"{time.perf_counter() - start:.3f} s ({sum(len(g) for g in shipped)} entries, "
                 f"{glossary_matcher(shipped_auditor).pattern_count:,} surface forms, {len(rules)} rules)"))

    # Entries come from held-out text (not the sentences timed), as a user's glossary would.
    synthetic = synthetic_glossary(corpus[len(sentences):] or corpus, args.entries)
    if len(synthetic) < args.entries:
        raise SystemExit(f"only {len(synthetic)} distinct phrases in the corpus; lower --entries")
    tmp = ROOT / "benchmarks" / ".synthetic-glossary.csv"
    save_glossary(synthetic, tmp)
    start = time.perf_counter()
    loaded = load_glossary(tmp)
    read_s = time.perf_counter() - start
    big_auditor = Auditor(AuditConfig(grammar=False), Resources([*shipped, loaded], rules))
    _ = glossary_matcher(big_auditor)
    total_s = time.perf_counter() - start
    tmp.unlink()
    rows.append((f"load {args.entries:,}-entry glossary (CSV parse / + automaton)",
                 f"{read_s:.2f} s / {total_s:.2f} s ({glossary_matcher(big_auditor).pattern_count:,} surface forms)"))

    import ahocorasick

    automaton = ahocorasick.Automaton()
    for entry in loaded.entries:
        automaton.add_word(fold(entry.deprecated[0]), 1)
    automaton.make_automaton()
    folded = [fold(s) for s in sentences]
    raw = best_rate(lambda: [list(automaton.iter(f)) for f in folded], len(sentences))
    rows.append(("pyahocorasick alone, 100k patterns (sentences/s)", f"{raw:,.0f}"))
    shipped_rate = lexical_rate(shipped_auditor, sentences)
    rows.append(("glossary+rules pass, shipped glossary (sentences/s)", f"{shipped_rate:,.0f}"))
    hits = sum(len(glossary_matcher(big_auditor).find(s)) for s in sentences) / len(sentences)
    rows.append((f"glossary hits per sentence with +{args.entries:,} entries", f"{hits:.2f}"))
    rows.append((f"glossary+rules pass, +{args.entries:,} entries (sentences/s)",
                 f"{lexical_rate(big_auditor, sentences):,.0f}"))

    from audit.grammar import GrammarChecker

    # Harper keeps results of texts it has linted, so every timed run gets a fresh linter
    # (built and warmed outside the timing), for Harper alone and for the whole check alike.
    text = "\n".join(documents)
    harper_best = check_best = float("inf")
    for _ in range(2):
        checker = GrammarChecker()
        checker.warm()
        start = time.perf_counter()
        for document in documents:
            checker.check(document)
        harper_best = min(harper_best, time.perf_counter() - start)
        full = Auditor(AuditConfig(qe=False), Resources(shipped, rules))  # the detector: bench_qe.py
        full.warm()
        start = time.perf_counter()
        # As `mt-audit check FILE` runs it: a byte stream, paragraphs streamed through the pipeline.
        for _ in full.audit_stream(io.BytesIO(text.encode("utf-8")), "bench", full.new_summary()):
            pass
        check_best = min(check_best, time.perf_counter() - start)
    harper = len(sentences) / harper_best
    whole = len(sentences) / check_best
    rows.append(("Harper alone, whole documents (sentences/s)", f"{harper:,.0f}"))
    rows.append(("whole check, shipped glossary + rules + Harper (sentences/s)",
                 f"{whole:,.0f} ({100 * whole / harper:.0f}% of Harper alone)"))
    rows.append(("peak RSS", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"))

    width = max(len(k) for k, _ in rows)
    print(f"{'measure'.ljust(width)} | value")
    print(f"{'-' * width}-|------")
    for key, value in rows:
        print(f"{key.ljust(width)} | {value}")


if __name__ == "__main__":
    main()
