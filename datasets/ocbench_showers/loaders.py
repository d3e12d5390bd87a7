"""Real shower tables (CSV, Parquet, ROOT) -> the same features as the simulation.

A table holds one shower per row and a ``label`` column (1 = non-photon, 0 = photon), plus
either
- the feature columns FEATURE_NAMES and CONTEXT_NAMES directly, or
- block energies of a k x k window centred on the hottest block (k = 5 or 7), as columns
  ``b0 .. b{k*k-1}`` (row-major: ``b{i*k + j}`` is the block at x offset i, y offset j) or one
  fixed-size array branch ``b`` in ROOT, and the hottest block's centre ``x``, ``y`` [cm];
  then :func:`ocbench_showers.features.shower_features` computes the features.
A column mapping renames file columns to these names: ``"file_col:name,..."`` or a JSON object
``{"file_col": "name"}`` (inline or a path to a .json file).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ocbench_showers.features import CONTEXT_NAMES, FEATURE_NAMES, shower_features
from oneclass_bench.errors import DataError, ParameterError

LABEL = "label"
POSITION = ("x", "y")
SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".root": "root"}


def parse_mapping(spec: str | None) -> dict[str, str]:
    """``"a:b,c:d"``, an inline JSON object, or a path to a JSON file -> {file_col: name}."""
    if not spec:
        return {}
    text = spec.strip()
    if text.endswith(".json") and not text.startswith("{"):
        path = Path(text).expanduser()
        if not path.is_file():
            raise ParameterError(f"showers: column mapping file {path} not found")
        text = path.read_text()
    if text.startswith("{"):
        try:
            mapping = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParameterError(f"showers: column mapping is not valid JSON: {exc}") from exc
        if not isinstance(mapping, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            raise ParameterError("showers: JSON column mapping must map strings to strings")
        return mapping
    mapping = {}
    for item in text.split(","):
        src, sep, dst = item.partition(":")
        if not sep or not src.strip() or not dst.strip():
            raise ParameterError(
                f"showers: bad column mapping item {item!r}; expected file_col:name")
        mapping[src.strip()] = dst.strip()
    return mapping


def _read_root(path: Path, tree: str | None) -> pd.DataFrame:
    import uproot

    with uproot.open(path) as f:
        if tree is None:
            trees = [k for k, c in f.classnames().items() if c in ("TTree", "ROOT::RNTuple")]
            if not trees:
                raise DataError(f"{path}: no TTree or RNTuple in the file")
            tree = trees[0].split(";")[0]
        elif tree not in f:
            raise DataError(f"{path}: no tree named {tree!r}; it holds {sorted(f.keys())}")
        arrays = f[tree].arrays(library="np")
    columns: dict[str, np.ndarray] = {}
    for name, arr in arrays.items():
        arr = np.asarray(arr)
        if arr.dtype == object:
            raise DataError(f"{path}: branch {name!r} has variable length; use fixed-size arrays")
        if arr.ndim == 1:
            columns[name] = arr
        else:  # fixed-size array branch -> name0, name1, ...
            for i, col in enumerate(arr.reshape(len(arr), -1).T):
                columns[f"{name}{i}"] = col
    return pd.DataFrame(columns)


def read_table(path: str | Path, tree: str | None = None) -> pd.DataFrame:
    """Read a CSV, Parquet or ROOT (TTree / RNTuple) file into a DataFrame."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"showers: source file {path} not found; pass the path of your shower "
                        "table (CSV, Parquet or ROOT) as --param showers.source=PATH")
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DataError(f"{path}: unknown file type {path.suffix!r}; "
                        f"use one of {', '.join(SUFFIXES)}")
    try:
        if kind == "csv":
            return pd.read_csv(path)
        if kind == "parquet":
            return pd.read_parquet(path)
        return _read_root(path, tree)
    except DataError:
        raise
    except Exception as exc:  # the reader's own error, said in one line
        raise DataError(f"{path}: cannot read as {kind}: {exc}") from exc


def _numeric(df: pd.DataFrame, columns: list[str], where: str) -> np.ndarray:
    """Columns as a float matrix; NaN/inf and non-numbers named by column and first row."""
    out = np.empty((len(df), len(columns)))
    for j, col in enumerate(columns):
        try:
            values = pd.to_numeric(df[col], errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{where}: column {col!r} is not numeric ({exc})") from exc
        bad = ~np.isfinite(values)
        if bad.any():
            raise DataError(f"{where}: column {col!r} has {int(bad.sum())} NaN/inf value(s), "
                            f"first at row {int(np.argmax(bad))}")
        out[:, j] = values
    return out


def _block_columns(df: pd.DataFrame) -> list[str] | None:
    for k in (7, 5):
        names = [f"b{i}" for i in range(k * k)]
        if all(n in df.columns for n in names):
            return names
    return None


def table_features(df: pd.DataFrame, where: str
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, context, y) from a renamed table in feature or block form (module docstring)."""
    if len(df) == 0:
        raise DataError(f"{where}: the table has no rows")
    if LABEL not in df.columns:
        raise DataError(f"{where}: missing label column {LABEL!r} (1 = non-photon, 0 = photon);"
                        " map yours with columns='your_col:label'")
    y = _numeric(df, [LABEL], where)[:, 0]
    if not np.isin(y, (0, 1)).all():
        raise DataError(f"{where}: column {LABEL!r} must hold 0 (photon) or 1 (non-photon), "
                        f"found {sorted(set(np.unique(y).tolist()) - {0.0, 1.0})[:5]}")
    wanted = list(FEATURE_NAMES + CONTEXT_NAMES)
    if all(c in df.columns for c in wanted):
        values = _numeric(df, wanted, where)
        return values[:, :len(FEATURE_NAMES)], values[:, len(FEATURE_NAMES):], y.astype(int)
    blocks = _block_columns(df)
    if blocks is not None and all(c in df.columns for c in POSITION):
        k = int(round(np.sqrt(len(blocks))))
        values = _numeric(df, blocks + list(POSITION), where)
        X, context = shower_features(values[:, :-2].reshape(-1, k, k), values[:, -2],
                                     values[:, -1])
        return X, context, y.astype(int)
    missing = [c for c in wanted if c not in df.columns]
    raise DataError(
        f"{where}: missing feature column(s) {', '.join(missing)}; or give block energies "
        "b0..b24 (5x5) / b0..b48 (7x7) with x, y. Map your names with "
        "columns='file_col:name,...'")


def load_table(path: str | Path, columns: str | None = None, tree: str | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a shower table and return (X, context, y)."""
    df = read_table(path, tree)
    mapping = parse_mapping(columns)
    absent = [c for c in mapping if c not in df.columns]
    if absent:
        raise DataError(f"{path}: mapped column(s) {', '.join(absent)} not in the file "
                        f"(it has {', '.join(map(str, df.columns[:20]))})")
    return table_features(df.rename(columns=mapping), str(path))
