"""Choose the shipped rule selection by document-level cross-validation on annotated data.

What is chosen: which rules to switch off, Harper lints, pattern rules and glossary entries
alike. A rule is dropped when, on the training documents, its flags land on segments the raters
marked error-free more often than on a gold span (the issue's criterion), provided it raised at
least ``min_support`` flags there (fewer is too little evidence either way).

``min_support`` is the one free parameter. It is chosen by an inner document-level
cross-validation inside the training documents (choosing it on the very documents the drops
were measured on would always pick 1), maximising the objective on the inner held-out folds:

* ``utility`` (default): flags on a gold span minus flags on error-free segments, i.e. +1 for a
  flag a reviewer would agree with, -1 for a false alarm on a clean segment; the per-rule drop
  criterion is exactly "this rule's utility is negative", so the objective and the criterion agree.
* ``span_f1`` / ``segment_f1``: offered, but not the default: the flagger's recall is tiny
  (span ~0.6 %, segment ~14 %), so F1 ~ 2 x recall and every drop lowers it; F1 would keep every
  rule, false alarms included.

The candidate flagger is the one whose options were given, with no calibration applied (the
built-in Harper exclusions, no disabled rules), so that every rule gets measured. The flags are
computed once; a selection is applied by filtering them, which is what switching a rule off does
(up to the grammar-inside-lexical-flag deduplication, which re-running ``mt-audit eval`` checks).

Documents are split into K folds (seeded shuffle, then round-robin), so no document is both
trained and tested on. The held-out figures, per fold and pooled, are the cross-validated ones;
the selection written to ``audit/calibration.yaml`` is then fitted on all documents the same way.
"""

from __future__ import annotations

import datetime as _dt
import random
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..grammar import DEFAULT_HARPER_DISABLED
from .data import AnnotatedSegment
from .metrics import GroupStat, PredictedSpan, Scores, group_stats, score

if TYPE_CHECKING:
    from ..grammar import GrammarChecker

HARPER_PREFIX = "grammar.harper."
DEFAULT_FOLDS = 5
MIN_SUPPORT_GRID = (1, 2, 3, 5, 10, 20, 50)
#: The most share of error-free segments the kept rules may flag on the training documents (target
#: only). The target is 8 % on held-out documents; the cap leaves a margin for the difference between
#: training and held-out documents, as the source checks' 13 % does for their 15 %.
MAX_FALSE_FLAG = 0.06


def _utility(predictions: Sequence[Sequence[PredictedSpan]], segments: Sequence[AnnotatedSegment]) -> float:
    stats = group_stats(zip(predictions, segments, strict=True))
    return float(sum(s.on_gold - s.on_clean for s in stats))


#: Objectives a selection may maximise, by name: (predictions, segments) -> value.
OBJECTIVES: dict[str, Callable[[Sequence[Sequence[PredictedSpan]], Sequence[AnnotatedSegment]], float]] = {
    "utility": _utility,
    "span_f1": lambda p, s: score(p, s).span.f1 or 0.0,
    "segment_f1": lambda p, s: score(p, s).segment_any.f1 or 0.0,
}
DEFAULT_OBJECTIVE = "utility"
OBJECTIVE_HELP = {
    "utility": "flags on a gold span minus flags on error-free segments",
    "span_f1": "span-level character F1",
    "segment_f1": "segment-level F1 against any error",
}


@dataclass(frozen=True)
class Selection:
    """Rules to switch off (flag rule ids) and the support threshold that produced them."""

    min_support: int
    dropped: frozenset[str]
    inner_objective: dict[int, float] = field(default_factory=dict)  # min_support -> inner-CV objective


def select(stats: Sequence[GroupStat], min_support: int) -> frozenset[str]:
    """Rules with at least ``min_support`` flags that fire on error-free segments more than on gold."""
    return frozenset(s.key for s in stats if s.flags >= min_support and s.noisy)


def false_flag_rate(predictions: Sequence[Sequence[PredictedSpan]], segments: Sequence[AnnotatedSegment],
                    dropped: frozenset[str] = frozenset()) -> float:
    """Share of error-free segments with at least one flag of a rule not in ``dropped``."""
    clean = [p for p, s in zip(predictions, segments, strict=True) if not s.has_error]
    if not clean:
        return 0.0
    return sum(any(x.rule not in dropped for x in p) for p in clean) / len(clean)


def cap_false_flags(predictions: Sequence[Sequence[PredictedSpan]], segments: Sequence[AnnotatedSegment],
                    dropped: frozenset[str], max_rate: float) -> frozenset[str]:
    """``dropped`` plus the rules that land on a gold span least often per flag on an error-free
    segment, one at a time, until the kept rules flag at most ``max_rate`` of the error-free segments.

    Only rules with a flag on an error-free segment are candidates; ties go to more such flags, then
    to the rule id (a pure function of its arguments)."""
    stats = group_stats(zip(predictions, segments, strict=True))
    queue = sorted((s for s in stats if s.key not in dropped and s.on_clean > 0),
                   key=lambda s: (s.on_gold / s.on_clean, -s.on_clean, s.key))
    chosen = set(dropped)
    for stat in queue:
        if false_flag_rate(predictions, segments, frozenset(chosen)) <= max_rate:
            break
        chosen.add(stat.key)
    return frozenset(chosen)


def apply(predictions: Sequence[Sequence[PredictedSpan]], dropped: frozenset[str]) -> list[list[PredictedSpan]]:
    return [[p for p in spans if p.rule not in dropped] for spans in predictions]


def _subset(items: Sequence[Any], indices: Sequence[int]) -> list[Any]:
    return [items[i] for i in indices]


def fit(
    predictions: Sequence[Sequence[PredictedSpan]],
    segments: Sequence[AnnotatedSegment],
    *,
    grid: Sequence[int] = MIN_SUPPORT_GRID,
    objective: str = DEFAULT_OBJECTIVE,
    k: int = DEFAULT_FOLDS,
    seed: int = 0,
    min_support: int | None = None,
    max_false_flag: float | None = None,
) -> Selection:
    """The drops on these segments, at ``min_support`` or at the one an inner document-level CV chooses,
    then (``max_false_flag`` given) the least precise rules until the false-flag rate is capped
    (:func:`cap_false_flags`).

    Ties go to the smaller support (more of the issue's noisy rules dropped).
    """
    def capped(dropped: frozenset[str]) -> frozenset[str]:
        if max_false_flag is None:
            return dropped
        return cap_false_flags(predictions, segments, dropped, max_false_flag)

    if min_support is not None:
        stats = group_stats(zip(predictions, segments, strict=True))
        return Selection(min_support, capped(select(stats, min_support)))
    measure = OBJECTIVES[objective]
    folds = doc_folds(segments, min(k, len({s.doc for s in segments})), seed)
    totals = dict.fromkeys(grid, 0.0)
    for test in folds:
        test_set = set(test)
        train = [i for i in range(len(segments)) if i not in test_set]
        stats = group_stats(zip(_subset(predictions, train), _subset(segments, train), strict=True))
        test_predictions, test_segments = _subset(predictions, test), _subset(segments, test)
        for support in grid:
            totals[support] += measure(apply(test_predictions, select(stats, support)), test_segments)
    best = max(sorted(grid), key=lambda m: (round(totals[m], 9), -m))
    stats = group_stats(zip(predictions, segments, strict=True))
    return Selection(best, capped(select(stats, best)), totals)


def doc_folds(segments: Sequence[AnnotatedSegment], k: int = DEFAULT_FOLDS, seed: int = 0) -> list[list[int]]:
    """Segment indices per fold; all segments of a document fall in the same fold."""
    docs = sorted({s.doc for s in segments})
    if k < 2 or len(docs) < k:
        raise ValueError(
            f"{len(docs)} documents cannot make {k} folds (cross-validation needs whole documents in each fold)"
        )
    random.Random(seed).shuffle(docs)
    fold_of = {doc: index % k for index, doc in enumerate(docs)}
    folds: list[list[int]] = [[] for _ in range(k)]
    for index, segment in enumerate(segments):
        folds[fold_of[segment.doc]].append(index)
    return folds


@dataclass
class FoldResult:
    fold: int
    documents: int
    segments: int
    selection: Selection
    before: Scores  # held-out figures of the uncalibrated flagger
    after: Scores  # held-out figures with the training folds' selection


@dataclass
class CVResult:
    folds: list[FoldResult]
    pooled_before: Scores  # all held-out segments together
    pooled_after: Scores
    final: Selection  # fitted on every document
    objective: str
    k: int
    seed: int
    stats: list[GroupStat] = field(default_factory=list)  # per rule, on every document
    min_support: int | None = None  # fixed, or None: chosen by inner CV
    landing: dict[str, dict[str, int]] = field(default_factory=dict)  # pooled held-out flag counts
    max_false_flag: float | None = None  # the training documents' false-flag cap, if any

    def mean(self, which: str, getter: Callable[[Scores], float | None]) -> float | None:
        values = [getter(getattr(f, which)) for f in self.folds]
        known = [v for v in values if v is not None]
        return statistics.fmean(known) if known else None

    def summary(self) -> dict[str, Any]:
        figures: dict[str, Callable[[Scores], float | None]] = {
            "span_precision": lambda s: s.span.precision,
            "span_recall": lambda s: s.span.recall,
            "span_f1": lambda s: s.span.f1,
            "segment_any_precision": lambda s: s.segment_any.precision,
            "segment_any_recall": lambda s: s.segment_any.recall,
            "segment_any_f1": lambda s: s.segment_any.f1,
            "segment_major_precision": lambda s: s.segment_major.precision,
            "false_flag_rate": lambda s: s.false_flags.value,
            "flag_rate": lambda s: s.flag_rate,
        }

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "objective": self.objective,
            "min_support": self.min_support if self.min_support is not None else "inner-cv",
            "max_false_flag": self.max_false_flag,
            "folds": self.k,
            "seed": self.seed,
            "mean_over_folds": {
                which: {name: rounded(self.mean(which, get)) for name, get in figures.items()}
                for which in ("before", "after")
            },
            "pooled_held_out": {
                "before": {name: rounded(get(self.pooled_before)) for name, get in figures.items()},
                "after": {name: rounded(get(self.pooled_after)) for name, get in figures.items()},
            },
            "pooled_held_out_flags": self.landing,
            "per_fold": [
                {
                    "fold": f.fold,
                    "documents": f.documents,
                    "segments": f.segments,
                    "min_support": f.selection.min_support,
                    "dropped": sorted(f.selection.dropped),
                    "span_f1_before": rounded(f.before.span.f1),
                    "span_f1_after": rounded(f.after.span.f1),
                    "false_flag_rate_before": rounded(f.before.false_flags.value),
                    "false_flag_rate_after": rounded(f.after.false_flags.value),
                }
                for f in self.folds
            ],
            "final": {"min_support": self.final.min_support, "dropped": sorted(self.final.dropped)},
        }


def cross_validate(
    predictions: Sequence[Sequence[PredictedSpan]],
    segments: Sequence[AnnotatedSegment],
    *,
    k: int = DEFAULT_FOLDS,
    seed: int = 0,
    objective: str = DEFAULT_OBJECTIVE,
    grid: Sequence[int] = MIN_SUPPORT_GRID,
    min_support: int | None = None,
    max_false_flag: float | None = None,
) -> CVResult:
    """Outer K-fold by document: fit on K-1 folds, score the held-out fold.

    ``min_support`` None: chosen inside each training set by an inner CV (see :func:`fit`);
    ``max_false_flag``: the cap on the training documents' false-flag rate (:func:`cap_false_flags`).
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r} (choose from {sorted(OBJECTIVES)})")
    folds = doc_folds(segments, k, seed)
    results = []
    held_out: list[int] = []
    after_predictions: dict[int, list[PredictedSpan]] = {}
    for number, test in enumerate(folds):
        test_set = set(test)
        train = [i for i in range(len(segments)) if i not in test_set]
        selection = fit(
            _subset(predictions, train),
            _subset(segments, train),
            grid=grid,
            objective=objective,
            k=k,
            seed=seed,
            min_support=min_support,
            max_false_flag=max_false_flag,
        )
        test_segments = _subset(segments, test)
        test_before = [list(predictions[i]) for i in test]
        test_after = apply(test_before, selection.dropped)
        results.append(
            FoldResult(
                number,
                len({s.doc for s in test_segments}),
                len(test),
                selection,
                score(test_before, test_segments),
                score(test_after, test_segments),
            )
        )
        held_out.extend(test)
        after_predictions.update(zip(test, test_after, strict=True))
    pooled_segments = _subset(segments, held_out)
    pooled_before = score(_subset(predictions, held_out), pooled_segments)
    pooled_after = score([after_predictions[i] for i in held_out], pooled_segments)
    landing = {
        "before": _landing(_subset(predictions, held_out), pooled_segments),
        "after": _landing([after_predictions[i] for i in held_out], pooled_segments),
    }
    final = fit(predictions, segments, grid=grid, objective=objective, k=k, seed=seed, min_support=min_support,
                max_false_flag=max_false_flag)
    stats = group_stats(zip(predictions, segments, strict=True))
    return CVResult(results, pooled_before, pooled_after, final, objective, k, seed, stats, min_support, landing,
                    max_false_flag)


def _landing(predictions: Sequence[Sequence[PredictedSpan]], segments: Sequence[AnnotatedSegment]) -> dict[str, int]:
    stats = group_stats(zip(predictions, segments, strict=True))
    return {
        "flags": sum(s.flags for s in stats),
        "on_gold": sum(s.on_gold for s in stats),
        "on_clean": sum(s.on_clean for s in stats),
    }


def harper_names() -> dict[str, str]:
    """Flag rule id (``grammar.harper.<kebab>``) -> Harper lint name."""
    from harper import Dialect, Linter

    from ..grammar import _kebab

    names = Linter(Dialect.AMERICAN).get_lint_config()
    return {f"{HARPER_PREFIX}{_kebab(name)}": name for name in names}


def split_dropped(
    dropped: frozenset[str],
    base_harper_disabled: Sequence[str] = DEFAULT_HARPER_DISABLED,
    names: dict[str, str] | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(harper_disabled, disabled_rules) for the config: Harper lints by Harper name, the rest by rule id."""
    harper: list[str] = list(base_harper_disabled)
    rules: list[str] = []
    for rule in sorted(dropped):
        if rule.startswith(HARPER_PREFIX):
            names = names if names is not None else harper_names()
            name = _harper_name(rule, names)
            if name not in harper:
                harper.append(name)
        else:
            rules.append(rule)
    return tuple(harper), tuple(rules)


def harper_evidence(stats: Sequence[GroupStat], dropped: frozenset[str],
                    names: dict[str, str] | None = None) -> tuple[str, ...]:
    """Harper lints (Harper's names) whose flags landed on a gold span at least once and that the
    calibration keeps: the ``evidence`` grammar rule set (``AuditConfig.grammar_rules``)."""
    out: list[str] = []
    for stat in sorted(stats, key=lambda s: s.key):
        if stat.key.startswith(HARPER_PREFIX) and stat.on_gold > 0 and stat.key not in dropped:
            names = names if names is not None else harper_names()
            out.append(_harper_name(stat.key, names))
    return tuple(out)


def _harper_name(rule: str, names: dict[str, str]) -> str:
    """Harper's name of the lint behind flag rule id ``rule``; ValueError when there is none."""
    name = names.get(rule)
    if name is None:
        raise ValueError(f"no Harper lint is named like {rule!r}")
    return name


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def write_calibration(
    path: str | Path,
    cv: CVResult,
    *,
    data: str,
    command: str,
    segments: int,
    documents: int,
    names: dict[str, str] | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Write the fitted selection (and how it was obtained) as the shipped calibration YAML."""
    import yaml

    names = names if names is not None else harper_names()  # one Harper linter for both lists
    harper, rules = split_dropped(cv.final.dropped, names=names)
    s = cv.summary()
    mb, ma = s["mean_over_folds"]["before"], s["mean_over_folds"]["after"]
    by_rule = {r.key: r for r in cv.stats}
    lines = [
        "# Shipped calibration of the mt-audit flagger, read by audit.config.shipped_calibration().",
        f"# Date: {_dt.date.today().isoformat()}",
        f"# Data: {data} ({segments} segments, {documents} documents; human MQM annotations, zh->en)",
        f"# Command: {command}",
        f"# Method: document-level {cv.k}-fold cross-validation (seed {cv.seed}). On the training folds a",
        "#   rule is dropped when its flags land on error-free segments more often than on a gold span and",
        "#   it raised at least min_support flags there; "
        + (
            f"min_support is fixed at {cv.min_support}."
            if cv.min_support is not None
            else f"min_support is chosen from {list(MIN_SUPPORT_GRID)} by an inner document-level CV inside"
            f" the training folds maximising {cv.objective} ({OBJECTIVE_HELP[cv.objective]})."
        ),
        *(["#   Then the least precise rules (fewest flags on a gold span per flag on an error-free segment) are",
           f"#   dropped until the kept ones flag at most {cv.max_false_flag:.0%} of the error-free segments."]
          if cv.max_false_flag is not None else []),
        f"#   The lists below are fitted on all documents the same way (min_support {cv.final.min_support}).",
        "# Cross-validated (held-out folds, mean over folds), uncalibrated -> calibrated:",
        f"#   span P {_pct(mb['span_precision'])} -> {_pct(ma['span_precision'])},"
        f" span R {_pct(mb['span_recall'])} -> {_pct(ma['span_recall'])},"
        f" span F1 {_pct(mb['span_f1'])} -> {_pct(ma['span_f1'])}",
        f"#   segment P (any error) {_pct(mb['segment_any_precision'])}"
        f" -> {_pct(ma['segment_any_precision'])},"
        f" segment R {_pct(mb['segment_any_recall'])} -> {_pct(ma['segment_any_recall'])}",
        f"#   false-flag rate {_pct(mb['false_flag_rate'])} -> {_pct(ma['false_flag_rate'])}",
        "# Dropped (flags on error-free segments / flags on a gold span, all documents):",
    ]
    for rule in sorted(cv.final.dropped):
        stat = by_rule.get(rule)
        if stat is not None:
            lines.append(f"#   {rule}: {stat.on_clean} / {stat.on_gold} of {stat.flags} flags")
    if not cv.final.dropped:
        lines.append("#   (none)")
    evidence = harper_evidence(cv.stats, cv.final.dropped, names)
    lines.append(f"# harper_evidence: the {len(evidence)} kept Harper lints with a flag on a gold span"
                 " (all documents),")
    lines.append("#   the lints `--grammar-rules evidence` runs (the default of mt-audit batch).")
    values: dict[str, object] = {"harper_disabled": list(harper), "disabled_rules": list(rules),
                                 "harper_evidence": list(evidence)}
    body = yaml.safe_dump(values, sort_keys=False, default_flow_style=False, allow_unicode=True)
    # Keep what other calibrations wrote into the same file (the source checks' thresholds, the
    # detector's), verbatim with their comments.
    previous = Path(path)
    kept = other_sections(previous.read_text(encoding="utf-8"), values) if previous.is_file() else ""
    Path(path).write_text("\n".join(lines) + "\n" + body + kept, encoding="utf-8")
    return harper, rules


def other_sections(text: str, written: Iterable[str]) -> str:
    """The top-level sections of a calibration file's ``text`` other than ``written``, each with the
    comment lines just above it, verbatim."""
    written = set(written)
    out: list[str] = []
    pending: list[str] = []
    keep = False
    for line in text.splitlines():
        if line.startswith("#"):
            pending.append(line)
        elif line and line[0] not in " -\t":  # a top-level key
            keep = line.split(":", 1)[0].strip() not in written
            if keep:
                out.extend(pending)
                out.append(line)
            pending = []
        elif keep:
            out.extend(pending)
            pending = []
            out.append(line)
    return "".join(f"{line}\n" for line in out)


# --- Harper lints: precision and whether their suggestion fixes what they flag -----------------------
#: A lint may feed proposals when at least this share of its flags lands on a gold span and at least
#: this share of its replacements leaves no lint at the edited place.
PROPOSAL_MIN_ON_GOLD = 0.5
PROPOSAL_MIN_FIXED = 0.5


@dataclass(frozen=True)
class LintMeasure:
    """One Harper lint on annotated data: where its flags land, and what its replacements do."""

    rule: str  # grammar.harper.<kebab>
    flags: int
    on_gold: int
    on_clean: int
    replaced: int  # flags with a replacement
    fixed: int  # ... after which a re-lint finds nothing at the edited place

    @property
    def on_gold_share(self) -> float:
        return self.on_gold / self.flags if self.flags else 0.0

    @property
    def fixed_share(self) -> float | None:
        return self.fixed / self.replaced if self.replaced else None

    @property
    def proposes(self) -> bool:
        fixed = self.fixed_share
        return self.on_gold_share >= PROPOSAL_MIN_ON_GOLD and fixed is not None and fixed >= PROPOSAL_MIN_FIXED


def _fixes(checker: GrammarChecker, text: str, start: int, end: int, replacement: str) -> bool:
    """Whether replacing ``text[start:end]`` leaves no lint on or next to the edited words."""
    corrected = text[:start] + replacement + text[end:]
    edit_end = start + len(replacement)
    return not any(h.start <= edit_end and start <= h.end for h in checker.check(corrected))


def measure_lints(segments: Sequence[AnnotatedSegment], checker: GrammarChecker | None = None) -> list[LintMeasure]:
    """Lint every target with every Harper lint (but the built-in exclusions), replacements on,
    and measure each lint: flags on a gold span (``on_gold``) and on error-free segments, and the
    share of its replacements that fix what it flags (re-linted: nothing left at the edit)."""
    from ..grammar import EVERY_LINT, GrammarChecker

    checker = checker if checker is not None else GrammarChecker(DEFAULT_HARPER_DISABLED, proposing=EVERY_LINT)
    lints = checker.check_many(s.target for s in segments)
    predictions = [[PredictedSpan(h.start, h.end, "minor", h.rule) for h in hits] for hits in lints]
    stats = {s.key: s for s in group_stats(zip(predictions, segments, strict=True))}
    replaced: dict[str, int] = {}
    fixed: dict[str, int] = {}
    for segment, hits in zip(segments, lints, strict=True):
        for hit in hits:
            if hit.replacement is None:
                continue
            replaced[hit.rule] = replaced.get(hit.rule, 0) + 1
            if _fixes(checker, segment.target, hit.start, hit.end, hit.replacement):
                fixed[hit.rule] = fixed.get(hit.rule, 0) + 1
    return [LintMeasure(rule, s.flags, s.on_gold, s.on_clean, replaced.get(rule, 0), fixed.get(rule, 0))
            for rule, s in sorted(stats.items())]


def write_proposing(path: str | Path, measures: Sequence[LintMeasure], names: dict[str, str] | None = None
                    ) -> tuple[str, ...]:
    """Set ``harper_proposing`` (Harper names of the lints that may feed proposals) in the
    calibration file, keeping its other keys and its comments; returns the list."""
    import yaml

    names = names if names is not None else harper_names()
    chosen = tuple(_harper_name(m.rule, names) for m in measures if m.proposes)
    text = Path(path).read_text(encoding="utf-8") if Path(path).is_file() else ""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        if line and not line.startswith(("-", " ", "#")):
            skipping = line.startswith("harper_proposing:")
        if not skipping:
            kept.append(line)
    block = yaml.safe_dump({"harper_proposing": list(chosen)}, sort_keys=False, default_flow_style=False)
    comment = (f"# harper_proposing: lints whose flags land on a gold span >= {PROPOSAL_MIN_ON_GOLD:.0%} of the time"
               f" and whose replacement fixes what they flag >= {PROPOSAL_MIN_FIXED:.0%} of the time"
               " (benchmarks/lint_precision.py); only these feed proposals.")
    kept = [line for line in kept if not line.startswith("# harper_proposing:")]
    Path(path).write_text("\n".join([*kept, comment, block.rstrip()]) + "\n", encoding="utf-8")
    return chosen
