"""Fit once, score later: saved detectors with the feature layout they were trained on.

A model directory holds the detector's own ``save`` output plus ``ocbench-model.json``
(detector, parameters, training dataset, seed, feature and context column names), so new
data in a table is matched to the columns by name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from oneclass_bench.base import Detector, check_scores
from oneclass_bench.cells import Cell
from oneclass_bench.errors import DataError, ParameterError
from oneclass_bench.execution import as_seen, context_mode, detector_inputs
from oneclass_bench.plugins import Registry

MANIFEST = "ocbench-model.json"
TABLE_SUFFIXES = (".csv", ".parquet")


def _require_persistence(cls: type[Detector]) -> None:
    if not (callable(getattr(cls, "save", None)) and callable(getattr(cls, "load", None))):
        raise ParameterError(f"detector '{cls.name}' cannot be saved (no save/load)")


def fit_and_save(registry: Registry, cell: Cell, out: Path) -> dict[str, Any]:
    """Fit ``cell``'s detector on its dataset's reference training data and save it."""
    det_cls = registry.detector(cell.detector)
    _require_persistence(det_cls)
    if "supervised" in det_cls.tags:
        raise ParameterError(f"'{cell.detector}' is supervised; only one-class detectors here")
    split = registry.dataset(cell.dataset).create(**cell.dataset_params).load(cell.seed)
    params = dict(cell.detector_params)
    if "seedable" in det_cls.tags:
        params.setdefault("seed", cell.seed)
    det = det_cls.create(**params)
    mode = context_mode(split, det_cls)
    X, ctx = detector_inputs(split, mode == "native", "train")
    det.fit(X, context=ctx)
    det.save(out)
    manifest = {
        "detector": cell.detector, "params": det.get_params(), "dataset": cell.dataset,
        "dataset_params": cell.dataset_params, "seed": cell.seed,
        "feature_names": list(split.feature_names), "context_names": list(split.context_names),
        "context_mode": mode, "provenance_hash": split.provenance_hash(),
    }
    (Path(out) / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str))
    return manifest


def read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"input file {path} not found")
    if path.suffix not in TABLE_SUFFIXES:
        raise DataError(f"{path}: unsupported input format; use {', '.join(TABLE_SUFFIXES)}")
    try:
        return pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    except Exception as exc:  # any parser error means the file is malformed
        raise DataError(f"{path}: cannot read as {path.suffix[1:]} ({exc})") from exc


def load_and_score(registry: Registry, model_dir: Path, table: pd.DataFrame,
                   quantile: float | None = None) -> pd.DataFrame:
    """Scores (and, with ``quantile``, accept flags) for every row of ``table``."""
    path = Path(model_dir) / MANIFEST
    if not path.is_file():
        raise DataError(f"{model_dir} is not a saved model (no {MANIFEST})")
    manifest = json.loads(path.read_text())
    cls = registry.detector(manifest["detector"])
    _require_persistence(cls)
    det = cls.load(model_dir)
    needed = manifest["feature_names"] + manifest["context_names"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise DataError(f"input lacks column(s) {', '.join(missing)} the model was trained on")
    ctx = table[manifest["context_names"]].to_numpy() if manifest["context_names"] else None
    X, ctx = as_seen(table[manifest["feature_names"]].to_numpy(), ctx,
                     manifest["context_mode"] != "as_features", "input")
    out = pd.DataFrame({"score": check_scores(det.score(X, context=ctx), len(X), cls.name)})
    if quantile is not None:
        if "selection" not in cls.tags:
            raise ParameterError(f"'{cls.name}' has no quantile-cut selection")
        out["accepted"] = np.asarray(det.select(X, ctx, quantile), dtype=bool)
    return out
