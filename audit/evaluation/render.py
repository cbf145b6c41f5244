"""Render an :class:`EvalReport` as terminal tables (rich) or Markdown (for a README)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from .metrics import PRF, GroupStat, Scores
from .runner import SYSTEM_LABELS, SYSTEM_ORDER, EvalReport


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}"


def _prf(prf: PRF) -> list[str]:
    return [pct(prf.precision), pct(prf.recall), pct(prf.f1)]


SEGMENT_HEADER = ["", "flagged", "any P", "any R", "any F1", "major P", "major R", "major F1", "false-flag"]
SPAN_HEADER = ["", "span P", "span R", "span F1", "sev F1", "pred chars", "gold chars"]
RULE_HEADER = ["rule", "flags", "on gold", "on major", "on clean", "elsewhere", "prec", "noisy"]
LEGEND = (
    "on gold: flags overlapping a gold span (on major: a major one); on clean: flags on segments marked "
    "error-free; elsewhere: on segments with errors but off every span; prec = on gold / flags; "
    "noisy: on clean > on gold (drop or fix)"
)


def segment_rows(report: EvalReport) -> list[list[str]]:
    rows = []
    for name in SYSTEM_ORDER:
        s: Scores = report.scores[name]
        rows.append(
            [
                SYSTEM_LABELS[name],
                pct(s.flag_rate),
                *_prf(s.segment_any),
                *_prf(s.segment_major),
                pct(s.false_flags.value),
            ]
        )
    return rows


def span_rows(report: EvalReport) -> list[list[str]]:
    rows = []
    for name in SYSTEM_ORDER:
        s = report.scores[name]
        rows.append(
            [
                SYSTEM_LABELS[name],
                *_prf(s.span),
                pct(s.span_severity.f1),
                f"{s.span.predicted:,.0f}",
                f"{s.span.gold:,.0f}",
            ]
        )
    return rows


def _verdict(stat: GroupStat) -> str:
    return "noisy" if stat.noisy else ""


def rule_rows(stats: Sequence[GroupStat]) -> list[list[str]]:
    return [
        [
            s.key,
            str(s.flags),
            str(s.on_gold),
            str(s.on_major),
            str(s.on_clean),
            str(s.elsewhere),
            pct(s.precision),
            _verdict(s),
        ]
        for s in stats
    ]


def headline(report: EvalReport) -> str:
    mode = "with source" if report.with_source else "target only"
    return (
        f"{report.data}: {report.segments:,} segments, {report.documents} documents, {mode}; "
        f"flagged in {report.seconds:.1f} s"
    )


def print_tables(report: EvalReport, console: Console) -> None:
    console.print(headline(report), highlight=False)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)
    for title, header, rows in (
        (
            "Segment level: flagged vs. has any error / has a major error (%)",
            SEGMENT_HEADER,
            segment_rows(report),
        ),
        (
            "Span level: character overlap, micro-averaged (WMT23 QE task 2; "
            "sev F1: half credit on a severity mismatch) (%)",
            SPAN_HEADER,
            span_rows(report),
        ),
        ("Per rule: where its flags land", RULE_HEADER, rule_rows(report.per_rule)),
        ("Per flag category", ["category", *RULE_HEADER[1:]], rule_rows(report.per_category)),
    ):
        table = Table(title=title, title_justify="left", show_lines=False)
        for index, column in enumerate(header):
            table.add_column(column, justify="left" if index == 0 or column == "verdict" else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    console.print(LEGEND, highlight=False)
    if report.per_gold_category:
        table = Table(title="Per gold MQM category: gold spans touched by a flag", title_justify="left")
        for column in ("category", "gold spans", "found", "recall %"):
            table.add_column(column, justify="left" if column == "category" else "right")
        for c in report.per_gold_category:
            table.add_row(c.category, str(c.spans), str(c.found), pct(c.recall))
        console.print(table)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def markdown(report: EvalReport, rules: bool = True) -> str:
    parts = [f"*{headline(report)}*", ""]
    parts.extend(f"> note: {n}" for n in report.notes)
    parts += [
        "",
        "Segment level (%):",
        "",
        _md_table(SEGMENT_HEADER, segment_rows(report)),
        "",
        "Span level (%):",
        "",
        _md_table(SPAN_HEADER, span_rows(report)),
        "",
    ]
    if rules:
        parts += ["Per rule:", "", _md_table(RULE_HEADER, rule_rows(report.per_rule)), "", LEGEND, ""]
    return "\n".join(parts)
