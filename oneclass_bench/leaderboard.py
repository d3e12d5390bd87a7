"""Leaderboard tables from the results store (pandas): per task and overall mean rank."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from oneclass_bench.metrics import lower_is_better

TIMING_KEYS = ("fit_s", "score_s")
SUPERVISED_FLAG = "†"
CONTEXT_FLAG = "*"
FOOTNOTES = (
    f"{SUPERVISED_FLAG} supervised upper bound: trained with labels on a separate labelled "
    "split; not a one-class method, not ranked.",
    f"{CONTEXT_FLAG} models no context natively: the conditioning variables were appended to "
    "its input features.",
)


@dataclass(frozen=True)
class Leaderboard:
    #: one long table: task, detector label, metric, mean, std, n (seeds)
    summary: pd.DataFrame
    #: per-task metric order (primary metric first)
    task_metrics: dict[str, list[str]]
    overall: pd.DataFrame


def detector_label(rec: dict[str, Any], defaults: dict[str, dict[str, Any]]) -> str:
    """Detector name, plus parameters that differ from the run's most common setting."""
    params = {k: v for k, v in rec["detector_params"].items() if k != "seed"}
    extra = {k: v for k, v in params.items() if defaults.get(rec["detector"], {}).get(k) != v}
    label = rec["detector"] + (
        "(" + ", ".join(f"{k}={v}" for k, v in sorted(extra.items())) + ")" if extra else "")
    if rec["supervised"]:
        label += SUPERVISED_FLAG
    elif rec.get("context_mode") == "as_features":
        label += CONTEXT_FLAG
    return label


def _common_params(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_det: dict[str, list[str]] = {}
    for r in records:
        p = {k: v for k, v in r["detector_params"].items() if k != "seed"}
        by_det.setdefault(r["detector"], []).append(json.dumps(p, sort_keys=True, default=str))
    return {d: json.loads(max(set(v), key=v.count)) for d, v in by_det.items()}


def build(records: list[dict[str, Any]]) -> Leaderboard:
    """Aggregate ok cells: mean ± std over seeds, ranked by each task's primary metric."""
    ok = [r for r in records if r["status"] == "ok"]
    defaults = _common_params(ok)
    rows, task_metrics = [], {}
    for r in ok:
        label = detector_label(r, defaults)
        metrics = list(r["metrics"])
        keys = [k for k in metrics if k not in (*TIMING_KEYS, "peak_mem_mb")]
        known = task_metrics.setdefault(r["dataset"], [])
        task_metrics[r["dataset"]] = known + [k for k in [*keys, *TIMING_KEYS] if k not in known]
        for k, v in r["metrics"].items():
            rows.append((r["dataset"], label, r["supervised"], k, np.nan if v is None else v))
    long = pd.DataFrame(rows, columns=["task", "detector", "supervised", "metric", "value"])
    if long.empty:
        empty = pd.DataFrame(columns=["task", "detector", "supervised", "metric", "mean", "std",
                                      "n"])
        return Leaderboard(empty, {}, pd.DataFrame(columns=["detector", "mean_rank", "tasks"]))
    summary = (long.groupby(["task", "detector", "supervised", "metric"], sort=False)["value"]
               .agg(mean="mean", std=lambda v: float(np.std(v, ddof=0)), n="count")
               .reset_index())
    return Leaderboard(summary, task_metrics, _overall(summary, task_metrics))


def _ranks(summary: pd.DataFrame, task: str, metric: str) -> pd.Series:
    sel = summary[(summary.task == task) & (summary.metric == metric) & ~summary.supervised]
    values = sel.set_index("detector")["mean"]
    return values.rank(ascending=lower_is_better(metric), method="min")


def _overall(summary: pd.DataFrame, task_metrics: dict[str, list[str]]) -> pd.DataFrame:
    ranks = pd.DataFrame({t: _ranks(summary, t, m[0]) for t, m in task_metrics.items()})
    if ranks.empty:
        return pd.DataFrame(columns=["detector", "mean_rank", "tasks"])
    out = pd.DataFrame({"mean_rank": ranks.mean(axis=1), "tasks": ranks.notna().sum(axis=1)})
    return out.sort_values("mean_rank").rename_axis("detector").reset_index()


def task_table(board: Leaderboard, task: str, formatted: bool = True) -> pd.DataFrame:
    """Detectors × metrics for one task, ranked by its primary metric (upper bounds last)."""
    metrics = board.task_metrics[task]
    sel = board.summary[board.summary.task == task]
    mean = sel.pivot_table(index=["detector", "supervised"], columns="metric", values="mean",
                           sort=False)
    std = sel.pivot_table(index=["detector", "supervised"], columns="metric", values="std",
                          sort=False)
    primary = metrics[0]
    mean = mean.sort_values(primary, ascending=lower_is_better(primary))
    mean = mean.sort_index(level="supervised", kind="stable", sort_remaining=False)
    std = std.reindex(mean.index)
    seeds = sel.groupby("detector")["n"].max()
    cols = [m for m in metrics if m in mean.columns]
    if not formatted:
        out = pd.DataFrame(index=mean.index)
        for m in cols:
            out[m], out[f"{m}_std"] = mean[m], std[m]
        out = out.reset_index().drop(columns="supervised")
        out.insert(1, "seeds", out.detector.map(seeds).to_numpy())
        return out
    table = pd.DataFrame(index=mean.index)
    # acceptance_q = q ± calibration_error_q: readers' tables show the error only
    for m in [c for c in cols if not c.startswith("acceptance_q")]:
        table[m] = [_fmt(a, b) for a, b in zip(mean[m], std[m], strict=True)]
    table = table.reset_index().drop(columns="supervised")
    table.insert(0, "rank", _display_ranks(mean.index, mean[primary], primary))
    table.insert(2, "seeds", table.detector.map(seeds).to_numpy())
    return table


def _display_ranks(index: pd.MultiIndex, primary: pd.Series, metric: str) -> list[str]:
    supervised = index.get_level_values("supervised")
    ranks = primary[~supervised].rank(ascending=lower_is_better(metric), method="min")
    it = iter(ranks.astype(int).astype(str))
    return ["–" if s else next(it) for s in supervised]


def _fmt(mean: float, std: float) -> str:
    if pd.isna(mean):
        return "n/a"
    digits = 3 if abs(mean) < 100 else 1
    return f"{mean:.{digits}f} ± {std:.{digits}f}"
