"""Run one cell in the current process: load, fit, score, compute metrics.

Every failure (exception, NaN/inf scores, wrong shape, bad data) is turned into a failed
result carrying its message; nothing propagates.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

import numpy as np

from oneclass_bench.base import Detector, Split, as_float_matrix, check_scores
from oneclass_bench.cells import Cell
from oneclass_bench.environment import git_commit, package_versions
from oneclass_bench.errors import ContractError, DataError, OCBenchError
from oneclass_bench.metrics import (
    SELECTION_QUANTILES,
    compute_metrics,
    cut_metrics,
    sic_curve,
)
from oneclass_bench.plugins import Registry
from oneclass_bench.resources import PeakMemory, now_iso

HISTOGRAM_BINS = 40


def as_seen(X: Any, ctx: Any, native_context: bool, what: str
            ) -> tuple[np.ndarray, np.ndarray | None]:
    """Validated features and context as the detector will see them.

    Detectors that do not model context get it appended as extra features, so every
    detector sees the same information.
    """
    X = as_float_matrix(X, f"{what} features")
    if ctx is None:
        return X, None
    ctx = as_float_matrix(ctx, f"{what} context")
    if len(ctx) != len(X):
        raise DataError(f"{what}: context has {len(ctx)} rows but features have {len(X)}")
    return (X, ctx) if native_context else (np.hstack([X, ctx]), None)


def detector_inputs(split: Split, native_context: bool, part: str
                    ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """X and context of one part (train/test/calib) as the detector will see them."""
    X = getattr(split, f"X_{part}")
    if X is None:
        return None, None
    return as_seen(X, getattr(split, f"context_{part}"), native_context, part)


def _labels(y_test: np.ndarray, n: int) -> np.ndarray:
    y = np.asarray(y_test)
    if y.shape != (n,):
        raise DataError(f"test labels have shape {y.shape}, features have {n} rows")
    if not np.isin(y, (0, 1)).all():
        raise DataError(f"test labels must be 0 (reference) or 1 (anomaly), got {np.unique(y)}")
    if np.unique(y).size < 2:
        raise DataError(f"test set of {n} sample(s) holds only class {int(y[0])}; metrics need "
                        "both reference (0) and anomalous (1) samples")
    return y.astype(int)


def context_mode(split: Split, det_cls: type[Detector]) -> str:
    if split.context_train is None:
        return "none"
    return "native" if "uses_context" in det_cls.tags else "as_features"


def _fit(det: Detector, split: Split, native: bool) -> None:
    if "supervised" in det.tags:
        lab = split.labelled
        if lab is None:
            raise DataError(
                f"dataset provides no labelled split, which the supervised detector "
                f"'{det.name}' needs"
            )
        X, ctx = as_seen(lab.X, lab.context, native, "labelled")
        det.fit_supervised(X, np.asarray(lab.y).astype(int), context=ctx)
        return
    X, ctx = detector_inputs(split, native, "train")
    if det.fit(X, context=ctx) is not det:
        raise ContractError(f"{det.name}: fit did not return self")


def _accepted(det: Detector, split: Split, native: bool, scores: np.ndarray,
              X: np.ndarray, ctx: np.ndarray | None, qs: tuple[float, ...]
              ) -> dict[float, np.ndarray]:
    """Which test samples pass as reference at each quantile cut q."""
    if "selection" in det.tags:
        accepted = np.asarray(det.select(X, ctx, list(qs)))
        if accepted.shape != (len(qs), len(X)) or accepted.dtype != bool:
            raise ContractError(f"{det.name}: select with {len(qs)} cuts returned "
                                f"{accepted.dtype} {accepted.shape}, expected bool "
                                f"({len(qs)}, {len(X)})")
        return dict(zip(qs, accepted, strict=True))
    Xc, cc = detector_inputs(split, native, "calib")
    if Xc is None:
        raise DataError("quantile-cut task without calibration data (Split.X_calib)")
    calib = check_scores(det.score(Xc, context=cc), len(Xc), det.name)
    return {q: scores <= np.quantile(calib, q) for q in qs}


def _histograms(y: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    # the outermost 1% go into the edge bins: heavy score tails would squash the rest
    lo, hi = np.quantile(scores, [0.005, 0.99])
    if hi <= lo:
        lo, hi = float(scores.min()), float(scores.max()) + 1e-12
    edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1)
    clipped = np.clip(scores, lo, hi)
    return {
        "edges": edges.tolist(),
        "reference": np.histogram(clipped[y == 0], edges)[0].tolist(),
        "anomaly": np.histogram(clipped[y == 1], edges)[0].tolist(),
    }


def _error_message(exc: BaseException) -> str:
    if isinstance(exc, OCBenchError):
        return f"{type(exc).__name__}: {exc}"
    # plugin bugs: say where it happened, in one line
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (at {frame.filename}:{frame.lineno})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


def base_record(cell: Cell) -> dict[str, Any]:
    return {
        "key": cell.key,
        "detector": cell.detector,
        "detector_params": cell.detector_params,
        "dataset": cell.dataset,
        "dataset_params": cell.dataset_params,
        "seed": cell.seed,
        "metrics": {},
        "error": None,
        "versions": package_versions(),
        "git_commit": git_commit(),
        "started_at": now_iso(),
    }


def warm_up() -> None:
    """Pay one-off costs (version lookup, git, sklearn's lazy imports) once in the parent,
    so that forked workers inherit them instead of repeating them."""
    package_versions()
    git_commit()
    y, s = np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.2, 0.8])
    compute_metrics(("auroc", "auprc"), y, s)
    sic_curve(y, s)


def execute_cell(cell: Cell, registry: Registry) -> dict[str, Any]:
    """Run ``cell``; return its store record (status ok or failed, never raises)."""
    rec = base_record(cell)
    try:
        det_cls = registry.detector(cell.detector)
        ds_cls = registry.dataset(cell.dataset)
        rec["supervised"] = "supervised" in det_cls.tags
        dataset = ds_cls.create(**cell.dataset_params)
        split = dataset.load(cell.seed)
        rec["provenance"] = split.provenance
        rec["provenance_hash"] = split.provenance_hash()
        rec["context_mode"] = mode = context_mode(split, det_cls)
        native = mode == "native"
        params = dict(cell.detector_params)
        if "seedable" in det_cls.tags:
            params.setdefault("seed", cell.seed)
        det = det_cls.create(**params)
        rec["detector_params"] = det.get_params()  # record the effective parameters
        X_test, ctx_test = detector_inputs(split, native, "test")
        y = _labels(split.y_test, len(X_test))
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            _fit(det, split, native)
            t1 = time.perf_counter()
            scores = check_scores(det.score(X_test, context=ctx_test), len(X_test), det.name)
            t2 = time.perf_counter()
        metrics = compute_metrics(ds_cls.metrics, y, scores)
        selection = "selection" in det_cls.tags
        qs = tuple(sorted(set(ds_cls.quantiles) | (set(SELECTION_QUANTILES) if selection
                                                   else set())))
        if qs:
            accepted = _accepted(det, split, native, scores, X_test, ctx_test, qs)
            cuts = cut_metrics(y, accepted, selection, quantile_task=False)
            task_cuts = cut_metrics(y, {q: accepted[q] for q in ds_cls.quantiles},
                                    selection=False, quantile_task=True)
            metrics.update(cuts | task_cuts)
        metrics.update(fit_s=t1 - t0, score_s=t2 - t1, peak_mem_mb=mem.peak_mb)
        rec.update(
            status="ok",
            # undefined metrics (e.g. max SIC with too few background events) are null
            metrics={k: (float(v) if np.isfinite(v) else None) for k, v in metrics.items()},
            fit_s=t1 - t0, score_s=t2 - t1, peak_mem_mb=mem.peak_mb,
            curves=sic_curve(y, scores) | {"histogram": _histograms(y, scores)},
        )
    except Exception as exc:  # isolate the cell: record the failure, let the grid go on
        rec.update(status="failed", error=_error_message(exc))
    rec["finished_at"] = now_iso()
    return rec
