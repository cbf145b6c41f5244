"""The ``dedupe`` step: one flag per error, and no learned flag where a rule already explains it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..records import Flag


def _same_error(a: Flag, b: Flag) -> bool:
    """Whether ``a`` repeats ``b``: (nearly) the same words, or words inside ``b`` that ``b``'s
    own correction already rewrites (when ``b``'s replacement still contains ``a``'s words,
    ``a`` is a separate error that the proposal step composes into ``b``'s rewrite)."""
    overlap = min(a.end, b.end) - max(a.start, b.start)
    union = max(a.end, b.end) - min(a.start, b.start)
    if union > 0 and overlap / union >= 0.8:
        return True
    inside = b.start <= a.start and a.end <= b.end
    return inside and b.replacement is not None and a.text not in b.replacement


def dedupe_flags(flags: Sequence[Flag]) -> list[Flag]:
    """One flag per error.

    A glossary entry and a rule that flag the same words count once (the more severe, the
    glossary on a tie); a grammar flag inside a glossary/rule flag is dropped (the lexical
    flag explains it).
    """
    ranked = sorted((f for f in flags if f.origin != "grammar"),
                    key=lambda f: (-f.severity.rank, f.origin != "glossary", f.start - f.end, f.start))
    lexical: list[Flag] = []
    for flag in ranked:
        if not any(_same_error(flag, kept) for kept in lexical):
            lexical.append(flag)
    kept = list(lexical)
    for flag in flags:
        if flag.origin == "grammar" and not any(f.start <= flag.start and flag.end <= f.end for f in lexical):
            kept.append(flag)
    return sorted(kept, key=lambda f: (f.start, f.end, f.rule))


def overlaps(a: Flag, b: Flag) -> bool:
    """Whether two spans share a character (an empty span overlaps what strictly surrounds it)."""
    return not (a.end <= b.start or a.start >= b.end)


def explained(flag: Flag, others: Sequence[Flag], origins: frozenset[str]) -> bool:
    """Whether a flag of one of ``origins`` among ``others`` overlaps ``flag`` (and so explains it)."""
    return any(o.origin in origins and overlaps(flag, o) for o in others)


def confirmed(kept: Sequence[Flag], flag: Flag, origins: frozenset[str]) -> list[Flag]:
    """``kept`` with the flags of ``origins`` that explain ``flag`` raised to its confidence (a learned
    flag that agrees with a rule: the rule's flag stays, with the detector's probability on it)."""
    if flag.confidence is None:
        return list(kept)
    return [replace(o, confidence=max(o.confidence or 0.0, flag.confidence))
            if o.origin in origins and overlaps(flag, o) else o for o in kept]


def sort_flags(flags: Sequence[Flag]) -> list[Flag]:
    """Document order (start, end, rule): the order of the JSON contract."""
    return sorted(flags, key=lambda f: (f.start, f.end, f.rule))
