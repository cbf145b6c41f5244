"""The batch HTML report: summary figures, matplotlib plots embedded as SVG, flags by category and
rule, the worst documents and sentences (each sentence anchored, each document linked to them)."""

from __future__ import annotations

import base64
import html
import io
import re
from typing import Any

from .worker import PENALTY_BINS, RATIO_BINS


def _svg(fig: Any) -> str:
    buffer = io.BytesIO()
    # A fixed hash salt and no date keep the SVG (and the report) byte-identical between runs.
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "mt-audit"
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/svg+xml;base64,{data}">'


def _plots(summary: dict[str, Any]) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, str] = {}
    hist = summary["histograms"]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar([i / RATIO_BINS for i in range(RATIO_BINS)], hist["edit_ratio"], width=1 / RATIO_BINS, align="edge",
           color="#4c72b0")
    ax.set_xlabel("edit ratio MT \u2192 proposal (characters)")
    ax.set_ylabel("segments")
    ax.set_yscale("symlog")
    out["edit_ratio"] = _svg(fig)

    fig, ax = plt.subplots(figsize=(6, 3))
    labels = [f"{PENALTY_BINS[i]:g}\u2013{PENALTY_BINS[i + 1]:g}" if PENALTY_BINS[i + 1] < 1e11
              else f"\u2265{PENALTY_BINS[i]:g}" for i in range(len(PENALTY_BINS) - 1)]
    ax.bar(range(len(labels)), hist["mqm_penalty"], color="#dd8452")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_xlabel("MQM penalty per 100 words (per segment)")
    ax.set_ylabel("segments")
    ax.set_yscale("symlog")
    out["penalty"] = _svg(fig)

    for key, name, limit in (("flags_by_category", "category", 15), ("flags_by_rule", "rule", 20)):
        items = sorted(summary[key].items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        fig, ax = plt.subplots(figsize=(7, 0.3 * max(len(items), 2) + 0.8))
        ax.barh([k for k, _ in reversed(items)], [v for _, v in reversed(items)], color="#55a868")
        ax.set_xlabel(f"flags by {name}")
        out[name] = _svg(fig)
    return out


def _anchor(doc_id: str, index: int | None = None) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", doc_id).strip("-") or "doc"
    return f"seg-{base}-{index}" if index is not None else f"doc-{base}"


def render_report(summary: dict[str, Any], worst_docs: list[dict[str, Any]],
                  worst_sentences: list[dict[str, Any]]) -> str:
    e = html.escape
    plots = _plots(summary)
    ref = summary.get("reference_scores")
    figures = [
        ("Files", summary["files"]), ("Skipped files", summary["files_skipped"]),
        ("Documents", summary["documents"]), ("Segments", summary["segments"]),
        ("Flagged segments", summary["flagged"]), ("Flags", summary["flags"]),
        ("MQM penalty / 100 words", summary["mqm_penalty"]), ("Mean edit ratio", summary["mean_edit_ratio"]),
    ]
    if ref:
        figures += [("BLEU", ref["bleu"]), ("chrF", ref["chrf"]), ("TER", ref["ter"])]
    cards = "".join(f'<div class="card"><div class="v">{e(str(v))}</div><div class="k">{e(k)}</div></div>'
                    for k, v in figures)
    first_of_doc: dict[str, str] = {}
    rows_s = []
    for s in worst_sentences:
        anchor = _anchor(s["doc_id"], s["index"])
        first_of_doc.setdefault(s["doc_id"], anchor)
        rows_s.append(
            f'<tr id="{anchor}"><td>{e(s["doc_id"])}</td><td>{e(str(s["seg_id"]))}</td>'
            f'<td>{s["penalty_points"]:g}</td><td>{s["mqm_penalty"]:g}</td><td>{e(s["mt"])}</td>'
            f'<td>{e(s["proposal"] or "")}</td><td>{e(", ".join(s["rules"]))}</td></tr>')
    rows_d = []
    for d in worst_docs:
        link = first_of_doc.get(d["doc_id"])
        name = e(d["doc_id"])
        cell = f'<a href="#{link}">{name}</a>' if link else name
        rows_d.append(f'<tr><td>{cell}</td><td>{d["segments"]}</td><td>{d["words"]}</td><td>{d["flags"]}</td>'
                      f'<td>{d["mqm_penalty"]:g}</td><td>{d["mean_edit_ratio"]:g}</td>'
                      f'<td>{e(str(d["bleu"]))}</td></tr>')
    skipped = "".join(f'<li><code>{e(s["file"])}</code>{" line " + str(s["line"]) if s["line"] else ""}: '
                      f'{e(s["message"])}</li>' for s in summary["skipped"]) or "<li>none</li>"
    sigs = "".join(f"<li><b>{e(k)}</b>: <code>{e(v)}</code></li>" for k, v in sorted(summary["signatures"].items()))
    if ref:
        sigs += "".join(f"<li><b>corpus {e(k)}</b>: <code>{e(v)}</code></li>"
                        for k, v in sorted(ref["signatures"].items()))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mt-audit batch report: {e(summary["archive"])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
body{{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1200px}}
.cards{{display:flex;flex-wrap:wrap;gap:.6rem}} .card{{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem}}
.v{{font-size:1.4rem;font-weight:600}} .k{{color:#666;font-size:.85rem}}
.plots{{display:flex;flex-wrap:wrap;gap:1rem}} .plots img{{max-width:100%}}
table{{border-collapse:collapse;width:100%;font-size:.9rem}} td,th{{border-bottom:1px solid #eee;padding:.3rem;
text-align:left;vertical-align:top}} tr:target{{background:#fff3c4}}
</style></head><body>
<h1>Translation audit: {e(summary["archive"])}</h1>
<div class="cards">{cards}</div>
<h2>Distributions</h2><div class="plots">{plots["edit_ratio"]}{plots["penalty"]}</div>
<h2>Flags by category and rule</h2><div class="plots">{plots["category"]}{plots["rule"]}</div>
<h2>Worst documents</h2>
<table><thead><tr><th>Document</th><th>Segments</th><th>Words</th><th>Flags</th><th>MQM / 100 words</th>
<th>Mean edit ratio</th><th>BLEU</th></tr></thead><tbody>{"".join(rows_d)}</tbody></table>
<h2>Worst sentences</h2>
<table><thead><tr><th>Document</th><th>Segment</th><th>Penalty</th><th>MQM / 100 words</th><th>MT</th>
<th>Proposal</th><th>Rules</th></tr></thead><tbody>{"".join(rows_s)}</tbody></table>
<h2>Skipped files</h2><ul>{skipped}</ul>
<h2>Signatures</h2><ul>{sigs}</ul>
<p>Per-segment results: <a href="segments.jsonl">segments.jsonl</a>, <a href="segments.parquet">segments.parquet</a>;
per document: <a href="documents.csv">documents.csv</a>; totals: <a href="summary.json">summary.json</a>.</p>
</body></html>
"""
