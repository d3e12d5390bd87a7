"""Entry point ``oneclass_bench: example``: one detector and one dataset."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split

from oneclass_bench import Dataset, Detector, Split
from oneclass_bench.hookspecs import hookimpl


class Mahalanobis(Detector):
    """Mahalanobis distance to the reference mean (higher = more anomalous)."""

    name = "example-mahalanobis"

    def __init__(self, shrinkage: float = 1e-3):
        self.shrinkage = shrinkage

    def fit(self, X, context=None):
        self.mean_ = X.mean(axis=0)
        cov = np.cov(X, rowvar=False) + self.shrinkage * np.eye(X.shape[1])
        self.precision_ = np.linalg.inv(cov)
        return self

    def score(self, X, context=None):
        d = X - self.mean_
        return np.einsum("ij,jk,ik->i", d, self.precision_, d)


class Blobs(Dataset):
    """One Gaussian blob is the reference class; samples of three other blobs are anomalous."""

    name = "example-blobs"

    def __init__(self, n_samples: int = 1200, n_features: int = 4):
        self.n_samples = n_samples
        self.n_features = n_features

    def load(self, seed: int) -> Split:
        X, label = make_blobs(n_samples=self.n_samples, n_features=self.n_features, centers=4,
                              cluster_std=1.0, random_state=1234)
        ref, anom = X[label == 0], X[label != 0]
        X_train, X_ref_test = train_test_split(ref, test_size=0.3, random_state=seed)
        X_test = np.vstack([X_ref_test, anom[:100]])
        y_test = np.r_[np.zeros(len(X_ref_test)), np.ones(len(anom[:100]))].astype(int)
        return Split(
            X_train=X_train, X_test=X_test, y_test=y_test,
            feature_names=tuple(f"f{i}" for i in range(self.n_features)),
            provenance={"generator": "sklearn.datasets.make_blobs", "random_state": 1234,
                        "split_seed": seed, "n_samples": self.n_samples},
        )


@hookimpl
def register_detectors():
    return [Mahalanobis]


@hookimpl
def register_datasets():
    return [Blobs]
