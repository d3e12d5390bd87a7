"""Self-contained HTML report: per-task tables, ROC / SIC curves, score histograms per class
and the provenance of every cell; plots are embedded as PNG data URIs."""

from __future__ import annotations

import base64
import html
import io
import json
from typing import Any

from oneclass_bench.leaderboard import FOOTNOTES, Leaderboard, task_table
from oneclass_bench.plots import (
    first_seed_curves,
    histogram_figure,
    plt,
    roc_figure,
    sic_figure,
)
from oneclass_bench.report import provenance_lines

STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}
table{border-collapse:collapse;margin:1em 0;font-size:90%}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
img{max-width:100%}.plots{display:flex;flex-wrap:wrap;gap:1em}
.failed{color:#b00}details{margin:1em 0}"""


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return f'<img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _cell_rows(records: list[dict[str, Any]]) -> str:
    rows = []
    for r in records:
        params = html.escape(json.dumps(r["detector_params"], sort_keys=True, default=str))
        dparams = html.escape(json.dumps(r["dataset_params"], sort_keys=True, default=str))
        cls = "" if r["status"] == "ok" else ' class="failed"'
        rows.append(
            f"<tr{cls}><td>{html.escape(r['detector'])}</td><td>{html.escape(r['dataset'])}</td>"
            f"<td>{r['seed']}</td><td>{r['status']}</td><td>{html.escape(r['error'] or '')}</td>"
            f"<td>{params}</td><td>{dparams}</td><td>{r.get('provenance_hash') or ''}</td>"
            f"<td>{html.escape(r.get('git_commit') or '')}</td><td>{r['finished_at']}</td></tr>")
    head = ("<tr><th>detector</th><th>dataset</th><th>seed</th><th>status</th><th>error</th>"
            "<th>detector params</th><th>dataset params</th><th>provenance hash</th>"
            "<th>git commit</th><th>finished</th></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def to_html(board: Leaderboard, records: list[dict[str, Any]], runs: list[dict[str, Any]],
            title: str) -> str:
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             f"</title><style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
             "<p>Mean ± std over seeds; scores: higher = more anomalous. Curves show each "
             "detector's lowest seed.</p>"]
    for task in board.task_metrics:
        curves = first_seed_curves(records, task)
        parts.append(f"<h2>{html.escape(task)}</h2>")
        parts.append(task_table(board, task).to_html(index=False, border=0))
        parts.append(f"<div class='plots'>{_png(roc_figure(task, curves))}"
                     f"{_png(sic_figure(task, curves))}</div>")
        parts.append("<details><summary>score histograms per class</summary><div class='plots'>")
        parts.append(_png(histogram_figure(task, curves)))
        parts.append("</div></details>")
    if len(board.task_metrics) > 1:
        parts += ["<h2>Overall (mean rank)</h2>", board.overall.to_html(index=False, border=0)]
    parts += [f"<p>{html.escape(n)}</p>" for n in FOOTNOTES]
    parts.append("<h2>Provenance</h2><ul>")
    parts += [f"<li>{html.escape(line.removeprefix('- '))}</li>"
              for line in provenance_lines(records, runs)]
    parts.append("</ul><h3>Cells</h3>" + _cell_rows(records) + "</body></html>")
    return "\n".join(parts)
