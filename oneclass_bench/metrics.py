"""Detection metrics, keyed by the names used everywhere (store, --json, tables, baselines).

Inputs follow the project's score convention (higher = more anomalous) and labels with
1 = anomaly ("signal") and 0 = reference ("background").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

#: quantile levels at which selection detectors report acceptance and calibration error
SELECTION_QUANTILES = (0.5, 0.8, 0.9, 0.95, 0.99)
#: max SIC only counts working points with at least this many background events passing
MIN_BACKGROUND_FOR_SIC = 50
#: metrics where lower is better (everything else: higher is better)
LOWER_IS_BETTER_PREFIXES = ("calibration_error_q", "fit_s", "score_s", "peak_mem_mb")

_PATTERNS = [
    re.compile(p)
    for p in (
        r"auroc",
        r"auprc",
        r"max_sic",
        r"rejection_at_(0|1)?\.\d+",
        r"tpr_at_fpr_(0|1)?\.\d+",
        r"efficiency_at_rejection_(0|1)?\.\d+",
        r"(acceptance|calibration_error|efficiency|rejection)_q(0|1)?\.\d+",
        r"fit_s",
        r"score_s",
        r"peak_mem_mb",
    )
]


def known_metric(key: str) -> bool:
    return any(p.fullmatch(key) for p in _PATTERNS)


def lower_is_better(key: str) -> bool:
    return key.startswith(LOWER_IS_BETTER_PREFIXES)


def _value(key: str, prefix: str) -> float:
    return float(key.removeprefix(prefix))


def roc(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    fpr, tpr, _ = roc_curve(y, scores, drop_intermediate=False)
    return fpr, tpr


def max_sic(y: np.ndarray, scores: np.ndarray, min_background: int = MIN_BACKGROUND_FOR_SIC
            ) -> float:
    """max TPR/sqrt(FPR) over working points where >= min_background background events pass."""
    fpr, tpr = roc(y, scores)
    n_bkg = int((y == 0).sum())
    ok = fpr * n_bkg >= min_background - 1e-9
    if not ok.any():
        return float("nan")
    return float(np.max(tpr[ok] / np.sqrt(fpr[ok])))


def rejection_at(y: np.ndarray, scores: np.ndarray, efficiency: float) -> float:
    """Background rejection 1/FPR at the first working point with TPR >= efficiency.

    With no background passing the cut the rejection is reported as the number of
    background events (a lower bound), never as infinity.
    """
    fpr, tpr = roc(y, scores)
    idx = int(np.argmax(tpr >= efficiency - 1e-12))
    n_bkg = int((y == 0).sum())
    return float(1.0 / fpr[idx]) if fpr[idx] > 0 else float(n_bkg)


def efficiency_at_rejection(y: np.ndarray, scores: np.ndarray, rejection: float) -> float:
    """Reference efficiency at the loosest cut that rejects ``rejection`` of the anomalies
    (the calorimeter convention: photon efficiency at a given background rejection)."""
    fpr, tpr = roc(y, scores)
    idx = int(np.argmax(tpr >= rejection - 1e-12))
    return float(1.0 - fpr[idx])


def tpr_at_fpr(y: np.ndarray, scores: np.ndarray, max_fpr: float) -> float:
    fpr, tpr = roc(y, scores)
    return float(tpr[fpr <= max_fpr + 1e-12].max())


def sic_curve(y: np.ndarray, scores: np.ndarray, points: int = 200,
              min_background: int = MIN_BACKGROUND_FOR_SIC) -> dict[str, list[float | None]]:
    """ROC and SIC curves, thinned to at most ``points`` points, for plots.

    SIC is null where fewer than ``min_background`` background events pass, as in max_sic.
    """
    fpr, tpr = roc(y, scores)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(points, len(fpr))).astype(int))
    fpr, tpr = fpr[keep], tpr[keep]
    enough = fpr * int((y == 0).sum()) >= min_background - 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        sic = np.where(enough & (fpr > 0), tpr / np.sqrt(fpr), np.nan)
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist(),
            "sic": [None if not np.isfinite(s) else float(s) for s in sic]}


def score_metric(key: str, y: np.ndarray, scores: np.ndarray) -> float:
    """A ranking metric computed from labels and scores alone."""
    if key == "auroc":
        return float(roc_auc_score(y, scores))
    if key == "auprc":
        return float(average_precision_score(y, scores))
    if key == "max_sic":
        return max_sic(y, scores)
    if key.startswith("rejection_at_"):
        return rejection_at(y, scores, _value(key, "rejection_at_"))
    if key.startswith("efficiency_at_rejection_"):
        return efficiency_at_rejection(y, scores, _value(key, "efficiency_at_rejection_"))
    if key.startswith("tpr_at_fpr_"):
        return tpr_at_fpr(y, scores, _value(key, "tpr_at_fpr_"))
    raise KeyError(key)


def cut_metrics(y: np.ndarray, accepted: dict[float, np.ndarray], selection: bool,
                quantile_task: bool) -> dict[str, float]:
    """Metrics of quantile cuts; ``accepted[q]`` is True where a sample passes as reference.

    ``selection``: acceptance of held-out reference data and |acceptance - q|.
    ``quantile_task``: reference efficiency and anomaly rejection at each cut.
    """
    out: dict[str, float] = {}
    ref, anom = y == 0, y == 1
    for q, acc in accepted.items():
        acceptance = float(acc[ref].mean())
        if selection:
            out[f"acceptance_q{q:g}"] = acceptance
            out[f"calibration_error_q{q:g}"] = abs(acceptance - q)
        if quantile_task:
            out[f"efficiency_q{q:g}"] = acceptance
            out[f"rejection_q{q:g}"] = float((~acc[anom]).mean())
    return out


def compute_metrics(keys: Iterable[str], y: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """Every ranking metric in ``keys`` (quantile-cut keys are left to :func:`cut_metrics`)."""
    y = np.asarray(y).astype(int)
    scores = np.asarray(scores, dtype=float)
    return {k: score_metric(k, y, scores) for k in keys if not _is_cut_metric(k)
            and k not in ("fit_s", "score_s", "peak_mem_mb")}


def _is_cut_metric(key: str) -> bool:
    return re.fullmatch(r"(acceptance|calibration_error|efficiency|rejection)_q.*", key) is not None
