"""The one-class protocol shared by every tabular suite.

A seeded split of the reference class: ``1 - test_fraction`` of it trains, the rest joins the
test set together with every anomaly. Anomalies never reach the training set.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from oneclass_bench.base import Split, as_float_matrix
from oneclass_bench.errors import DataError, ParameterError


def check_test_fraction(test_fraction: float) -> None:
    if not 0.0 < test_fraction < 1.0:
        raise ParameterError(f"test_fraction must lie in (0, 1), got {test_fraction}")


def one_class_split(
    X_reference: np.ndarray,
    X_anomalies: np.ndarray,
    seed: int,
    test_fraction: float,
    feature_names: tuple[str, ...],
    provenance: dict[str, Any],
) -> Split:
    """Split the reference rows (seeded) and append all anomalies to the test set only."""
    check_test_fraction(test_fraction)
    X_reference = as_float_matrix(X_reference, "reference samples")
    X_anomalies = as_float_matrix(X_anomalies, "anomalies")
    n = len(X_reference)
    n_test = int(round(test_fraction * n))
    if n_test < 1 or n_test > n - 1:
        raise DataError(
            f"{n} reference sample(s) cannot be split with test_fraction={test_fraction}"
        )
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return Split(
        X_train=X_reference[train],
        X_test=np.vstack([X_reference[test], X_anomalies]),
        y_test=np.r_[np.zeros(n_test, dtype=int), np.ones(len(X_anomalies), dtype=int)],
        feature_names=tuple(feature_names),
        provenance={**provenance, "seed": seed, "protocol": "one-class",
                    "n_train": len(train), "n_test_reference": n_test,
                    "n_test_anomalies": len(X_anomalies)},
    )
