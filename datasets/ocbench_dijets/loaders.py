"""Readers of dijet event files into the five features (TeV) and labels.

Two formats: the Parquet written by :mod:`ocbench_dijets.generate`, and the public LHC
Olympics 2020 R&D features file (``events_anomalydetection_v2.features.h5``: a pandas
``DataFrame.to_hdf`` file, fixed format, jet four-momenta and N-subjettiness in GeV).
The HDF5 reader goes through PyTables and reads numeric arrays only, so a hostile file
cannot make it unpickle anything (pandas' reader would for object columns).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ocbench_dijets.features import FEATURES, GEV_PER_TEV, feature_rows
from oneclass_bench.base import as_float_matrix
from oneclass_bench.errors import DataError

FORMATS = ("auto", "parquet", "lhco")
LHCO_COLUMNS = ("pxj1", "pyj1", "pzj1", "mj1", "tau1j1", "tau2j1", "tau3j1",
                "pxj2", "pyj2", "pzj2", "mj2", "tau1j2", "tau2j2", "tau3j2", "label")
LHCO_KEY = "df"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_PARQUET_MAGIC = b"PAR1"


def detect_format(path: Path) -> str:
    """``parquet`` or ``lhco`` from the file's leading bytes; DataError for anything else."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    if head == _HDF5_MAGIC:
        return "lhco"
    raise DataError(f"{path}: neither Parquet nor HDF5 (unrecognised leading bytes {head!r})")


def load_events(path: Path, fmt: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Features (n, 5) in the order of ``FEATURES`` and labels (n,) in {0, 1}."""
    if fmt not in FORMATS:
        raise DataError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt == "auto":
        fmt = detect_format(path)
    X, y = read_parquet(path) if fmt == "parquet" else read_lhco(path)
    return as_float_matrix(X, f"{path}"), _labels(y, path)


def _labels(y: np.ndarray, path: Path) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        first = int(np.nonzero(bad)[0][0])
        raise DataError(f"{path}: column 'label' must be 0 or 1; row {first} holds {y[first]}")
    return y.astype(np.int64)


def _missing(path: Path, have: set[str], need: tuple[str, ...]) -> None:
    missing = [c for c in need if c not in have]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}")


def read_parquet(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({exc})") from exc
    _missing(path, set(table.column_names), (*FEATURES, "label"))
    try:
        X = np.column_stack([table[c].to_numpy().astype(np.float64) for c in FEATURES])
        y = table["label"].to_numpy()
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise DataError(f"{path}: non-numeric feature or label column ({exc})") from exc
    return X, y


def _hdf5_columns(path: Path) -> dict[str, np.ndarray]:
    """Numeric columns of a pandas fixed-format frame (key ``df``, else the only one)."""
    import tables

    try:
        h5 = tables.open_file(str(path), mode="r")
    except Exception as exc:  # PyTables raises several unrelated types for broken files
        raise DataError(f"{path}: not a readable HDF5 file ({exc})") from exc
    with h5:
        groups = [g for g in h5.walk_groups("/") if "block0_values" in g or "table" in g]
        if not groups:
            raise DataError(f"{path}: no pandas DataFrame found (expected one written by "
                            "DataFrame.to_hdf)")
        named = [g for g in groups if g._v_name == LHCO_KEY]
        group = (named or groups)[0]
        if "table" in group:
            raise DataError(f"{path}: HDF5 'table' format is not supported; write the frame "
                            f"with DataFrame.to_hdf(path, key='{LHCO_KEY}') (fixed format)")
        columns: dict[str, np.ndarray] = {}
        i = 0
        while f"block{i}_values" in group:
            values = group[f"block{i}_values"]
            names = [n.decode() if isinstance(n, bytes) else str(n)
                     for n in group[f"block{i}_items"].read()]
            i += 1
            if isinstance(values, tables.VLArray) or values.dtype.kind not in "biuf":
                continue  # object or string columns: never read (they may be pickled)
            data = values.read()
            for j, name in enumerate(names):
                columns[name] = data[:, j]
    return columns


def read_lhco(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """LHCO R&D features file -> our five features (TeV) and labels."""
    c = _hdf5_columns(path)
    _missing(path, set(c), LHCO_COLUMNS)
    raw = as_float_matrix(np.column_stack([c[k] for k in LHCO_COLUMNS]), f"{path}")
    c = {k: raw[:, i] for i, k in enumerate(LHCO_COLUMNS)}
    p = {}
    for j in ("j1", "j2"):
        px, py, pz, m = (c[f"{v}{j}"] for v in ("px", "py", "pz", "m"))
        p[j] = (px, py, pz, np.sqrt(px**2 + py**2 + pz**2 + m**2))
    px, py, pz, e = (p["j1"][k] + p["j2"][k] for k in range(4))
    mjj = np.sqrt(np.maximum(e**2 - px**2 - py**2 - pz**2, 0.0)) / GEV_PER_TEV
    mj = np.column_stack([c["mj1"], c["mj2"]]) / GEV_PER_TEV
    tau1 = np.column_stack([c["tau1j1"], c["tau1j2"]])
    tau2 = np.column_stack([c["tau2j1"], c["tau2j2"]])
    t21 = np.divide(tau2, tau1, out=np.zeros_like(tau1), where=tau1 > 0)
    return feature_rows(mjj, mj, t21), c["label"]
