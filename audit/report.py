"""Render audit results: JSON (the contract, streamed), a terminal report (rich), standalone HTML."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import IO

from rich.console import Console
from rich.text import Text

from .diff import word_diff
from .records import SegmentResult, Summary

_SEVERITY_STYLE = {"minor": "yellow", "major": "bold red", "critical": "bold white on red"}


def write_json(results: Iterable[SegmentResult], summary: Summary, out: IO[str]) -> None:
    """Stream the JSON contract: one segment at a time, the summary last."""
    out.write('{"segments": [')
    for index, result in enumerate(results):
        out.write(",\n" if index else "\n")
        out.write(json.dumps(result.to_dict(), ensure_ascii=False))
    out.write('\n],\n"summary": ')
    out.write(json.dumps(summary.to_dict(), ensure_ascii=False))
    out.write("}\n")


def _highlighted(result: SegmentResult) -> Text:
    segment = result.segment
    text = Text(segment.text)
    for flag in result.flags:
        text.stylize(f"underline {_SEVERITY_STYLE[flag.severity.value]}", flag.start - segment.start,
                     flag.end - segment.start)
    return text


def _diff_text(old: str, new: str, markers: bool) -> Text:
    """Coloured on a terminal; wdiff-style ``[-old-]{+new+}`` markers where colour is lost."""
    text = Text()
    for piece in word_diff(old, new):
        style = {"delete": "red strike", "insert": "green"}.get(piece.op, "")
        body = piece.text
        if markers and piece.op != "equal":
            body = f"[-{body}-]" if piece.op == "delete" else f"{{+{body}+}}"
        text.append(body, style=style)
    return text


def write_text(results: Iterable[SegmentResult], summary: Summary, console: Console,
               show_all: bool = False) -> None:
    """A readable terminal report of the flagged sentences."""
    for result in results:
        if not result.flags and not show_all:
            continue
        seg = result.segment
        console.print(Text(f"Segment {seg.id} · chars {seg.start}–{seg.end}", style="bold cyan"))
        console.print(_highlighted(result))
        for flag in result.flags:
            line = Text("  ")
            line.append(f"[{flag.severity.value}]", style=_SEVERITY_STYLE[flag.severity.value])
            line.append(f" {flag.category} ", style="magenta")
            line.append(f"{flag.rule}\n    ", style="dim")
            line.append(repr(flag.text), style="bold")
            if flag.suggestion:
                line.append(" → ")
                line.append(repr(flag.suggestion), style="green")
            line.append(f": {flag.message}")
            console.print(line)
        if result.proposal:
            proposal = result.proposal
            edit = proposal.edit
            markers = not console.is_terminal or console.no_color
            console.print(Text("  Proposal: ", style="bold") + Text(proposal.text))
            console.print(Text("  Diff:     ", style="bold") + _diff_text(seg.text, proposal.text, markers))
            console.print(Text(
                f"  edit: {edit.char_distance} chars (ratio {edit.char_ratio:.3f}), TER {edit.ter:.1f}, "
                f"chrF {edit.chrf:.1f}, BLEU {edit.bleu:.1f} · origin {'+'.join(proposal.origin)}",
                style="dim"))
        console.print()
    data = summary.to_dict()
    console.print(Text("Summary", style="bold"))
    console.print(f"  {data['flagged']} of {data['segments']} segments flagged, {data['words']} words")
    for category, count in data["flags_by_category"].items():
        console.print(f"  {category}: {count}")
    console.print(f"  MQM penalty: {data['mqm_penalty']:.2f} per 100 words "
                  f"(weights minor {summary.weights.get('minor', 0):g}, major {summary.weights.get('major', 0):g}, "
                  f"critical {summary.weights.get('critical', 0):g})")
    console.print(f"  edit to proposals: {data['edit']['char_distance']} chars "
                  f"(ratio {data['edit']['char_ratio']:.3f})")
    for name, signature in data["signatures"].items():
        console.print(Text(f"  {name}: {signature}", style="dim"))


_CSS = """
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
.seg{border-left:4px solid #ddd;padding:.3rem 1rem;margin:1rem 0}.seg.flagged{border-color:#c60}
mark{background:#fde6c8;border-bottom:2px solid #c60}mark.major,mark.critical{background:#f9c9c9;border-color:#b00}
.flag{font-size:.9rem;margin:.2rem 0 .2rem 1rem}.sev{font-weight:bold;text-transform:uppercase;font-size:.75rem}
del{color:#b00;background:#fdd}ins{color:#060;background:#dfd;text-decoration:none}
.meta{color:#666;font-size:.85rem}table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee}
"""


def _html_segment(result: SegmentResult) -> str:
    seg = result.segment
    parts = []
    cursor = 0
    for flag in sorted(result.flags, key=lambda f: f.start):
        start, end = flag.start - seg.start, flag.end - seg.start
        if start < cursor:
            continue
        parts.append(html.escape(seg.text[cursor:start]))
        parts.append(f'<mark class="{flag.severity.value}" title="{html.escape(flag.message)}">'
                     f"{html.escape(seg.text[start:end])}</mark>")
        cursor = end
    parts.append(html.escape(seg.text[cursor:]))
    body = [f'<div class="seg{" flagged" if result.flags else ""}" id="s{seg.id}">',
            f'<div class="meta">Segment {seg.id} · chars {seg.start}–{seg.end}</div>', f"<p>{''.join(parts)}</p>"]
    for flag in result.flags:
        suggestion = f" → <ins>{html.escape(flag.suggestion)}</ins>" if flag.suggestion else ""
        body.append(f'<div class="flag"><span class="sev">{flag.severity.value}</span> {html.escape(flag.category)} '
                    f"<code>{html.escape(flag.rule)}</code>: “{html.escape(flag.text)}”{suggestion}. "
                    f"{html.escape(flag.message)}</div>")
    if result.proposal:
        diff = "".join(
            f"<{tag}>{html.escape(p.text)}</{tag}>" if (tag := {"delete": "del", "insert": "ins"}.get(p.op))
            else html.escape(p.text)
            for p in word_diff(seg.text, result.proposal.text)
        )
        edit = result.proposal.edit
        body.append(f"<p><strong>Proposal:</strong> {diff}</p>")
        body.append(f'<div class="meta">edit {edit.char_distance} chars (ratio {edit.char_ratio:.3f}), '
                    f"TER {edit.ter:.1f}, chrF {edit.chrf:.1f}, BLEU {edit.bleu:.1f}</div>")
    body.append("</div>")
    return "\n".join(body)


def write_html(results: Iterable[SegmentResult], summary: Summary, out: IO[str], title: str = "mt-audit report"
               ) -> None:
    """A standalone HTML page (inline CSS, no scripts), streamed segment by segment."""
    out.write(f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
              f"<style>{_CSS}</style></head><body>\n<h1>{html.escape(title)}</h1>\n")
    for result in results:
        out.write(_html_segment(result) + "\n")
    data = summary.to_dict()
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in data["flags_by_category"].items())
    sigs = "".join(f"<li><code>{html.escape(k)}: {html.escape(v)}</code></li>" for k, v in data["signatures"].items())
    out.write(f"<h2>Summary</h2><p>{data['flagged']} of {data['segments']} segments flagged; "
              f"MQM penalty {data['mqm_penalty']:.2f} per 100 words.</p><table><tr><th>Category</th><th>Flags</th></tr>"
              f"{rows}</table><ul class=\"meta\">{sigs}</ul></body></html>\n")
