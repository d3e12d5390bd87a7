"""Supervised upper bound: a gradient-boosted classifier trained on labelled events."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from oneclass_bench.base import Detector, as_float_matrix
from oneclass_bench.errors import ContractError, DataError


class Supervised(Detector):
    """Upper bound that VIOLATES the one-class protocol: it learns from labelled anomalies.

    scikit-learn's HistGradientBoostingClassifier fitted on the dataset's separate labelled
    split (``Split.labelled``) via ``fit_supervised``; the score is the predicted anomaly
    probability. It shows how far a detector that knew the anomalies could go; its rows are
    flagged as supervised in every table and never rank among one-class methods. The seed
    reaches the classifier's random_state, which matters once early stopping switches on
    (more than 10 000 labelled events).
    """

    name = "supervised"
    tags = frozenset({"supervised", "seedable"})

    def __init__(self, max_iter: int = 200, learning_rate: float = 0.1,
                 max_leaf_nodes: int = 31, seed: int = 0):
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.seed = seed

    def fit(self, X: np.ndarray, context: np.ndarray | None = None) -> Supervised:
        raise ContractError(
            "supervised: this upper bound needs a labelled split; it cannot be fitted on "
            "reference samples alone. Use fit_supervised(X, y) (the harness does so with "
            "Split.labelled on datasets that provide one)."
        )

    def fit_supervised(self, X: np.ndarray, y: np.ndarray, context: np.ndarray | None = None
                       ) -> Supervised:
        X = as_float_matrix(X, "supervised: X")
        y = np.asarray(y).ravel()
        if y.shape != (len(X),):
            raise DataError(f"supervised: y has shape {y.shape}, expected ({len(X)},)")
        if set(np.unique(y).tolist()) != {0, 1}:
            raise DataError("supervised: y needs both classes, 0 = reference and 1 = anomaly, "
                            f"and nothing else; got {sorted(set(np.unique(y).tolist()))}")
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes, random_state=self.seed,
        ).fit(X, y.astype(int))
        return self

    def score(self, X: np.ndarray, context: np.ndarray | None = None) -> np.ndarray:
        proba = self.model_.predict_proba(as_float_matrix(X, "supervised: X"))
        return proba[:, list(self.model_.classes_).index(1)].astype(np.float64)
