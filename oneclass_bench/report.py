"""Render a leaderboard as Markdown, CSV or JSON, with the provenance of the runs."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from oneclass_bench.leaderboard import FOOTNOTES, Leaderboard, task_table

FORMATS = ("md", "csv", "json", "html")


def markdown_table(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def provenance_lines(records: list[dict[str, Any]], runs: list[dict[str, Any]]) -> list[str]:
    """Commands, wall times, machine, package versions and commits behind the table."""
    lines = []
    for run in runs:
        wall = f"{run['wall_s']:.0f} s" if run.get("wall_s") is not None else "unfinished"
        lines.append(f"- `{run['command']}` — {run.get('cells') or 0} cells, wall time {wall}, "
                     f"{run['machine']}, started {run['started_at']}")
    versions: dict[str, set[str]] = {}
    commits = set()
    for r in records:
        for k, v in (r.get("versions") or {}).items():
            versions.setdefault(k, set()).add(v)
        if r.get("git_commit"):
            commits.add(r["git_commit"])
    if versions:
        lines.append("- packages: " + ", ".join(
            f"{k} {'/'.join(sorted(v))}" for k, v in sorted(versions.items())))
    if commits:
        lines.append("- git commit(s): " + ", ".join(sorted(commits)))
    failed = [r for r in records if r["status"] != "ok"]
    if failed:
        lines.append(f"- {len(failed)} cell(s) not ok, excluded: " + "; ".join(
            f"{r['detector']} × {r['dataset']} seed {r['seed']}: {r['error']}" for r in failed))
    return lines


def to_markdown(board: Leaderboard, records: list[dict[str, Any]], runs: list[dict[str, Any]],
                title: str = "Leaderboard") -> str:
    parts = [f"# {title}", "", "Mean ± std over seeds; higher is better except calibration "
             "errors and times (seconds). Scores: higher = more anomalous.", ""]
    for task in board.task_metrics:
        parts += [f"## {task}", "", markdown_table(task_table(board, task)), ""]
    if len(board.task_metrics) > 1:
        parts += ["## Overall (mean rank across tasks, by each task's first metric)", "",
                  markdown_table(board.overall), ""]
    parts += [f"{note}  " for note in FOOTNOTES] + ["", "## Provenance", ""]
    parts += provenance_lines(records, runs)
    return "\n".join(parts) + "\n"


def to_csv(board: Leaderboard) -> str:
    frames = [task_table(board, t, formatted=False).assign(task=t) for t in board.task_metrics]
    if not frames:
        return ""
    df = pd.concat(frames, ignore_index=True)
    return df[["task", *[c for c in df.columns if c != "task"]]].to_csv(index=False)


def to_dict(board: Leaderboard) -> dict[str, Any]:
    """The JSON form; also the baseline format that ``ocbench regress`` reads."""
    tasks: dict[str, list[dict[str, Any]]] = {}
    for task in board.task_metrics:
        sel = board.summary[board.summary.task == task]
        for (det, sup), g in sel.groupby(["detector", "supervised"], sort=False):
            tasks.setdefault(task, []).append({
                "detector": det, "supervised": bool(sup), "seeds": int(g["n"].max()),
                "metrics": {m: {"mean": _num(a), "std": _num(b)}
                            for m, a, b in zip(g.metric, g["mean"], g["std"], strict=True)},
            })
    return {"tasks": tasks, "overall": board.overall.to_dict(orient="records")}


def _num(v: float) -> float | None:
    return None if pd.isna(v) else float(v)


def to_json(board: Leaderboard) -> str:
    return json.dumps(to_dict(board), indent=1, sort_keys=True)


def render(fmt: str, board: Leaderboard, records: list[dict[str, Any]],
           runs: list[dict[str, Any]], title: str) -> str:
    if fmt == "md":
        return to_markdown(board, records, runs, title)
    if fmt == "csv":
        return to_csv(board)
    if fmt == "json":
        return to_json(board)
    from oneclass_bench.html_report import to_html

    return to_html(board, records, runs, title)
