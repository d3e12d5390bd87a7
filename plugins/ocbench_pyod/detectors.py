"""PyOD baselines as oneclass-bench detectors: thin wrappers.

Each wrapper names a PyOD model and declares the PyOD parameters it exposes under PyOD's own
names; the shared base builds the model from ``get_params()``. Every wrapper standardizes the
features with the reference mean/std first: the distance- and kernel-based methods (ocsvm, knn,
lof, pca, deep ones) need it, and for the per-feature rank/histogram/split methods (iforest,
hbos, ecod, copod) it is a no-op, so one uniform rule keeps the wrappers identical.
PyOD's ``decision_function`` is already higher = more outlying and is used as is, except for
ECOD and COPOD, whose batch scoring is transductive (see ``_ReferenceECDF``). PyOD is imported
lazily: it takes seconds to import and the registry is loaded by every CLI call.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np
from sklearn.preprocessing import StandardScaler

from oneclass_bench.base import Detector, as_float_matrix


class PyODDetector(Detector):
    """Base of the wrappers: ``model`` is the dotted path of the PyOD class."""

    model: ClassVar[str] = ""
    #: PyOD arguments pinned by the wrapper (quiet, single process, deterministic)
    fixed: ClassVar[dict[str, Any]] = {}

    def _model_kwargs(self, X: np.ndarray) -> dict[str, Any]:
        kwargs = self.get_params()
        if "seed" in kwargs:
            kwargs["random_state"] = kwargs.pop("seed")
        return {**kwargs, **self.fixed}

    def _build(self, X: np.ndarray) -> Any:
        module, cls = self.model.rsplit(".", 1)
        return getattr(importlib.import_module(module), cls)(**self._model_kwargs(X))

    def fit(self, X: np.ndarray, context: np.ndarray | None = None) -> PyODDetector:
        X = as_float_matrix(X)
        self.scaler_ = StandardScaler().fit(X)
        Z = self.scaler_.transform(X)
        self.model_ = self._build(Z).fit(Z)
        return self

    def score(self, X: np.ndarray, context: np.ndarray | None = None) -> np.ndarray:
        Z = self.scaler_.transform(as_float_matrix(X))
        return np.asarray(self.model_.decision_function(Z), dtype=np.float64).ravel()


@contextmanager
def _torch_session(threads: int, seed: int | None = None) -> Iterator[None]:
    """Run with ``threads`` torch threads and, if given, every RNG PyOD touches seeded.

    PyOD's deep models draw from the global torch, numpy and random states (DeepSVDD shuffles
    with ``np.random``); they are restored afterwards so a fit leaves no trace.
    """
    import torch

    previous = torch.get_num_threads()
    np_state, py_state = np.random.get_state(), random.getstate()
    torch.set_num_threads(threads)
    try:
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
                np.random.seed(seed)
                random.seed(seed)
            yield
    finally:
        torch.set_num_threads(previous)
        np.random.set_state(np_state)
        random.setstate(py_state)


class TorchPyODDetector(PyODDetector):
    """PyOD's torch models: explicit thread count, seeded fit, CPU only."""

    def _model_kwargs(self, X: np.ndarray) -> dict[str, Any]:
        kwargs = super()._model_kwargs(X)
        del kwargs["threads"]
        return kwargs

    def fit(self, X: np.ndarray, context: np.ndarray | None = None) -> TorchPyODDetector:
        with _torch_session(self.threads, self.seed):
            return super().fit(X, context)

    def score(self, X: np.ndarray, context: np.ndarray | None = None) -> np.ndarray:
        with _torch_session(self.threads):
            return super().score(X, context)


class IForest(PyODDetector):
    name = "iforest"
    tags = frozenset({"seedable"})
    model = "pyod.models.iforest.IForest"
    fixed = {"n_jobs": 1, "verbose": 0}

    def __init__(self, n_estimators: int = 100, max_samples: int | float | str = "auto",
                 max_features: float = 1.0, seed: int = 0):
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.max_features = max_features
        self.seed = seed


class OCSVM(PyODDetector):
    name = "ocsvm"
    model = "pyod.models.ocsvm.OCSVM"

    def __init__(self, kernel: str = "rbf", nu: float = 0.5, gamma: float | str = "auto"):
        self.kernel = kernel
        self.nu = nu
        self.gamma = gamma


class LOF(PyODDetector):
    name = "lof"
    model = "pyod.models.lof.LOF"
    # novelty=True: score unseen test samples against the reference set
    fixed = {"novelty": True, "n_jobs": 1}

    def __init__(self, n_neighbors: int = 20):
        self.n_neighbors = n_neighbors


class KNN(PyODDetector):
    name = "knn"
    model = "pyod.models.knn.KNN"
    fixed = {"n_jobs": 1}

    def __init__(self, n_neighbors: int = 5, method: str = "largest"):
        self.n_neighbors = n_neighbors
        self.method = method


def tail_scores(T: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECOD/COPOD's -log tail probabilities (left, right, skewness-chosen) of each row of ``Z``.

    Computed as PyOD's ``decision_function`` does for a one-row batch: within the reference
    samples ``T`` plus that row only, with the skewness sign of ``T`` plus that row.
    """
    n = len(T) + 1
    ordered = np.sort(T, axis=0)
    cols = range(T.shape[1])
    below = np.column_stack([np.searchsorted(ordered[:, j], Z[:, j], "right") for j in cols])
    above = len(T) - np.column_stack([np.searchsorted(ordered[:, j], Z[:, j], "left")
                                      for j in cols])
    u_left, u_right = -np.log((below + 1) / n), -np.log((above + 1) / n)
    # sign of the third central moment of T plus the row, from its raw moments
    m1, m2, m3 = ((np.sum(T**k, axis=0) + Z**k) / n for k in (1, 2, 3))
    skew = np.sign(m3 - 3 * m1 * m2 + 2 * m1**3)
    return u_left, u_right, u_left * -np.sign(skew - 1) + u_right * np.sign(skew + 1)


class _ReferenceECDF(PyODDetector):
    """ECOD and COPOD, scored against the reference samples alone.

    PyOD's ``decision_function`` recomputes the ECDFs and skewness on train + the whole scored
    batch, so a sample's score would depend on the rest of the test set, its share of anomalies
    included (on iris, ECOD's AUROC falls to 0.3). Each row is scored as PyOD scores a one-row
    batch instead, vectorized by :func:`tail_scores`.
    """

    fixed = {"n_jobs": 1}

    def combine(self, u_left: np.ndarray, u_right: np.ndarray, u_skew: np.ndarray
                ) -> np.ndarray:
        raise NotImplementedError

    def score(self, X: np.ndarray, context: np.ndarray | None = None) -> np.ndarray:
        Z = self.scaler_.transform(as_float_matrix(X))
        return self.combine(*tail_scores(self.model_.X_train, Z)).sum(axis=1)


class ECOD(_ReferenceECDF):
    name = "ecod"
    model = "pyod.models.ecod.ECOD"

    def combine(self, u_left: np.ndarray, u_right: np.ndarray, u_skew: np.ndarray
                ) -> np.ndarray:
        return np.maximum(np.maximum(u_left, u_right), u_skew)


class COPOD(_ReferenceECDF):
    name = "copod"
    model = "pyod.models.copod.COPOD"

    def combine(self, u_left: np.ndarray, u_right: np.ndarray, u_skew: np.ndarray
                ) -> np.ndarray:
        return np.maximum(u_skew, (u_left + u_right) / 2)


class HBOS(PyODDetector):
    name = "hbos"
    model = "pyod.models.hbos.HBOS"

    def __init__(self, n_bins: int = 10, alpha: float = 0.1, tol: float = 0.5):
        self.n_bins = n_bins
        self.alpha = alpha
        self.tol = tol


class PCA(PyODDetector):
    name = "pca"
    model = "pyod.models.pca.PCA"
    # only the randomized SVD solver draws random numbers; pinned so PCA is deterministic
    fixed = {"random_state": 0}

    def __init__(self, n_components: int | float | None = None, whiten: bool = False):
        self.n_components = n_components
        self.whiten = whiten


class DeepSVDD(TorchPyODDetector):
    name = "deepsvdd"
    tags = frozenset({"seedable"})
    model = "pyod.models.deep_svdd.DeepSVDD"
    fixed = {"verbose": 0}

    def __init__(self, hidden_neurons: tuple[int, ...] = (64, 32), epochs: int = 20,
                 batch_size: int = 32, learning_rate: float = 1e-3, dropout_rate: float = 0.2,
                 seed: int = 0, threads: int = 1):
        self.hidden_neurons = hidden_neurons
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.dropout_rate = dropout_rate
        self.seed = seed
        self.threads = threads

    def _model_kwargs(self, X: np.ndarray) -> dict[str, Any]:
        kwargs = super()._model_kwargs(X)
        return {**kwargs, "hidden_neurons": list(self.hidden_neurons), "n_features": X.shape[1]}


class AutoEncoder(TorchPyODDetector):
    name = "autoencoder"
    tags = frozenset({"seedable"})
    model = "pyod.models.auto_encoder.AutoEncoder"
    # CPU pinned: PyOD would pick CUDA when present, and results must not depend on the host
    fixed = {"verbose": 0, "device": "cpu"}

    def __init__(self, hidden_neuron_list: tuple[int, ...] = (64, 32), epoch_num: int = 10,
                 batch_size: int = 32, lr: float = 1e-3, dropout_rate: float = 0.2,
                 seed: int = 0, threads: int = 1):
        self.hidden_neuron_list = hidden_neuron_list
        self.epoch_num = epoch_num
        self.batch_size = batch_size
        self.lr = lr
        self.dropout_rate = dropout_rate
        self.seed = seed
        self.threads = threads

    def _model_kwargs(self, X: np.ndarray) -> dict[str, Any]:
        kwargs = super()._model_kwargs(X)
        # PyOD drops the last incomplete batch: a batch larger than the data trains nothing
        return {**kwargs, "hidden_neuron_list": list(self.hidden_neuron_list),
                "batch_size": min(self.batch_size, len(X))}


DETECTORS: tuple[type[PyODDetector], ...] = (
    IForest, DeepSVDD, AutoEncoder, OCSVM, LOF, KNN, ECOD, COPOD, HBOS, PCA,
)
