"""User-provided benchmark files: ODDS ``.mat`` and ADBench ``.npz`` (never downloaded).

Both hold ``X`` (samples x features) and ``y`` (0 = reference, 1 = anomaly). The file is read
from ``data_dir`` (default: ``$OCBENCH_DATA_DIR``, else ``~/.ocbench/data``) and split with
the one-class protocol: y = 0 rows split 70/30, y = 1 rows in the test set only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

import numpy as np

from ocbench_tabular.protocol import check_test_fraction, one_class_split
from oneclass_bench.base import Dataset, Split, as_float_matrix
from oneclass_bench.errors import DataError, ParameterError
from oneclass_bench.provenance import file_sha256

DATA_DIR_ENV = "OCBENCH_DATA_DIR"
DEFAULT_DATA_DIR = Path("~/.ocbench/data")


class UserFileDataset(Dataset):
    """Base: ``suffix`` is the file extension, ``read`` returns the raw ``X`` and ``y``."""

    metrics = ("auroc", "auprc")
    suffix: ClassVar[str] = ""
    source: ClassVar[str] = ""

    def __init__(self, file: str = "", data_dir: str | None = None, test_fraction: float = 0.3):
        self.file = file
        self.data_dir = data_dir
        self.test_fraction = test_fraction

    def path(self) -> Path:
        if not self.file:
            raise ParameterError(f"{self.name}: set the file name, e.g. --param "
                                 f"{self.name}.file=cardio{self.suffix}")
        root = self.data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
        name = self.file if self.file.endswith(self.suffix) else self.file + self.suffix
        return Path(root).expanduser() / name

    def read(self, path: Path) -> tuple[object, object]:
        raise NotImplementedError

    def load(self, seed: int) -> Split:
        check_test_fraction(self.test_fraction)
        path = self.path()
        if not path.is_file():
            raise DataError(
                f"{self.name}: {path} not found. Put the {self.source} file there (arrays X "
                f"and y), or point data_dir / ${DATA_DIR_ENV} at the folder that holds it."
            )
        X, y = validate(*self.read(path), path)
        provenance = {"dataset": self.name, "source": self.source, "file": str(path),
                      "sha256": file_sha256(path),
                      "params": self.get_params()}
        names = tuple(f"x{j}" for j in range(X.shape[1]))
        return one_class_split(X[y == 0], X[y == 1], seed, self.test_fraction, names,
                               provenance)


def validate(X: object, y: object, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Check ``X``, ``y`` as read from ``path``; DataError naming the problem otherwise."""
    if X is None or y is None:
        missing = " and ".join(k for k, v in (("X", X), ("y", y)) if v is None)
        raise DataError(f"{path}: no array named {missing} (expected X and y)")
    X = as_float_matrix(X, f"{path}: X")
    y = np.asarray(y)
    if y.ndim == 2 and 1 in y.shape:  # MATLAB stores vectors as n x 1 (or 1 x n)
        y = y.ravel()
    if y.ndim != 1 or len(y) != len(X):
        raise DataError(f"{path}: y has shape {y.shape}, expected ({len(X)},) to match X "
                        f"{X.shape}")
    y = as_float_matrix(y, f"{path}: y").ravel()
    labels = set(np.unique(y).tolist())
    if not labels <= {0.0, 1.0}:
        raise DataError(f"{path}: labels in y must be 0 (reference) or 1 (anomaly), found "
                        f"{sorted(labels)}")
    if labels != {0.0, 1.0}:
        raise DataError(f"{path}: y needs both reference (0) and anomalous (1) samples")
    return X, y.astype(int)


class ODDS(UserFileDataset):
    """ODDS benchmark ``.mat`` file (MATLAB v5, or v7.3/HDF5 read with h5py)."""

    name = "odds"
    suffix = ".mat"
    source = "ODDS .mat"

    def read(self, path: Path) -> tuple[object, object]:
        import scipy.io

        try:
            mat = scipy.io.loadmat(path)
        except NotImplementedError:  # MATLAB v7.3 files are HDF5
            return read_hdf5_mat(path)
        except (ValueError, OSError) as exc:
            raise DataError(f"{path}: not a readable .mat file ({exc})") from exc
        return mat.get("X"), mat.get("y")


def read_hdf5_mat(path: Path) -> tuple[object, object]:
    """MATLAB v7.3 stores arrays column-major: transpose back to samples x features."""
    try:
        import h5py
    except ImportError as exc:
        raise DataError(f"{path}: MATLAB v7.3 file; reading it needs h5py "
                        "(pip install h5py)") from exc
    with h5py.File(path, "r") as f:
        return tuple(np.asarray(f[k]).T if k in f else None for k in ("X", "y"))


class ADBench(UserFileDataset):
    """ADBench ``.npz`` file (arrays X and y); never unpickled."""

    name = "adbench"
    suffix = ".npz"
    source = "ADBench .npz"

    def read(self, path: Path) -> tuple[object, object]:
        try:
            with np.load(path, allow_pickle=False) as npz:
                return (npz["X"] if "X" in npz else None), (npz["y"] if "y" in npz else None)
        except (ValueError, OSError) as exc:
            raise DataError(f"{path}: not a readable .npz file ({exc})") from exc
