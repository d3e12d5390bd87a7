"""Plots where people look rather than read: ROC, SIC and per-class score histograms,
drawn from the curves stored with each cell (Agg backend, no display needed)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from cycler import cycler  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

Curves = dict[str, dict[str, Any]]
#: 20 distinguishable lines: ten colours, solid then dashed
LINE_CYCLE = cycler(linestyle=["-", "--"]) * cycler(color=plt.get_cmap("tab10").colors)


def first_seed_curves(records: list[dict[str, Any]], task: str) -> Curves:
    """One curve set per detector: its lowest-seed ok cell on ``task``."""
    out: Curves = {}
    for r in sorted(records, key=lambda r: r["seed"]):
        if r["dataset"] == task and r["status"] == "ok" and r.get("curves"):
            out.setdefault(r["detector"], r["curves"])
    return out


def roc_figure(task: str, curves: Curves) -> Figure:
    fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
    ax.set_prop_cycle(LINE_CYCLE)
    for det, c in curves.items():
        ax.plot(c["fpr"], c["tpr"], label=det)
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.set(xlabel="false positive rate (background efficiency)",
           ylabel="true positive rate (signal efficiency)", title=f"{task}: ROC")
    ax.legend(fontsize=7)
    return fig


def sic_figure(task: str, curves: Curves) -> Figure:
    fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
    ax.set_prop_cycle(LINE_CYCLE)
    for det, c in curves.items():
        pts = [(t, s) for t, s in zip(c["tpr"], c["sic"], strict=True) if s is not None]
        if pts:
            ax.plot(*zip(*pts, strict=True), label=det)
    ax.axhline(1.0, ls=":", color="grey")
    ax.set(xlabel="signal efficiency (TPR)", ylabel="SIC = TPR / √FPR",
           title=f"{task}: significance improvement")
    ax.legend(fontsize=7)
    return fig


def histogram_figure(task: str, curves: Curves) -> Figure:
    """Score distributions of reference and anomalous test samples, one panel per detector."""
    n = max(1, len(curves))
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False,
                             layout="constrained")
    for ax, (det, c) in zip(axes.flat, curves.items(), strict=False):
        hist = c["histogram"]
        for cls, colour in (("reference", "tab:blue"), ("anomaly", "tab:red")):
            total = sum(hist[cls]) or 1
            ax.stairs([v / total for v in hist[cls]], hist["edges"], label=cls, color=colour)
        ax.set_title(det, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(curves):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"{task}: scores per class (higher = more anomalous)", fontsize=10)
    return fig


def write_plots(records: list[dict[str, Any]], tasks: list[str], out_dir: Path) -> list[Path]:
    """PNG files ``<task>_roc.png``, ``<task>_sic.png``, ``<task>_scores.png`` per task."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for task in tasks:
        curves = first_seed_curves(records, task)
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", task)
        for kind, make in (("roc", roc_figure), ("sic", sic_figure),
                           ("scores", histogram_figure)):
            fig = make(task, curves)
            path = out_dir / f"{stem}_{kind}.png"
            fig.savefig(path, dpi=100)
            plt.close(fig)
            written.append(path)
    return written
